#include "tokenizer/utf8.h"

namespace dw::tok {

namespace {

// Allowed range of the second byte for each lead byte (RFC 3629 table); later continuation
// bytes are always 0x80..0xBF.
struct LeadInfo {
    uint8_t length;
    uint8_t lo, hi;
};

LeadInfo leadInfo(uint8_t b) {
    if (b < 0x80) return {1, 0, 0};
    if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
    if (b == 0xE0) return {3, 0xA0, 0xBF};
    if (b == 0xED) return {3, 0x80, 0x9F}; // no surrogates
    if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
    if (b == 0xF0) return {4, 0x90, 0xBF};
    if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
    if (b == 0xF4) return {4, 0x80, 0x8F}; // <= U+10FFFF
    return {0, 0, 0};                      // continuation byte, C0, C1, F5..FF
}

} // namespace

Utf8Seq examineUtf8(std::string_view s, size_t pos) {
    const auto lead = static_cast<uint8_t>(s[pos]);
    const LeadInfo info = leadInfo(lead);
    if (info.length == 0) return {Utf8Status::Invalid, 1};
    if (info.length == 1) return {Utf8Status::Complete, 1};
    for (size_t i = 1; i < info.length; ++i) {
        if (pos + i >= s.size()) return {Utf8Status::Incomplete, i};
        const auto b = static_cast<uint8_t>(s[pos + i]);
        const uint8_t lo = i == 1 ? info.lo : 0x80;
        const uint8_t hi = i == 1 ? info.hi : 0xBF;
        if (b < lo || b > hi) return {Utf8Status::Invalid, i};
    }
    return {Utf8Status::Complete, info.length};
}

std::string sanitizeUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t pos = 0;
    while (pos < s.size()) {
        const Utf8Seq seq = examineUtf8(s, pos);
        if (seq.status == Utf8Status::Complete)
            out.append(s.substr(pos, seq.length));
        else
            out.append(kReplacementChar);
        pos += seq.length;
    }
    return out;
}

bool isValidUtf8(std::string_view s) {
    size_t pos = 0;
    while (pos < s.size()) {
        const Utf8Seq seq = examineUtf8(s, pos);
        if (seq.status != Utf8Status::Complete) return false;
        pos += seq.length;
    }
    return true;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

char32_t decodeUtf8(std::string_view s, size_t pos, size_t length) {
    const auto lead = static_cast<uint8_t>(s[pos]);
    if (length == 1) return lead;
    char32_t cp = lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[pos + i]) & 0x3F);
    return cp;
}

} // namespace dw::tok
