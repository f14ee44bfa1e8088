// The tojson filter as Hugging Face defines it for chat templates: Python's json.dumps with
// ensure_ascii=False by default, keys in insertion order unless sort_keys, separators
// (", ", ": ") on one line or ("," , ": ") with indent, floats in Python's repr.
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dw::jinja {

namespace {

constexpr int kMaxDepth = 128;
constexpr size_t kMaxBytes = 16u << 20;

void escapeString(std::string& out, const std::string& s, bool ensureAscii) {
    out += '"';
    size_t i = 0;
    while (i < s.size()) {
        const size_t start = i;
        const uint32_t cp = decodeUtf8(s, i);
        char b[16];
        switch (cp) {
        case '"':
            out += "\\\"";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        case '\n':
            out += "\\n";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\t':
            out += "\\t";
            continue;
        case '\b':
            out += "\\b";
            continue;
        case '\f':
            out += "\\f";
            continue;
        default:
            break;
        }
        if (cp < 0x20) {
            std::snprintf(b, sizeof b, "\\u%04x", cp);
            out += b;
        } else if (ensureAscii && cp >= 0x80) {
            if (cp >= 0x10000) {
                const uint32_t v = cp - 0x10000;
                std::snprintf(b, sizeof b, "\\u%04x\\u%04x", 0xd800 + (v >> 10),
                              0xdc00 + (v & 0x3ff));
            } else {
                std::snprintf(b, sizeof b, "\\u%04x", cp);
            }
            out += b;
        } else {
            out.append(s, start, i - start);
        }
    }
    out += '"';
}

struct Writer {
    Pos pos;
    int indent;
    std::string itemSep, keySep;
    bool sortKeys, ensureAscii;
    std::string out;

    void newline(int depth) {
        if (indent < 0) return;
        out += '\n';
        out.append(size_t(indent) * size_t(depth), ' ');
    }

    void write(const Value& v, int depth) {
        if (depth > kMaxDepth)
            templateError(pos, "tojson: value nested deeper than " + std::to_string(kMaxDepth) +
                                   " levels (circular reference?)");
        if (out.size() > kMaxBytes)
            templateError(pos, "tojson: output exceeds " + std::to_string(kMaxBytes) + " bytes");
        switch (v.kind()) {
        case Kind::Undefined:
            templateError(pos, "tojson: object of type Undefined is not JSON serializable");
        case Kind::None:
            out += "null";
            return;
        case Kind::Bool:
            out += v.boolean() ? "true" : "false";
            return;
        case Kind::Int:
            out += std::to_string(v.integer());
            return;
        case Kind::Float:
            if (std::isnan(v.number()))
                out += "NaN";
            else if (std::isinf(v.number()))
                out += v.number() > 0 ? "Infinity" : "-Infinity";
            else
                out += formatFloat(v.number());
            return;
        case Kind::String:
            escapeString(out, v.str(), ensureAscii);
            return;
        case Kind::List: {
            if (v.items().empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < v.items().size(); ++i) {
                if (i) out += itemSep;
                newline(depth + 1);
                write(v.items()[i], depth + 1);
            }
            newline(depth);
            out += ']';
            return;
        }
        case Kind::Dict: {
            std::vector<const std::pair<std::string, Value>*> items;
            for (const auto& kv : v.dictRef().items) items.push_back(&kv);
            if (sortKeys)
                std::stable_sort(items.begin(), items.end(),
                                 [](auto* a, auto* b) { return a->first < b->first; });
            if (items.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += itemSep;
                newline(depth + 1);
                escapeString(out, items[i]->first, ensureAscii);
                out += keySep;
                write(items[i]->second, depth + 1);
            }
            newline(depth);
            out += '}';
            return;
        }
        default:
            templateError(pos,
                          "tojson: object of type " + v.typeName() + " is not JSON serializable");
        }
    }
};

} // namespace

std::string toJson(const Value& v, Pos pos, int indent, const std::string& itemSep,
                   const std::string& keySep, bool sortKeys, bool ensureAscii) {
    Writer w{pos, indent, itemSep, keySep, sortKeys, ensureAscii, {}};
    w.write(v, 0);
    return std::move(w.out);
}

} // namespace dw::jinja
