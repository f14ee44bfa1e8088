#include "gguf/gguf_limits.h"

#include <cstdio>

namespace dw::gguf {

bool isValidUtf8(std::string_view s, size_t* badIndex) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        // Sequence length and the allowed range of the second byte (Unicode table 3-7), which
        // excludes overlong forms, UTF-16 surrogates and code points above U+10FFFF.
        size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        }
        bool ok = len != 0 && n - i >= len && p[i + 1] >= lo && p[i + 1] <= hi;
        for (size_t k = 2; ok && k < len; ++k) ok = (p[i + k] & 0xC0) == 0x80;
        if (!ok) {
            if (badIndex) *badIndex = i;
            return false;
        }
        i += len;
    }
    return true;
}

std::string printable(std::string_view s) {
    constexpr size_t kMax = 64;
    // Valid UTF-8 stays readable (Chinese keys, emoji); anything else is escaped byte by byte.
    const bool utf8 = isValidUtf8(s);
    std::string out;
    size_t i = 0;
    for (; i < s.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c >= 0x20 && c < 0x7F) || (utf8 && c >= 0x80)) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (utf8) // do not cut a multi-byte character in half
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) out += s[i++];
    if (i < s.size()) out += "...";
    return out;
}

} // namespace dw::gguf
