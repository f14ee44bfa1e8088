#pragma once
// GPT-2 byte-level BPE (ENGINE_FACTS 5.3): pieces are mapped byte by byte into the GPT-2
// alphabet, then adjacent symbols are merged lowest merge rank first (ties: leftmost).
#include "tokenizer/vocab.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dw::tok {

// The GPT-2 byte <-> unicode table: printable bytes map to the same code point, the other
// 68 bytes (0x00-0x20, 0x7F-0xA0, 0xAD) in increasing order to U+0100..U+0143.
char32_t gpt2ByteToCodePoint(uint8_t b);
int gpt2CodePointToByte(char32_t cp); // -1 when cp is not in the alphabet
// UTF-8 text of the alphabet character of each byte.
const std::array<std::string, 256>& gpt2ByteTexts();

class BpeModel {
public:
    // Parses tokenizer.ggml.merges ("left right", index = rank). Throws dw::Error(Format)
    // naming the merge when it is malformed or names a text that is not a token.
    explicit BpeModel(const Vocab& vocab);

    // Scratch buffers reused across the pieces of one encode() call.
    struct Scratch;

    // Appends the ids of one pre-tokenized piece (raw UTF-8 bytes).
    void encode(std::string_view piece, bool ignoreMerges, Scratch& scratch,
                std::vector<int32_t>& out) const;

    size_t mergeCount() const { return m_merges.size(); }

private:
    struct Merge {
        int32_t rank;
        int32_t result;
    };
    static uint64_t key(int32_t left, int32_t right) {
        return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
    }

    const Vocab& m_vocab;
    std::unordered_map<uint64_t, Merge> m_merges; // (left id, right id) -> rank, merged id
    std::array<int32_t, 256> m_byteToken{};       // token of each byte's alphabet text, or -1
};

struct BpeModel::Scratch {
    struct Symbol {
        int32_t id;          // token id, or -1 for a byte with no token
        int32_t prev, next;  // neighbours in the live list, -1 at the ends
        uint32_t begin, len; // bytes of the piece this symbol covers; len 0 = merged away
    };
    struct Pair {
        int32_t rank, left, right, leftId, rightId, result;
    };
    std::vector<Symbol> symbols;
    std::vector<Pair> heap;
    std::string mapped;
};

} // namespace dw::tok
