#include "tokenizer/jinja/value.h"

#include "deepwell/error.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace dw::jinja {

const Value* Dict::find(const std::string& key) const {
    for (const auto& kv : items)
        if (kv.first == key) return &kv.second;
    return nullptr;
}

void Dict::set(const std::string& key, Value value) {
    for (auto& kv : items) {
        if (kv.first == key) {
            kv.second = std::move(value);
            return;
        }
    }
    items.emplace_back(key, std::move(value));
}

const std::string& Value::emptyString() {
    static const std::string empty;
    return empty;
}

Value Value::undefined(std::string why) {
    Value v;
    v.m_str = std::make_shared<const std::string>(std::move(why));
    return v;
}

Value Value::none() {
    Value v;
    v.m_kind = Kind::None;
    return v;
}

Value Value::list(List items, bool tuple) {
    Value v;
    v.m_kind = Kind::List;
    v.m_tuple = tuple;
    v.m_list = std::make_shared<List>(std::move(items));
    return v;
}

Value Value::dict(Dict d) {
    Value v;
    v.m_kind = Kind::Dict;
    v.m_dict = std::make_shared<Dict>(std::move(d));
    return v;
}

Value Value::ns(Dict d) {
    Value v = dict(std::move(d));
    v.m_kind = Kind::Namespace;
    return v;
}

Value Value::callable(std::string name, std::function<Value(const CallArgs&, Evaluator&)> fn) {
    Value v;
    v.m_kind = Kind::Callable;
    v.m_fn = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
    return v;
}

bool Value::truthy() const {
    switch (m_kind) {
    case Kind::Undefined:
    case Kind::None:
        return false;
    case Kind::Bool:
    case Kind::Int:
        return m_int != 0;
    case Kind::Float:
        return m_float != 0.0;
    case Kind::String:
        return !m_str->empty();
    case Kind::List:
        return !m_list->empty();
    case Kind::Dict:
        return !m_dict->items.empty();
    case Kind::Namespace:
    case Kind::Callable:
        return true;
    }
    return false;
}

std::string formatFloat(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    // Shortest round-trip digits, then Python's layout: scientific when the decimal
    // exponent is < -4 or >= 16, otherwise positional with at least one fractional digit.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const size_t ePos = sci.find('e');
    std::string mant = sci.substr(0, ePos);
    const int exp = std::stoi(sci.substr(ePos + 1));
    std::string sign;
    if (mant[0] == '-') {
        sign = "-";
        mant.erase(0, 1);
    }
    std::string digits;
    for (char c : mant)
        if (c != '.') digits += c;
    if (exp < -4 || exp >= 16) {
        std::string out = sign;
        out += digits[0];
        if (digits.size() > 1) {
            out += '.';
            out.append(digits, 1, std::string::npos);
        }
        char e[16];
        std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
        out += e;
        return out;
    }
    std::string intPart, frac;
    if (exp >= 0) {
        if (int(digits.size()) <= exp + 1) {
            intPart = digits + std::string(size_t(exp + 1) - digits.size(), '0');
        } else {
            intPart = digits.substr(0, size_t(exp + 1));
            frac = digits.substr(size_t(exp + 1));
        }
    } else {
        intPart = "0";
        frac = std::string(size_t(-exp - 1), '0') + digits;
    }
    if (frac.empty()) frac = "0";
    std::string out = sign;
    out += intPart;
    out += '.';
    out += frac;
    return out;
}

static std::string reprString(const std::string& s) {
    const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = dq ? '"' : '\'';
    std::string out(1, q);
    for (unsigned char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c == q)
            out += std::string("\\") + char(c);
        else if (c < 0x20 || c == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
        } else
            out += char(c);
    }
    return out + q;
}

// Text forms are built with a size budget: namespaces can reference each other (and
// themselves), so a value's repr could otherwise grow without bound.
static constexpr size_t kMaxReprBytes = 16u << 20;

static void reprDict(std::string& out, const Dict& d, int depth) {
    out += "{";
    for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ", ";
        out += reprString(d.items[i].first) + ": ";
        d.items[i].second.reprInto(out, depth + 1);
    }
    out += "}";
}

std::string Value::toString() const {
    switch (m_kind) {
    case Kind::Undefined:
        return "";
    case Kind::String:
        return *m_str;
    default:
        return repr();
    }
}

std::string Value::repr() const {
    std::string out;
    reprInto(out, 0);
    return out;
}

void Value::reprInto(std::string& out, int depth) const {
    if (out.size() > kMaxReprBytes)
        throw Error(ErrorCode::Template,
                    "the text form of a value exceeds " + std::to_string(kMaxReprBytes) + " bytes");
    if (depth > 100) {
        out += "...";
        return;
    }
    switch (m_kind) {
    case Kind::Undefined:
        return;
    case Kind::None:
        out += "None";
        return;
    case Kind::Bool:
        out += m_int ? "True" : "False";
        return;
    case Kind::Int:
        out += std::to_string(m_int);
        return;
    case Kind::Float:
        out += formatFloat(m_float);
        return;
    case Kind::String:
        out += reprString(*m_str);
        return;
    case Kind::List:
        out += m_tuple ? "(" : "[";
        for (size_t i = 0; i < m_list->size(); ++i) {
            if (i) out += ", ";
            (*m_list)[i].reprInto(out, depth + 1);
        }
        if (m_tuple && m_list->size() == 1) out += ",";
        out += m_tuple ? ")" : "]";
        return;
    case Kind::Dict:
        reprDict(out, *m_dict, depth);
        return;
    case Kind::Namespace:
        out += "<Namespace ";
        reprDict(out, *m_dict, depth);
        out += ">";
        return;
    case Kind::Callable:
        out += "<function " + m_fn->name + ">";
        return;
    }
}

std::string Value::typeName() const {
    switch (m_kind) {
    case Kind::Undefined:
        return "Undefined";
    case Kind::None:
        return "NoneType";
    case Kind::Bool:
        return "bool";
    case Kind::Int:
        return "int";
    case Kind::Float:
        return "float";
    case Kind::String:
        return "str";
    case Kind::List:
        return m_tuple ? "tuple" : "list";
    case Kind::Dict:
        return "dict";
    case Kind::Namespace:
        return "Namespace";
    case Kind::Callable:
        return "function";
    }
    return "object";
}

bool valuesEqual(const Value& a, const Value& b) {
    if (a.isNumber() && b.isNumber()) {
        if (a.kind() == Kind::Float || b.kind() == Kind::Float) return a.number() == b.number();
        return a.integer() == b.integer();
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case Kind::Undefined:
    case Kind::None:
        return true;
    case Kind::String:
        return a.str() == b.str();
    case Kind::List: {
        if (a.items().size() != b.items().size()) return false;
        for (size_t i = 0; i < a.items().size(); ++i)
            if (!valuesEqual(a.items()[i], b.items()[i])) return false;
        return true;
    }
    case Kind::Dict: {
        const Dict& da = a.dictRef();
        const Dict& db = b.dictRef();
        if (da.items.size() != db.items.size()) return false;
        for (const auto& kv : da.items) {
            const Value* other = db.find(kv.first);
            if (!other || !valuesEqual(kv.second, *other)) return false;
        }
        return true;
    }
    case Kind::Namespace:
        return &a.dictRef() == &b.dictRef();
    case Kind::Callable:
        return &a.fn() == &b.fn();
    default:
        return false;
    }
}

uint32_t decodeUtf8(const std::string& s, size_t& i) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + size_t(len) > s.size()) {
        ++i;
        return c;
    }
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + size_t(k)]);
        if ((cc & 0xc0) != 0x80) {
            ++i;
            return c;
        }
        cp = (cp << 6) | (cc & 0x3f);
    }
    i += size_t(len);
    return cp;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xc0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += char(0xe0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3f));
        out += char(0x80 | (cp & 0x3f));
    } else {
        out += char(0xf0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3f));
        out += char(0x80 | ((cp >> 6) & 0x3f));
        out += char(0x80 | (cp & 0x3f));
    }
}

std::vector<std::string> splitCodePoints(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        const size_t start = i;
        decodeUtf8(s, i);
        out.push_back(s.substr(start, i - start));
    }
    return out;
}

size_t codePointCount(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xc0) != 0x80) ++n;
    return n;
}

bool isPythonSpace(uint32_t cp) {
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

} // namespace dw::jinja
