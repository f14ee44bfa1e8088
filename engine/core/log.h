#pragma once
// Logging goes through spdlog. The engine logs to the "deepwell" logger; programs decide
// where it writes (stderr by default) and at which level.
#include <spdlog/spdlog.h>

namespace dw {

// The engine's logger (created on first use, writing to stderr).
spdlog::logger& log();

} // namespace dw
