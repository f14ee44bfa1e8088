#pragma once
// Pre-tokenizer regex lists of byte-level BPE vocabularies (ENGINE_FACTS 5.4), run with
// PCRE2 in UTF + UCP mode (JIT-compiled where the library supports it).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dw::tok {

struct PreTokenizerTraits {
    bool ignoreMerges = false; // a piece that is already a token is emitted whole
    bool defaultAddBos = false;
};

class PreTokenizer {
public:
    // `name` is tokenizer.ggml.pre ("" = default). Throws dw::Error(Unsupported) naming an
    // unknown value.
    explicit PreTokenizer(std::string_view name);
    ~PreTokenizer();
    PreTokenizer(PreTokenizer&&) noexcept;
    PreTokenizer& operator=(PreTokenizer&&) noexcept;

    static bool isKnown(std::string_view name);
    const PreTokenizerTraits& traits() const { return m_traits; }
    size_t regexCount() const;

    // Per-call matching state (PCRE2 match data, JIT stack); one per thread at a time.
    class Session {
    public:
        explicit Session(const PreTokenizer& pre);
        ~Session();
        Session(const Session&) = delete;
        Session& operator=(const Session&) = delete;

        // Splits valid UTF-8 `text` into pieces (views into text) appended to `out`: each
        // regex in turn splits every current piece into its matches and the gaps between
        // them, so the pieces always concatenate back to `text`.
        void split(std::string_view text, std::vector<std::string_view>& out);

    private:
        struct State;
        const PreTokenizer& m_pre;
        std::unique_ptr<State> m_state;
        std::vector<std::string_view> m_next;
    };

private:
    struct Compiled;
    PreTokenizerTraits m_traits;
    std::vector<std::unique_ptr<Compiled>> m_regexes;
};

} // namespace dw::tok
