#pragma once
// SentencePiece-style BPE (ENGINE_FACTS 5.2): characters are merged pairwise, the pair whose
// concatenation is the token with the highest score first (ties: leftmost), until no
// adjacent pair forms a token. Leftover characters that are not tokens become byte tokens.
#include "tokenizer/vocab.h"

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dw::tok {

class SpmModel {
public:
    explicit SpmModel(const Vocab& vocab) : m_vocab(vocab) {}

    struct Scratch;

    // Appends the ids of `text`, whose spaces the caller has already replaced by U+2581.
    void encode(std::string_view text, Scratch& scratch, std::vector<int32_t>& out) const;

private:
    // Id of a token that merging may produce, or -1. As in SentencePiece, CONTROL, UNKNOWN
    // and BYTE tokens are never formed from text (llama.cpp would form them; no Gemma
    // control or byte token can be, see tests); UNUSED ones are, and are split back later.
    int32_t mergeable(std::string_view text) const;
    void emit(std::string_view text, uint32_t begin, uint32_t len, const Scratch& scratch,
              std::vector<int32_t>& out) const;

    const Vocab& m_vocab;
};

struct SpmModel::Scratch {
    struct Symbol {
        int32_t prev, next;
        uint32_t begin, len; // bytes of the text; len 0 = merged away
    };
    struct Pair {
        float score;
        int32_t left, right;
        uint32_t len; // expected combined length: detects stale entries
    };
    std::vector<Symbol> symbols;
    std::vector<Pair> heap;
    // Merges that produced an UNUSED token: (begin << 32 | len) -> length of the left part.
    std::unordered_map<uint64_t, uint32_t> unusedSplits;
};

} // namespace dw::tok
