#include "core/log.h"

#include "deepwell/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace dw {

spdlog::logger& log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        auto l = spdlog::get("deepwell");
        if (!l) l = spdlog::stderr_color_mt("deepwell");
        l->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
        l->set_level(spdlog::level::info);
        return l;
    }();
    return *logger;
}

void setLogLevel(LogLevel level) {
    spdlog::level::level_enum l = spdlog::level::info;
    switch (level) {
    case LogLevel::Trace: l = spdlog::level::trace; break;
    case LogLevel::Debug: l = spdlog::level::debug; break;
    case LogLevel::Info: l = spdlog::level::info; break;
    case LogLevel::Warn: l = spdlog::level::warn; break;
    case LogLevel::Error: l = spdlog::level::err; break;
    case LogLevel::Off: l = spdlog::level::off; break;
    }
    log().set_level(l);
}

bool parseLogLevel(const std::string& name, LogLevel& out) {
    static const std::pair<const char*, LogLevel> kNames[] = {
        {"trace", LogLevel::Trace}, {"debug", LogLevel::Debug}, {"info", LogLevel::Info},
        {"warn", LogLevel::Warn},   {"error", LogLevel::Error}, {"off", LogLevel::Off}};
    for (const auto& [n, l] : kNames) {
        if (name == n) {
            out = l;
            return true;
        }
    }
    return false;
}

} // namespace dw
