#pragma once
// Special-token partitioning (ENGINE_FACTS 5.1): before any model-specific tokenization the
// text is cut on the texts of CONTROL, UNKNOWN and USER_DEFINED tokens, longest first; each
// occurrence inside a still-raw fragment becomes that token, the rest stays raw text.
#include "tokenizer/vocab.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace dw::tok {

struct Fragment {
    int32_t token = -1; // >= 0: a special token; -1: raw text [begin, end)
    size_t begin = 0, end = 0;
};

class SpecialSplitter {
public:
    explicit SpecialSplitter(const Vocab& vocab);

    // Fragments covering `text` in order. parseSpecial: CONTROL/UNKNOWN texts are matched
    // too (USER_DEFINED always are).
    std::vector<Fragment> split(std::string_view text, bool parseSpecial) const;

private:
    // Distinct candidate tokens that occur in `text`, found by one walk of a byte trie from
    // every position (the trie's depth is the longest special text, so this stays linear in
    // the text for a fixed vocabulary).
    std::vector<int32_t> occurring(std::string_view text, bool parseSpecial) const;
    int32_t child(int32_t node, uint8_t byte) const;

    const Vocab& m_vocab;
    // Byte trie of the candidate texts, node 0 = root. The root's children sit in a flat
    // table; every other node's children are a run of m_edgeByte/m_edgeChild sorted by
    // byte, [m_firstEdge[n], m_firstEdge[n + 1]) (most runs hold one edge).
    std::vector<int32_t> m_rootChild; // [256], -1 = none
    std::vector<int32_t> m_firstEdge; // [nodes + 1]
    std::vector<uint8_t> m_edgeByte;
    std::vector<int32_t> m_edgeChild;
    std::vector<int32_t> m_nodeToken; // [nodes] token ending here, or -1
    std::vector<int32_t> m_priority;  // [nVocab] rank: longer text first
};

} // namespace dw::tok
