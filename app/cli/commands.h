#pragma once
// Each command adds its subcommand to the program's CLI11 app; the callback runs the command
// and sets the exit code through the returned reference.
#include <CLI/CLI.hpp>

namespace dw::cli {

void addInspectCommand(CLI::App& app, int& exitCode);
void addRunCommand(CLI::App& app, int& exitCode);
void addPerplexityCommand(CLI::App& app, int& exitCode);
void addLogitsCommand(CLI::App& app, int& exitCode);
void addBenchCommand(CLI::App& app, int& exitCode);
void addSynthCommand(CLI::App& app, int& exitCode);
void addQuantizeCommand(CLI::App& app, int& exitCode);

} // namespace dw::cli
