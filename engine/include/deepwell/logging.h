#pragma once
// Program-side control of the engine's log output.
#include <string>

namespace dw {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };

void setLogLevel(LogLevel level);
// Parses "trace|debug|info|warn|error|off"; returns false when unknown.
bool parseLogLevel(const std::string& name, LogLevel& out);

} // namespace dw
