#include "deepwell/error.h"

#include <cstdio>
#include <cstdlib>

namespace dw {

const char* errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::Format: return "format error";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::Template: return "template error";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal error";
    }
    return "unknown error";
}

void assertFailed(const char* expr, const char* file, int line, const char* msg) {
    std::fprintf(stderr, "deepwell: internal invariant broken at %s:%d: %s%s%s\n", file, line,
                 expr, msg ? " — " : "", msg ? msg : "");
    std::fflush(stderr);
    std::abort();
}

} // namespace dw
