#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace dw::jinja {

namespace {

bool isNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isAsciiSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Lexer {
public:
    explicit Lexer(std::string src) : m_src(std::move(src)) {
        for (size_t i = 0; i < m_src.size(); ++i)
            if (m_src[i] == '\n') m_lineStarts.push_back(i + 1);
    }

    std::vector<Token> run();

private:
    Pos posAt(size_t off) const {
        auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), off);
        const size_t lineStart = *(it - 1);
        Pos p;
        p.line = int(it - m_lineStarts.begin());
        p.column = int(codePointCount(m_src.substr(lineStart, off - lineStart))) + 1;
        return p;
    }
    bool at(size_t off, const char* s) const { return m_src.compare(off, std::strlen(s), s) == 0; }

    void emitText(size_t begin, size_t end, bool nextLstrip, bool nextStripAll);
    size_t lexTag(size_t off, TokKind begin, TokKind end, const char* close);
    size_t lexString(size_t off);
    size_t lexNumber(size_t off);
    size_t rawBlock(size_t tagStart, size_t afterOpen);

    std::string m_src;
    std::vector<size_t> m_lineStarts{0};
    std::vector<Token> m_out;
    bool m_stripNextAll = false;    // the previous tag ended with '-'
    bool m_trimNextNewline = false; // trim_blocks after the previous block/comment tag
};

// Emits source[begin, end) as text after applying the whitespace rules of the tags around it.
void Lexer::emitText(size_t begin, size_t end, bool nextLstrip, bool nextStripAll) {
    std::string text = m_src.substr(begin, end - begin);
    if (nextStripAll) {
        while (!text.empty() && isAsciiSpace(text.back())) text.pop_back();
    } else if (nextLstrip) {
        // lstrip_blocks: only spaces/tabs that start a line.
        const size_t nl = text.rfind('\n');
        const bool lineStart = nl != std::string::npos || begin == 0 || m_src[begin - 1] == '\n';
        const size_t from = nl == std::string::npos ? 0 : nl + 1;
        if (lineStart && text.find_first_not_of(" \t", from) == std::string::npos)
            text.resize(from);
    }
    if (m_stripNextAll) {
        size_t k = 0;
        while (k < text.size() && isAsciiSpace(text[k])) ++k;
        text.erase(0, k);
    } else if (m_trimNextNewline && !text.empty() && text[0] == '\n') {
        text.erase(0, 1);
    }
    m_stripNextAll = false;
    m_trimNextNewline = false;
    if (!text.empty()) {
        Token t;
        t.kind = TokKind::Text;
        t.text = std::move(text);
        t.pos = posAt(begin);
        m_out.push_back(std::move(t));
    }
}

std::vector<Token> Lexer::run() {
    size_t pos = 0;
    size_t textStart = 0;
    while (true) {
        const size_t open = m_src.find('{', pos);
        if (open == std::string::npos || open + 1 >= m_src.size()) break;
        const char kind = m_src[open + 1];
        if (kind != '{' && kind != '%' && kind != '#') {
            pos = open + 1;
            continue;
        }
        const char mod = open + 2 < m_src.size() ? m_src[open + 2] : '\0';
        const bool blockLike = kind != '{';
        emitText(textStart, open, blockLike && mod != '+', mod == '-');
        size_t after = open + 2 + ((mod == '-' || mod == '+') ? 1 : 0);
        if (kind == '#') {
            const size_t close = m_src.find("#}", after);
            if (close == std::string::npos) templateError(posAt(open), "unterminated comment");
            m_stripNextAll = close > after && m_src[close - 1] == '-';
            m_trimNextNewline = !(close > after && m_src[close - 1] == '+');
            pos = textStart = close + 2;
            continue;
        }
        if (kind == '%') {
            const size_t rawEnd = rawBlock(open, after);
            if (rawEnd != 0) {
                pos = textStart = rawEnd;
                continue;
            }
        }
        pos = textStart = kind == '{' ? lexTag(open, TokKind::VarBegin, TokKind::VarEnd, "}}")
                                      : lexTag(open, TokKind::BlockBegin, TokKind::BlockEnd, "%}");
    }
    emitText(textStart, m_src.size(), false, false);
    Token end;
    end.kind = TokKind::End;
    end.pos = posAt(m_src.size());
    m_out.push_back(end);
    return std::move(m_out);
}

// `{% raw %}...{% endraw %}`: the body is text, untouched. Returns the offset after the
// closing tag, or 0 when the tag at tagStart is not `raw`.
size_t Lexer::rawBlock(size_t tagStart, size_t afterOpen) {
    size_t k = afterOpen;
    while (k < m_src.size() && isAsciiSpace(m_src[k])) ++k;
    if (!at(k, "raw")) return 0;
    k += 3;
    while (k < m_src.size() && isAsciiSpace(m_src[k])) ++k;
    const bool stripAfterOpen = at(k, "-%}");
    if (!stripAfterOpen && !at(k, "%}")) return 0;
    const size_t bodyStart = k + (stripAfterOpen ? 3 : 2);
    size_t search = bodyStart;
    while (true) {
        const size_t end = m_src.find("{%", search);
        if (end == std::string::npos) templateError(posAt(tagStart), "unterminated 'raw' block");
        size_t e = end + 2;
        const bool stripBefore = e < m_src.size() && m_src[e] == '-';
        if (stripBefore || (e < m_src.size() && m_src[e] == '+')) ++e;
        while (e < m_src.size() && isAsciiSpace(m_src[e])) ++e;
        if (!at(e, "endraw")) {
            search = end + 2;
            continue;
        }
        e += 6;
        while (e < m_src.size() && isAsciiSpace(m_src[e])) ++e;
        const bool stripAfter = at(e, "-%}");
        if (!stripAfter && !at(e, "%}")) templateError(posAt(end), "malformed 'endraw' tag");
        std::string body = m_src.substr(bodyStart, end - bodyStart);
        if (stripAfterOpen) {
            size_t k2 = 0;
            while (k2 < body.size() && isAsciiSpace(body[k2])) ++k2;
            body.erase(0, k2);
        } else if (!body.empty() && body[0] == '\n')
            body.erase(0, 1);
        if (stripBefore) {
            while (!body.empty() && isAsciiSpace(body.back())) body.pop_back();
        }
        if (!body.empty()) {
            Token t;
            t.kind = TokKind::Text;
            t.text = std::move(body);
            t.pos = posAt(bodyStart);
            m_out.push_back(std::move(t));
        }
        m_stripNextAll = stripAfter;
        m_trimNextNewline = !stripAfter;
        return e + (stripAfter ? 3 : 2);
    }
}

size_t Lexer::lexTag(size_t open, TokKind begin, TokKind end, const char* close) {
    Token b;
    b.kind = begin;
    b.pos = posAt(open);
    m_out.push_back(b);
    size_t i = open + 2;
    if (i < m_src.size() && (m_src[i] == '-' || m_src[i] == '+')) ++i;
    int depth = 0; // open (, [, { inside the tag: a '}' there is not the end of the tag
    while (true) {
        while (i < m_src.size() && isAsciiSpace(m_src[i])) ++i;
        if (i >= m_src.size())
            templateError(posAt(open), std::string("unterminated tag, expected '") + close + "'");
        const bool minus = m_src[i] == '-' && at(i + 1, close);
        const bool plus = m_src[i] == '+' && at(i + 1, close);
        if (depth == 0 && (minus || plus || at(i, close))) {
            Token e;
            e.kind = end;
            e.pos = posAt(i);
            m_out.push_back(e);
            m_stripNextAll = minus;
            m_trimNextNewline = end == TokKind::BlockEnd && !plus;
            return i + ((minus || plus) ? 3 : 2);
        }
        const char c = m_src[i];
        if (c == '\'' || c == '"') {
            i = lexString(i);
        } else if (isDigit(c)) {
            i = lexNumber(i);
        } else if (isNameStart(c)) {
            size_t j = i;
            while (j < m_src.size() && (isNameStart(m_src[j]) || isDigit(m_src[j]))) ++j;
            Token t;
            t.kind = TokKind::Name;
            t.text = m_src.substr(i, j - i);
            t.pos = posAt(i);
            m_out.push_back(std::move(t));
            i = j;
        } else {
            static const char* const ops[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                              "/",  "%",  "~",  "<",  ">",  "=",  ".", ",", ":",
                                              "|",  "(",  ")",  "[",  "]",  "{",  "}"};
            const char* found = nullptr;
            for (const char* op : ops) {
                if (at(i, op)) {
                    found = op;
                    break;
                }
            }
            if (!found) {
                size_t j = i;
                decodeUtf8(m_src, j);
                templateError(posAt(i), "unexpected character '" + m_src.substr(i, j - i) + "'");
            }
            if (*found == '(' || *found == '[' || *found == '{') ++depth;
            if ((*found == ')' || *found == ']' || *found == '}') && depth > 0) --depth;
            Token t;
            t.kind = TokKind::Op;
            t.text = found;
            t.pos = posAt(i);
            m_out.push_back(std::move(t));
            i += std::strlen(found);
        }
    }
}

// A quoted literal with Python escapes (\n \t \r \\ \' \" \xhh \uhhhh \Uhhhhhhhh, octal);
// an unknown escape keeps its backslash, as Python does.
size_t Lexer::lexString(size_t start) {
    const char q = m_src[start];
    std::string out;
    size_t i = start + 1;
    while (true) {
        if (i >= m_src.size()) templateError(posAt(start), "unterminated string literal");
        const char c = m_src[i];
        if (c == q) break;
        if (c != '\\' || i + 1 >= m_src.size()) {
            out += c;
            ++i;
            continue;
        }
        const char e = m_src[i + 1];
        i += 2;
        auto hex = [&](int n) {
            uint32_t v = 0;
            for (int k = 0; k < n; ++k, ++i) {
                if (i >= m_src.size() || !std::isxdigit(static_cast<unsigned char>(m_src[i])))
                    templateError(posAt(start),
                                  "malformed \\x, \\u or \\U escape in string literal");
                const char h = m_src[i];
                v = v * 16 + uint32_t(isDigit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
            }
            return v;
        };
        switch (e) {
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'v':
            out += '\v';
            break;
        case '\\':
            out += '\\';
            break;
        case '\'':
            out += '\'';
            break;
        case '"':
            out += '"';
            break;
        case '\n':
            break; // line continuation
        case 'x':
            appendUtf8(out, hex(2));
            break;
        case 'u':
            appendUtf8(out, hex(4));
            break;
        case 'U':
            appendUtf8(out, hex(8));
            break;
        default:
            if (e >= '0' && e <= '7') {
                uint32_t v = uint32_t(e - '0');
                for (int k = 0; k < 2 && i < m_src.size() && m_src[i] >= '0' && m_src[i] <= '7';
                     ++k, ++i)
                    v = v * 8 + uint32_t(m_src[i] - '0');
                appendUtf8(out, v);
            } else {
                out += '\\';
                out += e;
            }
        }
    }
    Token t;
    t.kind = TokKind::String;
    t.text = std::move(out);
    t.pos = posAt(start);
    m_out.push_back(std::move(t));
    return i + 1;
}

size_t Lexer::lexNumber(size_t start) {
    auto digits = [&](size_t i) {
        while (i < m_src.size() && (isDigit(m_src[i]) || (m_src[i] == '_' && i + 1 < m_src.size() &&
                                                          isDigit(m_src[i + 1]))))
            ++i;
        return i;
    };
    size_t i = digits(start);
    bool isFloat = false;
    // After a '.' (as in `items.0`) only an integer is lexed.
    const bool afterDot =
        !m_out.empty() && m_out.back().kind == TokKind::Op && m_out.back().text == ".";
    if (!afterDot && i + 1 < m_src.size() && m_src[i] == '.' && isDigit(m_src[i + 1])) {
        i = digits(i + 1);
        isFloat = true;
    }
    if (!afterDot && i < m_src.size() && (m_src[i] == 'e' || m_src[i] == 'E')) {
        size_t j = i + 1;
        if (j < m_src.size() && (m_src[j] == '+' || m_src[j] == '-')) ++j;
        if (j < m_src.size() && isDigit(m_src[j])) {
            i = digits(j);
            isFloat = true;
        }
    }
    std::string spelled;
    for (size_t k = start; k < i; ++k)
        if (m_src[k] != '_') spelled += m_src[k];
    Token t;
    t.pos = posAt(start);
    t.text = spelled;
    if (isFloat) {
        t.kind = TokKind::Float;
        t.floatValue = std::strtod(spelled.c_str(), nullptr);
    } else {
        t.kind = TokKind::Int;
        const auto r = std::from_chars(spelled.data(), spelled.data() + spelled.size(), t.intValue);
        if (r.ec != std::errc())
            templateError(t.pos, "integer literal '" + spelled +
                                     "' is too large (values are limited to 64 bits)");
    }
    m_out.push_back(std::move(t));
    return i;
}

} // namespace

std::vector<Token> tokenize(const std::string& source) {
    std::string src;
    src.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            src += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else {
            src += source[i];
        }
    }
    if (!src.empty() && src.back() == '\n') src.pop_back(); // keep_trailing_newline = False
    return Lexer(std::move(src)).run();
}

} // namespace dw::jinja
