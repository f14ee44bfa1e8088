#pragma once
// Tokenizers (../shared/reference/ENGINE_FACTS.md section 5): SentencePiece-style (`llama`
// model: score-driven merges, byte fallback) and GPT-2 byte-level BPE (`gpt2` model) with the
// pre-tokenizers of Llama 3, Qwen 2/3, DeepSeek LLM and DeepSeek V3 (and `default`/`gpt-2`).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

namespace gguf {
class File;
}

enum class TokenType : int32_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

// Everything a tokenizer is built from; read from GGUF metadata by vocabFromGguf() or made
// by hand (tests, synthetic models).
struct VocabData {
    std::string model;                // "llama" (SPM) or "gpt2" (byte-level BPE)
    std::string pre;                  // tokenizer.ggml.pre for gpt2 ("" = default)
    std::vector<std::string> tokens;  // text by id
    std::vector<float> scores;        // SPM merge scores (may be empty for gpt2)
    std::vector<TokenType> types;     // may be empty: every token Normal
    std::vector<std::string> merges;  // gpt2: "left right", index = rank
    int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1;
    std::optional<bool> addBos, addEos, addSpacePrefix;
};

// Reads tokenizer.ggml.* keys; throws dw::Error (Format: missing/ill-typed keys, naming them;
// Unsupported: an unknown tokenizer model or pre-tokenizer, naming it).
VocabData vocabFromGguf(const gguf::File& file);

class Tokenizer {
public:
    // Throws dw::Error(Format/Unsupported) when the vocabulary is unusable.
    explicit Tokenizer(VocabData vocab);
    ~Tokenizer();
    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;

    // addSpecial: prepend BOS / append EOS as the vocabulary says. parseSpecial: control
    // tokens written in the text (e.g. "<start_of_turn>") become their ids; user-defined
    // tokens are always matched.
    std::vector<int32_t> encode(std::string_view text, bool addSpecial, bool parseSpecial) const;

    // The bytes of one token (may be part of a UTF-8 sequence). Control tokens give "" unless
    // renderSpecial.
    std::string tokenBytes(int32_t id, bool renderSpecial = false) const;
    std::string decode(const std::vector<int32_t>& ids, bool renderSpecial = false) const;

    int32_t nVocab() const;
    const std::string& tokenText(int32_t id) const;
    TokenType tokenType(int32_t id) const;
    int32_t bos() const;
    int32_t eos() const;
    bool addBos() const;
    bool addEos() const;
    // End-of-generation: eos, eot, eom and the known end-of-turn texts (section 5.5).
    bool isEog(int32_t id) const;
    const std::vector<int32_t>& eogIds() const;
    // Id of a token with exactly this text, or -1.
    int32_t findToken(std::string_view text) const;
    const std::string& model() const;
    const std::string& pre() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

// Turns a stream of token ids into text without ever emitting a broken UTF-8 sequence: bytes
// of an incomplete character are held back until the character completes.
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool renderSpecial = false);
    // Text that became complete with this token (possibly empty).
    std::string push(int32_t id);
    // Whatever is held back; invalid or truncated sequences become U+FFFD.
    std::string flush();

private:
    const Tokenizer& m_tokenizer;
    bool m_renderSpecial;
    std::string m_pending;
};

} // namespace dw
