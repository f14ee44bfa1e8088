#include "deepwell/tokenizer.h"

#include "tokenizer/utf8.h"

namespace dw {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool renderSpecial)
    : m_tokenizer(tokenizer), m_renderSpecial(renderSpecial) {}

std::string StreamDecoder::push(int32_t id) {
    m_pending += m_tokenizer.tokenBytes(id, m_renderSpecial);
    std::string out;
    size_t pos = 0;
    while (pos < m_pending.size()) {
        const tok::Utf8Seq seq = tok::examineUtf8(m_pending, pos);
        if (seq.status == tok::Utf8Status::Incomplete) break; // wait for the next token
        if (seq.status == tok::Utf8Status::Complete)
            out.append(m_pending, pos, seq.length);
        else
            out += tok::kReplacementChar;
        pos += seq.length;
    }
    m_pending.erase(0, pos);
    return out;
}

std::string StreamDecoder::flush() {
    // Only an incomplete tail can be pending: push() emits everything else.
    std::string out = m_pending.empty() ? std::string() : std::string(tok::kReplacementChar);
    m_pending.clear();
    return out;
}

} // namespace dw
