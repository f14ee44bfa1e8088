#include "store/title.h"

namespace dw::store {
namespace {

// ASCII whitespace plus the Unicode spaces a pasted message commonly starts/ends with:
// U+00A0 (no-break), U+3000 (ideographic), U+FEFF (BOM). Returns its byte length, or 0.
size_t spaceAt(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
    const std::string_view rest = s.substr(i);
    for (std::string_view sp : {"\xC2\xA0", "\xE3\x80\x80", "\xEF\xBB\xBF"})
        if (rest.substr(0, sp.size()) == sp) return sp.size();
    return 0;
}

std::string_view trim(std::string_view s) {
    size_t begin = 0;
    while (begin < s.size()) {
        const size_t n = spaceAt(s, begin);
        if (n == 0) break;
        begin += n;
    }
    size_t end = s.size();
    // Walk back one character at a time: find the start of the last character.
    while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        if (spaceAt(s, start) != end - start) break;
        end = start;
    }
    return s.substr(begin, end - begin);
}

} // namespace

size_t utf8SequenceLength(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return 1; // continuation or invalid lead byte: a character of its own
}

std::string deriveTitle(std::string_view text, size_t maxChars) {
    // The first line with something on it.
    std::string_view line;
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t nl = text.find('\n', pos);
        const size_t end = nl == std::string_view::npos ? text.size() : nl;
        line = trim(text.substr(pos, end - pos));
        if (!line.empty() || nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    // Walk whole characters; a sequence cut short by the end of the text counts as the rest.
    size_t chars = 0, cut = std::string_view::npos, i = 0;
    while (i < line.size()) {
        if (chars == maxChars - 1 && cut == std::string_view::npos) cut = i;
        size_t n = utf8SequenceLength(static_cast<unsigned char>(line[i]));
        for (size_t k = 1; k < n; ++k)
            if (i + k >= line.size() || (static_cast<unsigned char>(line[i + k]) & 0xC0) != 0x80) {
                n = k; // malformed sequence: stop before the byte that does not continue it
                break;
            }
        i += n;
        ++chars;
    }
    if (chars <= maxChars || maxChars == 0) return std::string(maxChars == 0 ? "" : line);
    return std::string(trim(line.substr(0, cut))) + "\xE2\x80\xA6"; // "…"
}

} // namespace dw::store
