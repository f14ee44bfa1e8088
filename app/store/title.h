#pragma once
// The automatic session title: the first non-blank line of the first user message, with
// surrounding whitespace removed, cut to at most maxChars Unicode code points (never inside
// a UTF-8 sequence) and ended with "…" when cut. Invalid UTF-8 bytes count as one character
// each and are kept as they are (the store does not rewrite user text).
#include <cstddef>
#include <string>
#include <string_view>

namespace dw::store {

inline constexpr size_t kTitleMaxChars = 60;

std::string deriveTitle(std::string_view firstUserMessage, size_t maxChars = kTitleMaxChars);

// Bytes of the UTF-8 sequence starting with lead byte `c` (1 for invalid lead bytes).
size_t utf8SequenceLength(unsigned char c);

} // namespace dw::store
