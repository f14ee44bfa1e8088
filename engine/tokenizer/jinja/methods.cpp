// Python methods templates call on strings and dicts (`content.split('</think>')`,
// `message.items()`), and the globals every template sees. Lists have no methods: HF renders
// in an immutable sandbox, where list.append & co. are refused anyway.
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <ctime>
#include <set>

namespace dw::jinja {

namespace {

const std::set<std::string>& stringMethods() {
    static const std::set<std::string> names = {
        "startswith", "endswith", "split",   "rsplit",     "strip",   "lstrip", "rstrip", "replace",
        "upper",      "lower",    "title",   "capitalize", "find",    "rfind",  "count",  "join",
        "isdigit",    "isalpha",  "isalnum", "isspace",    "islower", "isupper"};
    return names;
}

const std::set<std::string>& dictMethods() {
    static const std::set<std::string> names = {"items", "keys", "values", "get"};
    return names;
}

std::string optString(const CallArgs& a, size_t i, const char* kw, bool* given) {
    const Value* v = argAt(a, i, kw);
    *given = v && !v->isNone();
    return *given ? expectString(*v, a.pos, kw) : std::string();
}

// str.split / str.rsplit. sep == nullptr splits on runs of Unicode whitespace.
List split(const std::string& s, const std::string* sep, int64_t maxsplit, bool fromRight,
           Pos pos) {
    std::vector<std::string> parts;
    if (sep) {
        if (sep->empty()) templateError(pos, "split(): empty separator");
        if (!fromRight) {
            size_t start = 0;
            while (maxsplit < 0 || int64_t(parts.size()) < maxsplit) {
                const size_t at = s.find(*sep, start);
                if (at == std::string::npos) break;
                parts.push_back(s.substr(start, at - start));
                start = at + sep->size();
            }
            parts.push_back(s.substr(start));
        } else {
            size_t end = s.size();
            std::vector<std::string> rev;
            while (maxsplit < 0 || int64_t(rev.size()) < maxsplit) {
                if (end < sep->size()) break;
                const size_t at = s.rfind(*sep, end - sep->size());
                if (at == std::string::npos) break;
                rev.push_back(s.substr(at + sep->size(), end - at - sep->size()));
                end = at;
            }
            rev.push_back(s.substr(0, end));
            parts.assign(rev.rbegin(), rev.rend());
        }
    } else {
        std::vector<std::string> cps = splitCodePoints(s);
        auto space = [&](size_t k) {
            size_t i = 0;
            return isPythonSpace(decodeUtf8(cps[k], i));
        };
        std::vector<std::pair<size_t, size_t>> words; // [begin, end) in code points
        for (size_t k = 0; k < cps.size();) {
            while (k < cps.size() && space(k)) ++k;
            if (k == cps.size()) break;
            size_t e = k;
            while (e < cps.size() && !space(e)) ++e;
            words.emplace_back(k, e);
            k = e;
        }
        auto join = [&](size_t b, size_t e) {
            std::string out;
            for (size_t k = b; k < e; ++k) out += cps[k];
            return out;
        };
        const size_t n = words.size();
        const size_t limit = maxsplit < 0 ? n : std::min<size_t>(n, size_t(maxsplit) + 1);
        if (limit == n) {
            for (const auto& w : words) parts.push_back(join(w.first, w.second));
        } else if (!fromRight) {
            // The unsplit remainder keeps its trailing (rsplit: leading) whitespace, as in Python.
            for (size_t i = 0; i + 1 < limit; ++i)
                parts.push_back(join(words[i].first, words[i].second));
            parts.push_back(join(words[limit - 1].first, cps.size()));
        } else {
            parts.push_back(join(0, words[n - limit].second));
            for (size_t i = n - limit + 1; i < n; ++i)
                parts.push_back(join(words[i].first, words[i].second));
        }
    }
    List out;
    for (auto& p : parts) out.emplace_back(std::move(p));
    return out;
}

std::string caseMap(const std::string& s, bool title) {
    std::string out = s;
    bool prevLetter = false;
    for (size_t i = 0; i < out.size(); ++i) {
        char& c = out[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool upper = title ? !prevLetter : i == 0;
        if (letter)
            c = upper ? char(std::toupper(static_cast<unsigned char>(c)))
                      : char(std::tolower(static_cast<unsigned char>(c)));
        prevLetter = letter || (static_cast<unsigned char>(c) >= 0x80);
    }
    return out;
}

template <typename Pred> bool allChars(const std::string& s, Pred pred) {
    if (s.empty()) return false;
    size_t i = 0;
    while (i < s.size())
        if (!pred(decodeUtf8(s, i))) return false;
    return true;
}

Value stringMethod(const std::string& s, const std::string& name, const CallArgs& a) {
    bool given = false;
    if (name == "startswith" || name == "endswith") {
        const Value* arg = argAt(a, 0, "prefix");
        if (!arg) templateError(a.pos, name + "() needs an argument");
        List options = arg->isTuple() ? arg->items() : List{*arg};
        for (const Value& o : options) {
            const std::string p = expectString(o, a.pos, "prefix");
            if (p.size() <= s.size() &&
                (name == "startswith" ? s.compare(0, p.size(), p) == 0
                                      : s.compare(s.size() - p.size(), p.size(), p) == 0))
                return Value(true);
        }
        return Value(false);
    }
    if (name == "split" || name == "rsplit") {
        const std::string sep = optString(a, 0, "sep", &given);
        const Value* max = argAt(a, 1, "maxsplit");
        return Value::list(split(s, given ? &sep : nullptr,
                                 max ? expectInt(*max, a.pos, "maxsplit") : -1, name == "rsplit",
                                 a.pos));
    }
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
        const std::string chars = optString(a, 0, "chars", &given);
        const bool left = name != "rstrip", right = name != "lstrip";
        std::vector<std::string> cps = splitCodePoints(s);
        std::vector<std::string> set = splitCodePoints(chars);
        auto strip = [&](const std::string& cp) {
            if (given) return std::find(set.begin(), set.end(), cp) != set.end();
            size_t i = 0;
            return isPythonSpace(decodeUtf8(cp, i));
        };
        size_t b = 0, e = cps.size();
        if (left)
            while (b < e && strip(cps[b])) ++b;
        if (right)
            while (e > b && strip(cps[e - 1])) --e;
        std::string out;
        for (size_t i = b; i < e; ++i) out += cps[i];
        return Value(std::move(out));
    }
    if (name == "replace") {
        const Value* oldV = argAt(a, 0, "old");
        const Value* newV = argAt(a, 1, "new");
        if (!oldV || !newV) templateError(a.pos, "replace() needs old and new");
        const std::string from = expectString(*oldV, a.pos, "old"),
                          to = expectString(*newV, a.pos, "new");
        const Value* countV = argAt(a, 2, "count");
        int64_t count = countV ? expectInt(*countV, a.pos, "count") : -1;
        if (from.empty()) templateError(a.pos, "replace() with an empty pattern is not supported");
        std::string out;
        size_t start = 0;
        while (count != 0) {
            const size_t at = s.find(from, start);
            if (at == std::string::npos) break;
            out += s.substr(start, at - start) + to;
            if (out.size() > (16u << 20)) templateError(a.pos, "replace() result exceeds 16 MiB");
            start = at + from.size();
            --count;
        }
        return Value(out + s.substr(start));
    }
    if (name == "upper" || name == "lower") {
        std::string out = s;
        for (char& c : out)
            c = name == "upper" ? char(std::toupper(static_cast<unsigned char>(c)))
                                : char(std::tolower(static_cast<unsigned char>(c)));
        for (size_t i = 0; i < out.size(); ++i)
            if (static_cast<unsigned char>(s[i]) >= 0x80) out[i] = s[i];
        return Value(std::move(out));
    }
    if (name == "title" || name == "capitalize") {
        std::string lower = s;
        for (char& c : lower)
            if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        return Value(caseMap(lower, name == "title"));
    }
    if (name == "find" || name == "rfind" || name == "count") {
        const Value* sub = argAt(a, 0, "sub");
        if (!sub) templateError(a.pos, name + "() needs an argument");
        const std::string p = expectString(*sub, a.pos, "sub");
        if (name == "count") {
            if (p.empty()) return Value(int64_t(codePointCount(s) + 1));
            int64_t n = 0;
            for (size_t at = s.find(p); at != std::string::npos; at = s.find(p, at + p.size())) ++n;
            return Value(n);
        }
        const size_t at = name == "find" ? s.find(p) : s.rfind(p);
        return Value(at == std::string::npos ? int64_t(-1)
                                             : int64_t(codePointCount(s.substr(0, at))));
    }
    if (name == "join") {
        const Value* items = argAt(a, 0, "iterable");
        if (!items) templateError(a.pos, "join() needs an argument");
        std::string out;
        bool first = true;
        for (const Value& v : iterate(*items, a.pos)) {
            if (!first) out += s;
            first = false;
            out += expectString(v, a.pos, "joined item");
        }
        return Value(std::move(out));
    }
    if (name == "isdigit")
        return Value(allChars(s, [](uint32_t c) { return c >= '0' && c <= '9'; }));
    if (name == "isalpha")
        return Value(allChars(s, [](uint32_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }));
    if (name == "isalnum")
        return Value(allChars(s, [](uint32_t c) {
            return ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9');
        }));
    if (name == "isspace") return Value(allChars(s, isPythonSpace));
    // islower / isupper
    bool cased = false, ok = true;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') {
            cased = true;
            ok = ok && name == "islower";
        }
        if (c >= 'A' && c <= 'Z') {
            cased = true;
            ok = ok && name == "isupper";
        }
    }
    return Value(cased && ok);
}

} // namespace

bool hasMethod(const Value& obj, const std::string& name) {
    if (obj.isString()) return stringMethods().count(name) != 0;
    if (obj.isDict()) return dictMethods().count(name) != 0;
    return false;
}

Value callMethod(const Value& obj, const std::string& name, const CallArgs& a) {
    if (obj.isString() && stringMethods().count(name)) return stringMethod(obj.str(), name, a);
    if (obj.isDict() && dictMethods().count(name)) {
        const Dict& d = obj.dictRef();
        if (name == "get") {
            const Value* key = argAt(a, 0, "key");
            const Value* def = argAt(a, 1, "default");
            if (!key) templateError(a.pos, "get() needs a key");
            const Value* found = key->isString() ? d.find(key->str()) : nullptr;
            return found ? *found : (def ? *def : Value::none());
        }
        List out;
        for (const auto& kv : d.items) {
            if (name == "keys")
                out.emplace_back(kv.first);
            else if (name == "values")
                out.push_back(kv.second);
            else
                out.push_back(Value::list({Value(kv.first), kv.second}, true));
        }
        return Value::list(std::move(out));
    }
    templateError(a.pos, "unsupported method '" + name + "' of " + obj.typeName() + " objects");
}

Dict builtinGlobals() {
    Dict g;
    g.set("range", Value::callable("range", [](const CallArgs& a, Evaluator& ev) {
              if (a.positional.empty() || a.positional.size() > 3)
                  templateError(a.pos, "range() takes 1 to 3 integer arguments");
              int64_t start = 0, stop, step = 1;
              if (a.positional.size() == 1) {
                  stop = expectInt(a.positional[0], a.pos, "range() stop");
              } else {
                  start = expectInt(a.positional[0], a.pos, "range() start");
                  stop = expectInt(a.positional[1], a.pos, "range() stop");
                  if (a.positional.size() == 3)
                      step = expectInt(a.positional[2], a.pos, "range() step");
              }
              if (step == 0) templateError(a.pos, "range() step must not be zero");
              const __int128 span = step > 0 ? __int128(stop) - start : __int128(start) - stop;
              const __int128 stride = step > 0 ? step : -__int128(step);
              const __int128 count = span > 0 ? (span + stride - 1) / stride : 0;
              ev.checkSize(size_t(std::min<__int128>(count, __int128(1) << 62)), false, a.pos);
              List out;
              for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
                  out.emplace_back(i);
              return Value::list(std::move(out));
          }));
    auto kwDict = [](const CallArgs& a) {
        Dict d;
        if (!a.positional.empty()) {
            if (a.positional.size() > 1 || !a.positional[0].isDict())
                templateError(a.pos, "expected keyword arguments or one dict");
            d = a.positional[0].dictRef();
        }
        for (const auto& kw : a.keyword) d.set(kw.first, kw.second);
        return d;
    };
    g.set("namespace", Value::callable("namespace", [kwDict](const CallArgs& a, Evaluator&) {
              return Value::ns(kwDict(a));
          }));
    g.set("dict", Value::callable("dict", [kwDict](const CallArgs& a, Evaluator&) {
              return Value::dict(kwDict(a));
          }));
    g.set("raise_exception",
          Value::callable("raise_exception", [](const CallArgs& a, Evaluator&) -> Value {
              const Value* msg = argAt(a, 0, "message");
              templateError(a.pos, "template raised an exception: " +
                                       (msg ? msg->toString() : std::string()));
          }));
    g.set("strftime_now", Value::callable("strftime_now", [](const CallArgs& a, Evaluator&) {
              const Value* fmt = argAt(a, 0, "format");
              if (!fmt) templateError(a.pos, "strftime_now() needs a format");
              const std::string f = expectString(*fmt, a.pos, "format");
              const std::time_t now = std::time(nullptr);
              std::tm tm{};
              localtime_r(&now, &tm);
              char buf[512];
              const size_t n = f.size() < 200 ? std::strftime(buf, sizeof buf, f.c_str(), &tm) : 0;
              if (n == 0 && !f.empty())
                  templateError(a.pos, "strftime_now(): cannot format '" + f + "'");
              return Value(std::string(buf, n));
          }));
    return g;
}

} // namespace dw::jinja
