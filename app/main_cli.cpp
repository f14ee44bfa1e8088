// deepwell-cli: inspect, run (and chat), perplexity, logits, bench, synth.
#include "cli/commands.h"
#include "deepwell/error.h"
#include "deepwell/logging.h"

#include <cstdio>

int main(int argc, char** argv) {
    CLI::App app{"Deepwell command-line tool: run and examine GGUF language models locally"};
    app.name("deepwell-cli");
    app.require_subcommand(1);
    // One clear line per bad argument, like every other error of the program.
    app.failure_message([](const CLI::App* a, const CLI::Error& e) {
        return "deepwell-cli: " + std::string(e.what()) + " (see " + a->get_name() + " --help)\n";
    });
    std::string logLevel = "warn";
    app.add_option("--log-level", logLevel, "trace|debug|info|warn|error|off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    app.parse_complete_callback([&] {
        dw::LogLevel l;
        if (dw::parseLogLevel(logLevel, l)) dw::setLogLevel(l);
    });

    int exitCode = 0;
    dw::cli::addInspectCommand(app, exitCode);
    dw::cli::addRunCommand(app, exitCode);
    dw::cli::addPerplexityCommand(app, exitCode);
    dw::cli::addLogitsCommand(app, exitCode);
    dw::cli::addBenchCommand(app, exitCode);
    dw::cli::addSynthCommand(app, exitCode);
    dw::cli::addQuantizeCommand(app, exitCode);

    if (argc > 1 && argv[1][0] != '-') {
        std::string known;
        bool found = false;
        for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
            found = found || sub->get_name() == argv[1];
            known += (known.empty() ? "" : ", ") + sub->get_name();
        }
        if (!found) {
            std::fprintf(stderr, "deepwell-cli: unknown command '%s' (commands: %s)\n", argv[1], known.c_str());
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const dw::Error& e) {
        std::fprintf(stderr, "deepwell-cli: %s: %s\n", dw::errorCodeName(e.code()), e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "deepwell-cli: unexpected error: %s\n", e.what());
        return 1;
    }
    return exitCode;
}
