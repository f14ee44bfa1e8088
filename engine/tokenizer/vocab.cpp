#include "tokenizer/vocab.h"

#include "deepwell/error.h"
#include "tokenizer/bpe.h"
#include "tokenizer/utf8.h"

#include <cmath>
#include <limits>

namespace dw::tok {

namespace {

[[noreturn]] void formatError(const std::string& msg) {
    throw Error(ErrorCode::Format, "tokenizer vocabulary: " + msg);
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// "<0xXX>" -> XX; for byte-level BPE also one GPT-2 alphabet character -> its byte; else -1.
int parseByteToken(std::string_view t, VocabModel model) {
    if (t.size() == 6 && t.substr(0, 3) == "<0x" && t[5] == '>') {
        const int hi = hexDigit(t[3]), lo = hexDigit(t[4]);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
    if (model == VocabModel::Bpe && !t.empty()) {
        const Utf8Seq seq = examineUtf8(t, 0);
        if (seq.status == Utf8Status::Complete && seq.length == t.size())
            return gpt2CodePointToByte(decodeUtf8(t, 0, seq.length));
    }
    return -1;
}

} // namespace

Vocab::Vocab(VocabData data) : m_data(std::move(data)) {
    if (m_data.model == "llama")
        m_model = VocabModel::Spm;
    else if (m_data.model == "gpt2")
        m_model = VocabModel::Bpe;
    else
        throw Error(ErrorCode::Unsupported,
                    "tokenizer model '" + m_data.model +
                        "' (tokenizer.ggml.model) is not supported; supported: llama, gpt2");

    const size_t n = m_data.tokens.size();
    if (n == 0) formatError("tokenizer.ggml.tokens is empty");
    if (n > size_t(std::numeric_limits<int32_t>::max()))
        formatError("tokenizer.ggml.tokens has " + std::to_string(n) + " entries (limit 2^31-1)");
    if (m_data.scores.empty())
        m_data.scores.assign(n, 0.0f);
    else if (m_data.scores.size() != n)
        formatError("tokenizer.ggml.scores has " + std::to_string(m_data.scores.size()) +
                    " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    if (m_data.types.empty())
        m_data.types.assign(n, TokenType::Normal);
    else if (m_data.types.size() != n)
        formatError("tokenizer.ggml.token_type has " + std::to_string(m_data.types.size()) +
                    " entries but tokenizer.ggml.tokens has " + std::to_string(n));
    for (size_t i = 0; i < n; ++i) {
        if (std::isnan(m_data.scores[i]))
            formatError("tokenizer.ggml.scores[" + std::to_string(i) + "] is NaN");
        const auto t = static_cast<int32_t>(m_data.types[i]);
        if (t < 0 || t > static_cast<int32_t>(TokenType::Byte))
            formatError("token " + std::to_string(i) + " has token type " + std::to_string(t) +
                        " (valid: 0..6)");
    }
    checkIds();
    indexTexts();
}

void Vocab::checkIds() const {
    const struct {
        const char* name;
        int32_t id;
    } ids[] = {{"bos", m_data.bos}, {"eos", m_data.eos}, {"unk", m_data.unk},
               {"pad", m_data.pad}, {"eot", m_data.eot}, {"eom", m_data.eom}};
    for (const auto& x : ids)
        if (x.id < -1 || x.id >= size())
            formatError(std::string(x.name) + " token id " + std::to_string(x.id) +
                        " is out of range (vocabulary has " + std::to_string(size()) +
                        " tokens; -1 = none)");
}

void Vocab::indexTexts() {
    const size_t n = m_data.tokens.size();
    m_byText.reserve(n);
    m_byteValue.assign(n, -1);
    m_byteFallback.fill(-1);
    for (size_t i = 0; i < n; ++i) {
        const std::string& t = m_data.tokens[i];
        m_byText.emplace(std::string_view(t), static_cast<int32_t>(i)); // keeps the first id
        if (m_data.types[i] == TokenType::Byte) {
            const int b = parseByteToken(t, m_model);
            if (b < 0)
                formatError("token " + std::to_string(i) + " has type BYTE but its text '" + t +
                            "' is not of the form <0xXX>" +
                            (m_model == VocabModel::Bpe ? " nor one byte character" : ""));
            m_byteValue[i] = static_cast<int16_t>(b);
            if (m_byteFallback[size_t(b)] < 0) m_byteFallback[size_t(b)] = int32_t(i);
        }
    }
    for (int b = 0; b < 256; ++b) {
        if (m_byteFallback[size_t(b)] >= 0) continue;
        const char c = static_cast<char>(b);
        m_byteFallback[size_t(b)] = find(std::string_view(&c, 1));
    }
}

} // namespace dw::tok
