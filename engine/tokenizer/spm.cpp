#include "tokenizer/spm.h"

#include "tokenizer/utf8.h"

#include <algorithm>

namespace dw::tok {

int32_t SpmModel::mergeable(std::string_view text) const {
    const int32_t id = m_vocab.find(text);
    if (id < 0) return -1;
    switch (m_vocab.type(id)) {
    case TokenType::Undefined:
    case TokenType::Normal:
    case TokenType::UserDefined:
    case TokenType::Unused:
        return id;
    case TokenType::Unknown:
    case TokenType::Control:
    case TokenType::Byte:
        return -1;
    }
    return -1;
}

void SpmModel::encode(std::string_view text, Scratch& s, std::vector<int32_t>& out) const {
    if (text.empty()) return;
    auto& syms = s.symbols;
    syms.clear();
    s.unusedSplits.clear();
    for (size_t pos = 0; pos < text.size();) {
        // A character; a byte that starts no valid character stands alone (and will become
        // its byte token).
        const Utf8Seq seq = examineUtf8(text, pos);
        const size_t len = seq.status == Utf8Status::Complete ? seq.length : 1;
        const auto index = int32_t(syms.size());
        syms.push_back({index - 1, -1, uint32_t(pos), uint32_t(len)});
        if (index > 0) syms[size_t(index) - 1].next = index;
        pos += len;
    }

    // Max-heap on score, ties to the smaller left index.
    auto lower = [](const Scratch::Pair& a, const Scratch::Pair& b) {
        return a.score != b.score ? a.score < b.score : a.left > b.left;
    };
    auto& heap = s.heap;
    heap.clear();
    auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const Scratch::Symbol& l = syms[size_t(left)];
        const uint32_t len = l.len + syms[size_t(right)].len;
        const int32_t id = mergeable(text.substr(l.begin, len));
        if (id < 0) return;
        heap.push_back({m_vocab.score(id), left, right, len});
        std::push_heap(heap.begin(), heap.end(), lower);
    };
    for (size_t i = 0; i + 1 < syms.size(); ++i) consider(int32_t(i), int32_t(i) + 1);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), lower);
        const Scratch::Pair p = heap.back();
        heap.pop_back();
        Scratch::Symbol& l = syms[size_t(p.left)];
        Scratch::Symbol& r = syms[size_t(p.right)];
        if (l.len == 0 || r.len == 0 || l.next != p.right || l.len + r.len != p.len) continue;
        const int32_t id = m_vocab.find(text.substr(l.begin, p.len));
        if (m_vocab.type(id) == TokenType::Unused)
            s.unusedSplits[(uint64_t(l.begin) << 32) | p.len] = l.len;
        l.len = p.len;
        r.len = 0;
        l.next = r.next;
        if (r.next >= 0) syms[size_t(r.next)].prev = p.left;
        consider(l.prev, p.left);
        consider(p.left, l.next);
    }

    for (int32_t i = 0; i >= 0; i = syms[size_t(i)].next)
        emit(text, syms[size_t(i)].begin, syms[size_t(i)].len, s, out);
}

void SpmModel::emit(std::string_view text, uint32_t begin, uint32_t len, const Scratch& s,
                    std::vector<int32_t>& out) const {
    const std::string_view piece = text.substr(begin, len);
    const int32_t id = mergeable(piece);
    if (id >= 0 && m_vocab.type(id) != TokenType::Unused) {
        out.push_back(id);
        return;
    }
    if (id >= 0) { // UNUSED: split back along the merge that made it (SentencePiece)
        const auto it = s.unusedSplits.find((uint64_t(begin) << 32) | len);
        if (it != s.unusedSplits.end()) {
            emit(text, begin, it->second, s, out);
            emit(text, begin + it->second, len - it->second, s, out);
            return;
        }
    }
    // A character that is no token: its bytes as byte tokens; when a byte has none, the
    // character becomes one UNK (when the vocabulary has one) or is dropped.
    for (const char c : piece) {
        if (m_vocab.byteFallback(uint8_t(c)) < 0) {
            if (m_vocab.data().unk >= 0) out.push_back(m_vocab.data().unk);
            return;
        }
    }
    for (const char c : piece) out.push_back(m_vocab.byteFallback(uint8_t(c)));
}

} // namespace dw::tok
