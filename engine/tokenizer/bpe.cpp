#include "tokenizer/bpe.h"

#include "deepwell/error.h"
#include "tokenizer/utf8.h"

#include <algorithm>

namespace dw::tok {

namespace {

bool isPrintableByte(int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Gpt2Table {
    std::array<char32_t, 256> toCp{};
    std::array<int16_t, 0x144> fromCp{}; // every mapped code point is < U+0144
    std::array<std::string, 256> texts;
    Gpt2Table() {
        fromCp.fill(-1);
        char32_t next = 0x100;
        for (int b = 0; b < 256; ++b) {
            toCp[size_t(b)] = isPrintableByte(b) ? char32_t(b) : next++;
            fromCp[toCp[size_t(b)]] = int16_t(b);
            appendUtf8(texts[size_t(b)], toCp[size_t(b)]);
        }
    }
};

const Gpt2Table& table() {
    static const Gpt2Table t; // immutable after construction; thread-safe initialisation
    return t;
}

} // namespace

char32_t gpt2ByteToCodePoint(uint8_t b) {
    return table().toCp[b];
}

int gpt2CodePointToByte(char32_t cp) {
    return cp < table().fromCp.size() ? table().fromCp[cp] : -1;
}

const std::array<std::string, 256>& gpt2ByteTexts() {
    return table().texts;
}

BpeModel::BpeModel(const Vocab& vocab) : m_vocab(vocab) {
    for (int b = 0; b < 256; ++b) m_byteToken[size_t(b)] = vocab.find(gpt2ByteTexts()[size_t(b)]);
    const std::vector<std::string>& merges = vocab.data().merges;
    m_merges.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const std::string& m = merges[rank];
        auto fail = [&](const std::string& why) {
            throw Error(ErrorCode::Format,
                        "tokenizer.ggml.merges[" + std::to_string(rank) + "] '" + m + "': " + why);
        };
        if (rank > size_t(INT32_MAX)) fail("too many merges (limit 2^31-1)");
        // Split at the first space after the first character: the left part is never empty.
        const size_t space = m.find(' ', 1);
        if (space == std::string::npos) fail("expected \"left right\"");
        const std::string_view left = std::string_view(m).substr(0, space);
        const std::string_view right = std::string_view(m).substr(space + 1);
        const int32_t l = vocab.find(left), r = vocab.find(right);
        if (l < 0) fail("left part '" + std::string(left) + "' is not a token");
        if (r < 0) fail("right part '" + std::string(right) + "' is not a token");
        const int32_t merged = vocab.find(std::string(left) + std::string(right));
        if (merged < 0)
            fail("merged text '" + std::string(left) + std::string(right) + "' is not a token");
        m_merges.emplace(key(l, r), Merge{int32_t(rank), merged}); // the first rank wins
    }
}

void BpeModel::encode(std::string_view piece, bool ignoreMerges, Scratch& s,
                      std::vector<int32_t>& out) const {
    if (piece.empty()) return;
    if (ignoreMerges) {
        s.mapped.clear();
        for (const char c : piece) s.mapped += gpt2ByteTexts()[uint8_t(c)];
        const int32_t whole = m_vocab.find(s.mapped);
        if (whole >= 0) {
            out.push_back(whole);
            return;
        }
    }
    auto& syms = s.symbols;
    syms.clear();
    for (size_t i = 0; i < piece.size(); ++i)
        syms.push_back({m_byteToken[uint8_t(piece[i])], int32_t(i) - 1,
                        i + 1 < piece.size() ? int32_t(i) + 1 : -1, uint32_t(i), 1});

    // Min-heap on (rank, left); stale entries are skipped when popped.
    auto later = [](const Scratch::Pair& a, const Scratch::Pair& b) {
        return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
    };
    auto& heap = s.heap;
    heap.clear();
    auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const int32_t li = syms[size_t(left)].id, ri = syms[size_t(right)].id;
        if (li < 0 || ri < 0) return;
        const auto it = m_merges.find(key(li, ri));
        if (it == m_merges.end()) return;
        heap.push_back({it->second.rank, left, right, li, ri, it->second.result});
        std::push_heap(heap.begin(), heap.end(), later);
    };
    for (size_t i = 0; i + 1 < syms.size(); ++i) consider(int32_t(i), int32_t(i) + 1);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const Scratch::Pair p = heap.back();
        heap.pop_back();
        Scratch::Symbol& l = syms[size_t(p.left)];
        Scratch::Symbol& r = syms[size_t(p.right)];
        if (l.len == 0 || r.len == 0 || l.next != p.right || l.id != p.leftId || r.id != p.rightId)
            continue;
        l.id = p.result;
        l.len += r.len;
        r.len = 0;
        l.next = r.next;
        if (r.next >= 0) syms[size_t(r.next)].prev = p.left;
        consider(l.prev, p.left);
        consider(p.left, l.next);
    }

    for (int32_t i = 0; i >= 0; i = syms[size_t(i)].next) {
        const Scratch::Symbol& sym = syms[size_t(i)];
        if (sym.id >= 0) {
            out.push_back(sym.id);
            continue;
        }
        // A byte whose alphabet character is not a token (never in a proper byte-level
        // vocabulary): its raw byte as a token if there is one, else it is dropped, as
        // llama.cpp does.
        const int32_t fallback = m_vocab.byteFallback(uint8_t(piece[sym.begin]));
        if (fallback >= 0) out.push_back(fallback);
    }
}

} // namespace dw::tok
