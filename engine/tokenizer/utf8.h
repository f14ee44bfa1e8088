#pragma once
// UTF-8 helpers shared by the tokenizers and the stream decoder.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dw::tok {

enum class Utf8Status {
    Complete,   // a whole, valid character
    Incomplete, // a valid start of a character that the text ends inside
    Invalid,    // bytes that can never form a character (one U+FFFD replaces them)
};

struct Utf8Seq {
    Utf8Status status;
    size_t length; // bytes: of the character, of the partial tail, or of the maximal invalid
                   // subpart (Unicode's "maximal subpart" rule; always >= 1)
};

// Examines the bytes at s[pos] (pos < s.size()). Overlong forms, surrogates and code points
// above U+10FFFF are Invalid.
Utf8Seq examineUtf8(std::string_view s, size_t pos);

// Copy of s with every invalid or truncated sequence replaced by U+FFFD.
std::string sanitizeUtf8(std::string_view s);
bool isValidUtf8(std::string_view s);

// Appends the UTF-8 encoding of a code point (cp <= 0x10FFFF, not a surrogate).
void appendUtf8(std::string& out, char32_t cp);

// Decodes the character of a Complete sequence.
char32_t decodeUtf8(std::string_view s, size_t pos, size_t length);

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD"; // U+FFFD

} // namespace dw::tok
