#pragma once
// Three kinds of failure, three mechanisms (../shared/STYLE.md habit 8):
//   broken invariants      -> DW_ASSERT: always on, prints file and line, aborts;
//   bad input/environment  -> throw dw::Error{code, message}; the message names the file,
//                             the field and the limit, and says what to do;
//   expected outcomes      -> status values returned by the API (never exceptions).
#include <stdexcept>
#include <string>

namespace dw {

enum class ErrorCode {
    InvalidArgument, // a caller passed something the API cannot use
    Io,              // a file could not be opened, read, mapped or written
    Format,          // a file is malformed (GGUF structure, tensor data, tokenizer data)
    Unsupported,     // well-formed but not supported (architecture, tensor type, template construct)
    OutOfMemory,     // an allocation failed; the message gives needed and available bytes
    Template,        // a chat template failed to parse or render
    Cancelled,       // an operation was cancelled by its caller (e.g. model loading)
    Internal,        // a failure of our own code that is not an invariant violation
};

const char* errorCodeName(ErrorCode code);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message)
        : std::runtime_error(message), m_code(code) {}
    ErrorCode code() const noexcept { return m_code; }

private:
    ErrorCode m_code;
};

[[noreturn]] void assertFailed(const char* expr, const char* file, int line, const char* msg);

} // namespace dw

#define DW_ASSERT(cond)                                                                            \
    ((cond) ? (void)0 : ::dw::assertFailed(#cond, __FILE__, __LINE__, nullptr))
#define DW_ASSERT_MSG(cond, msg)                                                                   \
    ((cond) ? (void)0 : ::dw::assertFailed(#cond, __FILE__, __LINE__, (msg)))
