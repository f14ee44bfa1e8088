#pragma once
// A validated vocabulary: VocabData with every count and id checked, plus the look-ups the
// tokenizers need (text -> id, byte tokens).
#include "deepwell/tokenizer.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dw::tok {

enum class VocabModel { Spm, Bpe };

class Vocab {
public:
    // Throws dw::Error: Format for inconsistent data (counts, ids, token types, byte tokens),
    // Unsupported for a model other than "llama"/"gpt2".
    explicit Vocab(VocabData data);

    const VocabData& data() const { return m_data; }
    VocabModel model() const { return m_model; }
    int32_t size() const { return static_cast<int32_t>(m_data.tokens.size()); }
    bool contains(int32_t id) const { return id >= 0 && id < size(); }

    const std::string& text(int32_t id) const { return m_data.tokens[size_t(id)]; }
    TokenType type(int32_t id) const { return m_data.types[size_t(id)]; }
    float score(int32_t id) const { return m_data.scores[size_t(id)]; }

    // Id of the token with exactly this text (the lowest id when texts repeat), or -1.
    int32_t find(std::string_view text) const {
        const auto it = m_byText.find(text);
        return it == m_byText.end() ? -1 : it->second;
    }

    // Value of a BYTE token "<0xXX>", or -1 for any other token.
    int byteValue(int32_t id) const { return m_byteValue[size_t(id)]; }
    // SPM byte fallback: the "<0xXX>" token of a byte, else a token whose text is that one
    // raw byte, else -1.
    int32_t byteFallback(uint8_t b) const { return m_byteFallback[b]; }

private:
    void checkIds() const;
    void indexTexts();

    VocabData m_data; // scores and types filled to the token count
    VocabModel m_model = VocabModel::Spm;
    std::unordered_map<std::string_view, int32_t> m_byText; // views into m_data.tokens
    std::vector<int16_t> m_byteValue;                       // [nVocab], -1 = not a byte token
    std::array<int32_t, 256> m_byteFallback{};
};

} // namespace dw::tok
