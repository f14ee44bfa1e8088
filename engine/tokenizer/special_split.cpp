#include "tokenizer/special_split.h"

#include <algorithm>
#include <map>

namespace dw::tok {

namespace {

bool isSpecialType(TokenType t) {
    return t == TokenType::Control || t == TokenType::Unknown || t == TokenType::UserDefined;
}

} // namespace

SpecialSplitter::SpecialSplitter(const Vocab& vocab) : m_vocab(vocab) {
    // Build with a map of edges, then lay the edges out per node for fast walking.
    std::map<std::pair<int32_t, uint8_t>, int32_t> edges; // (node, byte) -> child
    m_nodeToken.push_back(-1);                            // root
    std::vector<int32_t> candidates;
    for (int32_t id = 0; id < vocab.size(); ++id) {
        if (!isSpecialType(vocab.type(id)) || vocab.text(id).empty()) continue;
        if (vocab.find(vocab.text(id)) != id) continue; // a repeated text: the first id wins
        candidates.push_back(id);
        int32_t node = 0;
        for (const char c : vocab.text(id)) {
            const auto [it, added] =
                edges.emplace(std::pair(node, uint8_t(c)), int32_t(m_nodeToken.size()));
            if (added) m_nodeToken.push_back(-1);
            node = it->second;
        }
        m_nodeToken[size_t(node)] = id;
    }
    m_rootChild.assign(256, -1);
    m_firstEdge.assign(m_nodeToken.size() + 1, 0);
    for (const auto& [key, child] : edges) { // ordered by node, then byte
        if (key.first == 0) {
            m_rootChild[key.second] = child;
            continue;
        }
        ++m_firstEdge[size_t(key.first) + 1];
        m_edgeByte.push_back(key.second);
        m_edgeChild.push_back(child);
    }
    for (size_t n = 1; n < m_firstEdge.size(); ++n) m_firstEdge[n] += m_firstEdge[n - 1];

    // Longest text first; ties by id so the order never depends on the sort.
    std::sort(candidates.begin(), candidates.end(), [&](int32_t a, int32_t b) {
        const size_t la = vocab.text(a).size(), lb = vocab.text(b).size();
        return la != lb ? la > lb : a < b;
    });
    m_priority.assign(size_t(vocab.size()), -1);
    for (size_t i = 0; i < candidates.size(); ++i) m_priority[size_t(candidates[i])] = int32_t(i);
}

int32_t SpecialSplitter::child(int32_t node, uint8_t byte) const {
    if (node == 0) return m_rootChild[byte];
    const auto first = m_edgeByte.begin() + m_firstEdge[size_t(node)];
    const auto last = m_edgeByte.begin() + m_firstEdge[size_t(node) + 1];
    const auto it = std::lower_bound(first, last, byte);
    return it != last && *it == byte ? m_edgeChild[size_t(it - m_edgeByte.begin())] : -1;
}

std::vector<int32_t> SpecialSplitter::occurring(std::string_view text, bool parseSpecial) const {
    std::vector<int32_t> found;
    std::vector<bool> seen;
    for (size_t pos = 0; pos < text.size(); ++pos) {
        int32_t node = m_rootChild[static_cast<uint8_t>(text[pos])];
        for (size_t i = pos + 1; node >= 0; ++i) {
            const int32_t id = m_nodeToken[size_t(node)];
            if (id >= 0 && (parseSpecial || m_vocab.type(id) == TokenType::UserDefined)) {
                if (seen.empty()) seen.assign(size_t(m_vocab.size()), false);
                if (!seen[size_t(id)]) {
                    seen[size_t(id)] = true;
                    found.push_back(id);
                }
            }
            if (i >= text.size()) break;
            node = child(node, static_cast<uint8_t>(text[i]));
        }
    }
    std::sort(found.begin(), found.end(),
              [&](int32_t a, int32_t b) { return m_priority[size_t(a)] < m_priority[size_t(b)]; });
    return found;
}

std::vector<Fragment> SpecialSplitter::split(std::string_view text, bool parseSpecial) const {
    std::vector<Fragment> frags;
    if (text.empty()) return frags;
    frags.push_back({-1, 0, text.size()});
    // Same result as cutting every candidate in priority order (5.1), but only the
    // candidates that occur at all are searched for.
    std::vector<Fragment> next;
    for (const int32_t id : occurring(text, parseSpecial)) {
        const std::string_view needle = m_vocab.text(id);
        next.clear();
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            const std::string_view raw = text.substr(f.begin, f.end - f.begin);
            size_t pos = 0;
            for (size_t hit; (hit = raw.find(needle, pos)) != std::string_view::npos;) {
                if (hit > pos) next.push_back({-1, f.begin + pos, f.begin + hit});
                next.push_back({id, f.begin + hit, f.begin + hit + needle.size()});
                pos = hit + needle.size();
            }
            if (pos < raw.size()) next.push_back({-1, f.begin + pos, f.end});
        }
        frags.swap(next);
    }
    return frags;
}

} // namespace dw::tok
