// HistoryStore::search: literal substring search over messages of live sessions.
//
// The trigram index finds any substring of 3+ characters, so each user term is passed to
// FTS5 as one quoted phrase ("" inside doubled): the user's text is never parsed as FTS5
// query syntax. Trigram queries cannot match fewer than 3 characters (e.g. the two-character
// Chinese word 模型), so short terms are filtered with LIKE instead; when every term is
// short the messages are scanned. FTS5 highlight() marks what the index matched (with its
// Unicode case folding); short terms are marked here; the excerpt around the first match is
// cut here on character boundaries, never inside a match (FTS5 snippet() counts trigram
// tokens and can end a window in the middle of a matched phrase).
#include "store/store_internal.h"
#include "store/title.h"

#include <algorithm>

namespace dw::store {
namespace {

constexpr size_t kIndexedMinChars = 3; // the trigram tokenizer's smallest matchable string
constexpr size_t kSnippetBefore = 24;  // characters shown before the first match
constexpr size_t kSnippetChars = 80;   // characters of a snippet (more if a match is cut)

size_t charCount(std::string_view s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size(); i += utf8SequenceLength(static_cast<unsigned char>(s[i]))) ++n;
    return n;
}

// Splits on ASCII whitespace and the Unicode spaces an IME or a paste produces.
std::vector<std::string> splitTerms(std::string_view q) {
    std::vector<std::string> terms;
    std::string cur;
    for (size_t i = 0; i < q.size();) {
        size_t sp = 0;
        const auto c = static_cast<unsigned char>(q[i]);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
            sp = 1;
        else if (q.substr(i, 2) == "\xC2\xA0")
            sp = 2; // U+00A0
        else if (q.substr(i, 3) == "\xE3\x80\x80")
            sp = 3; // U+3000 ideographic space
        if (sp) {
            if (!cur.empty()) terms.push_back(std::move(cur));
            cur.clear();
            i += sp;
        } else {
            cur += q[i++];
        }
    }
    if (!cur.empty()) terms.push_back(std::move(cur));
    return terms;
}

std::string ftsPhrase(std::string_view term) {
    std::string out = "\"";
    for (char c : term) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// LIKE '%term%' ESCAPE '\': the term's own % and _ are literal.
std::string likePattern(std::string_view term) {
    std::string out = "%";
    for (char c : term) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

char foldAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Matches LIKE's rule: ASCII letters without case, every other byte exactly.
bool matchesAt(std::string_view text, size_t pos, std::string_view term) {
    if (pos + term.size() > text.size()) return false;
    for (size_t k = 0; k < term.size(); ++k)
        if (foldAscii(text[pos + k]) != foldAscii(term[k])) return false;
    return true;
}

size_t nextChar(std::string_view s, size_t i) {
    return std::min(s.size(), i + utf8SequenceLength(static_cast<unsigned char>(s[i])));
}

size_t prevChar(std::string_view s, size_t i) {
    while (i > 0 && (static_cast<unsigned char>(s[--i]) & 0xC0) == 0x80) {
    }
    return i;
}

// Byte range [begin, end) of a match in the message text.
struct Range {
    size_t begin, end;
};

// FTS5 highlight() is asked for these markers: bytes that never occur in UTF-8 text, so
// they cannot be confused with brackets or tags the message itself contains.
constexpr const char* kMarkOpen = "\xFE";
constexpr const char* kMarkClose = "\xFF";

// Splits highlight() output into the plain text and the marked ranges.
void parseHighlighted(std::string_view h, std::string& text, std::vector<Range>& ranges) {
    size_t open = std::string::npos;
    for (char c : h) {
        if (c == kMarkOpen[0]) {
            open = text.size();
        } else if (c == kMarkClose[0]) {
            if (open != std::string::npos && text.size() > open)
                ranges.push_back({open, text.size()});
            open = std::string::npos;
        } else {
            text += c;
        }
    }
}

// Adds every occurrence of the (short) terms, scanning by whole characters.
void addLiteralMatches(std::string_view text, const std::vector<std::string>& terms,
                       std::vector<Range>& ranges) {
    for (size_t i = 0; i < text.size();) {
        size_t len = 0;
        for (const auto& t : terms)
            if (t.size() > len && matchesAt(text, i, t)) len = t.size();
        if (len > 0) {
            ranges.push_back({i, i + len});
            i += len;
        } else {
            i = nextChar(text, i);
        }
    }
}

// A one-line excerpt: about kSnippetBefore characters before the first match, about
// kSnippetChars in all (extended so no match is cut), matches wrapped in the caller's
// markers, "…" where text was left out, line breaks and tabs shown as spaces.
std::string excerpt(std::string_view text, std::vector<Range> ranges, const SearchOptions& o) {
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    std::vector<Range> merged;
    for (const Range& r : ranges) {
        if (!merged.empty() && r.begin <= merged.back().end)
            merged.back().end = std::max(merged.back().end, r.end);
        else
            merged.push_back(r);
    }
    size_t start = merged.empty() ? 0 : merged.front().begin;
    for (size_t k = 0; k < kSnippetBefore && start > 0; ++k) start = prevChar(text, start);
    size_t end = start;
    for (size_t k = 0; k < kSnippetChars && end < text.size(); ++k) end = nextChar(text, end);
    for (const Range& r : merged)
        if (r.begin < end && r.end > end) end = r.end;

    std::string out = start > 0 ? "\xE2\x80\xA6" : "";
    auto emit = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) {
            const char c = text[i];
            out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
        }
    };
    size_t pos = start;
    for (const Range& r : merged) {
        if (r.end <= start || r.begin >= end) continue;
        emit(pos, r.begin);
        out += o.highlightOpen;
        emit(r.begin, r.end);
        out += o.highlightClose;
        pos = r.end;
    }
    emit(pos, end);
    if (end < text.size()) out += "\xE2\x80\xA6";
    return out;
}

} // namespace

std::vector<SearchHit> HistoryStore::search(std::string_view query,
                                            const SearchOptions& options) const {
    const std::vector<std::string> terms = splitTerms(query);
    if (terms.empty() || options.limit <= 0) return {};
    std::vector<std::string> indexed, scanned;
    for (const auto& t : terms) (charCount(t) >= kIndexedMinChars ? indexed : scanned).push_back(t);

    std::string sqlText;
    if (!indexed.empty()) {
        sqlText = "SELECT m.session_id, m.id, s.title, m.role, "
                  "highlight(message_search, 0, ?, ?) FROM message_search JOIN messages m ON m.id "
                  "= message_search.rowid "
                  "JOIN sessions s ON s.id = m.session_id "
                  "WHERE message_search MATCH ? AND s.deleted_at IS NULL";
    } else {
        sqlText = "SELECT m.session_id, m.id, s.title, m.role, m.content FROM messages m "
                  "JOIN sessions s ON s.id = m.session_id "
                  "WHERE s.deleted_at IS NULL AND m.state <> 'streaming'";
    }
    for (size_t k = 0; k < scanned.size(); ++k) sqlText += " AND m.content LIKE ? ESCAPE '\\'";
    sqlText += indexed.empty() ? " ORDER BY m.updated_at DESC, m.id DESC LIMIT ?"
                               : " ORDER BY message_search.rank, m.id DESC LIMIT ?";

    std::lock_guard lock(m_impl->mutex);
    sql::Statement st(m_impl->db, sqlText);
    int index = 1;
    if (!indexed.empty()) {
        std::string match;
        for (const auto& t : indexed) {
            if (!match.empty()) match += ' ';
            match += ftsPhrase(t);
        }
        st.bind(1, kMarkOpen).bind(2, kMarkClose).bind(3, match);
        index = 4;
    }
    for (const auto& t : scanned) st.bind(index++, likePattern(t));
    st.bind(index, options.limit);

    std::vector<SearchHit> hits;
    while (st.step()) {
        SearchHit h;
        h.sessionId = st.columnInt(0);
        h.messageId = st.columnInt(1);
        h.sessionTitle = st.columnText(2);
        h.role = roleFromName(st.columnText(3)).value_or(Role::User);
        std::string text;
        std::vector<Range> ranges;
        if (indexed.empty())
            text = st.columnText(4);
        else
            parseHighlighted(st.columnText(4), text, ranges);
        addLiteralMatches(text, scanned, ranges);
        h.snippet = excerpt(text, std::move(ranges), options);
        hits.push_back(std::move(h));
    }
    return hits;
}

} // namespace dw::store
