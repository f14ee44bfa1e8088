// Jinja filters used by chat templates, with jinja2's argument names and semantics. The
// table below is the whole set: a name missing here is refused at parse time.
#include "tokenizer/jinja/filters.h"
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>

namespace dw::jinja {

namespace {

const Value& self(const CallArgs& a) {
    return a.positional[0];
}

std::string asciiUpper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    return s;
}

// Python str.strip/lstrip/rstrip: chars == nullptr strips Unicode whitespace.
std::string stripChars(const std::string& s, const std::string* chars, bool left, bool right) {
    std::vector<std::string> cps = splitCodePoints(s);
    std::vector<std::string> set = chars ? splitCodePoints(*chars) : std::vector<std::string>{};
    auto strip = [&](const std::string& cp) {
        if (chars) return std::find(set.begin(), set.end(), cp) != set.end();
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
    return out;
}

Value length(const Value& v, Pos pos) {
    switch (v.kind()) {
    case Kind::Undefined:
        return Value(int64_t(0));
    case Kind::String:
        return Value(int64_t(codePointCount(v.str())));
    case Kind::List:
        return Value(int64_t(v.items().size()));
    case Kind::Dict:
    case Kind::Namespace:
        return Value(int64_t(v.dictRef().items.size()));
    default:
        templateError(pos, "object of type '" + v.typeName() + "' has no len()");
    }
}

// select / reject / selectattr / rejectattr share this: keep items whose test result == keep.
Value filterItems(const CallArgs& a, Evaluator& ev, bool keep, bool byAttr) {
    const List items = iterate(self(a), a.pos);
    size_t next = 1;
    std::string attr;
    if (byAttr) {
        const Value* at = argAt(a, next++, nullptr);
        if (!at) templateError(a.pos, "missing attribute name");
        attr = expectString(*at, a.pos, "attribute name");
    }
    const Value* testName = argAt(a, next++, nullptr);
    List out;
    for (const Value& item : items) {
        const Value subject = byAttr ? getAttr(item, attr, a.pos) : item;
        bool result;
        if (!testName) {
            result = subject.truthy();
        } else {
            const std::string name = expectString(*testName, a.pos, "test name");
            if (!isKnownTest(name)) templateError(a.pos, "unsupported test '" + name + "'");
            CallArgs t;
            t.pos = a.pos;
            t.positional.push_back(subject);
            for (size_t i = next; i < a.positional.size(); ++i)
                t.positional.push_back(a.positional[i]);
            result = applyTest(name, t, ev);
        }
        if (result == keep) out.push_back(item);
    }
    return Value::list(std::move(out));
}

Value fTrim(const CallArgs& a, Evaluator&) {
    const Value* chars = argAt(a, 1, "chars");
    std::string c = chars && !chars->isNone() ? expectString(*chars, a.pos, "chars") : "";
    return Value(
        stripChars(self(a).toString(), chars && !chars->isNone() ? &c : nullptr, true, true));
}
Value fLength(const CallArgs& a, Evaluator&) {
    return length(self(a), a.pos);
}
Value fToJson(const CallArgs& a, Evaluator&) {
    const Value* ind = argAt(a, 1, "indent");
    const Value* sep = argAt(a, 2, "separators");
    const Value* sortKeys = argAt(a, 3, "sort_keys");
    const Value* ascii = nullptr;
    for (const auto& kw : a.keyword)
        if (kw.first == "ensure_ascii") ascii = &kw.second;
    const int indent = ind && !ind->isNone()
                           ? int(std::clamp<int64_t>(expectInt(*ind, a.pos, "indent"), 0, 64))
                           : -1;
    std::string itemSep = indent >= 0 ? "," : ", ", keySep = ": ";
    if (sep && !sep->isNone()) {
        if (!sep->isList() || sep->items().size() != 2)
            templateError(a.pos, "separators must be a pair of strings");
        itemSep = expectString(sep->items()[0], a.pos, "item separator");
        keySep = expectString(sep->items()[1], a.pos, "key separator");
    }
    return Value(toJson(self(a), a.pos, indent, itemSep, keySep, sortKeys && sortKeys->truthy(),
                        ascii && ascii->truthy()));
}
Value fJoin(const CallArgs& a, Evaluator& ev) {
    const Value* sep = argAt(a, 1, "d");
    const Value* attr = argAt(a, 2, "attribute");
    const std::string s = sep ? sep->toString() : "";
    const std::string at = attr ? expectString(*attr, a.pos, "attribute") : "";
    std::string out;
    bool first = true;
    for (const Value& v : iterate(self(a), a.pos)) {
        if (!first) out += s;
        first = false;
        out += (attr ? getAttr(v, at, a.pos) : v).toString();
        ev.checkSize(out.size(), true, a.pos);
    }
    return Value(std::move(out));
}
Value fSelect(const CallArgs& a, Evaluator& ev) {
    return filterItems(a, ev, true, false);
}
Value fReject(const CallArgs& a, Evaluator& ev) {
    return filterItems(a, ev, false, false);
}
Value fSelectAttr(const CallArgs& a, Evaluator& ev) {
    return filterItems(a, ev, true, true);
}
Value fRejectAttr(const CallArgs& a, Evaluator& ev) {
    return filterItems(a, ev, false, true);
}
Value fString(const CallArgs& a, Evaluator&) {
    return Value(self(a).toString());
}
Value fLower(const CallArgs& a, Evaluator&) {
    return Value(asciiLower(self(a).toString()));
}
Value fUpper(const CallArgs& a, Evaluator&) {
    return Value(asciiUpper(self(a).toString()));
}
Value fTitle(const CallArgs& a, Evaluator&) {
    return callMethod(Value(self(a).toString()), "title", CallArgs{{}, {}, a.pos});
}
Value fCapitalize(const CallArgs& a, Evaluator&) {
    return callMethod(Value(self(a).toString()), "capitalize", CallArgs{{}, {}, a.pos});
}
Value fDefault(const CallArgs& a, Evaluator&) {
    const Value* def = argAt(a, 1, "default_value");
    const Value* boolean = argAt(a, 2, "boolean");
    const bool useDefault =
        self(a).isUndefined() || (boolean && boolean->truthy() && !self(a).truthy());
    return useDefault ? (def ? *def : Value("")) : self(a);
}
Value fFirst(const CallArgs& a, Evaluator&) {
    List items = iterate(self(a), a.pos);
    return items.empty() ? Value::undefined("no first item, sequence was empty") : items.front();
}
Value fLast(const CallArgs& a, Evaluator&) {
    List items = iterate(self(a), a.pos);
    return items.empty() ? Value::undefined("no last item, sequence was empty") : items.back();
}
Value fList(const CallArgs& a, Evaluator&) {
    return Value::list(iterate(self(a), a.pos));
}
Value fItems(const CallArgs& a, Evaluator&) {
    return self(a).isUndefined() ? Value::list({})
                                 : callMethod(self(a), "items", CallArgs{{}, {}, a.pos});
}
Value fMap(const CallArgs& a, Evaluator& ev) {
    const Value* attr = nullptr;
    const Value* def = nullptr;
    for (const auto& kw : a.keyword) {
        if (kw.first == "attribute") attr = &kw.second;
        if (kw.first == "default") def = &kw.second;
    }
    List out;
    for (const Value& v : iterate(self(a), a.pos)) {
        if (attr) {
            Value r = getAttr(v, expectString(*attr, a.pos, "attribute"), a.pos);
            out.push_back(r.isUndefined() && def ? *def : r);
            continue;
        }
        if (a.positional.size() < 2)
            templateError(a.pos, "map() needs a filter name or attribute=");
        const std::string name = expectString(a.positional[1], a.pos, "filter name");
        if (!isKnownFilter(name)) templateError(a.pos, "unsupported filter '" + name + "'");
        CallArgs f;
        f.pos = a.pos;
        f.positional.push_back(v);
        for (size_t i = 2; i < a.positional.size(); ++i) f.positional.push_back(a.positional[i]);
        out.push_back(applyFilter(name, f, ev));
    }
    return Value::list(std::move(out));
}
Value fReplace(const CallArgs& a, Evaluator&) {
    CallArgs m{{}, {}, a.pos};
    for (size_t i = 1; i < a.positional.size(); ++i) m.positional.push_back(a.positional[i]);
    return callMethod(Value(self(a).toString()), "replace", m);
}
Value fSafe(const CallArgs& a, Evaluator&) {
    return self(a);
}
Value fFormat(const CallArgs& a, Evaluator&) {
    List rest(a.positional.begin() + 1, a.positional.end());
    return Value(percentFormat(expectString(self(a), a.pos, "format string"),
                               Value::list(std::move(rest), true), a.pos));
}
Value fAttr(const CallArgs& a, Evaluator&) {
    const Value* name = argAt(a, 1, "name");
    if (!name) templateError(a.pos, "attr() needs an attribute name");
    // Python attributes only: a dict's items are not attributes, a namespace's are.
    const std::string n = expectString(*name, a.pos, "attribute name");
    if (self(a).kind() == Kind::Namespace) return getAttr(self(a), n, a.pos);
    return Value::undefined("'" + self(a).typeName() + " object' has no attribute '" + n + "'");
}
Value fIndent(const CallArgs& a, Evaluator&) {
    const Value* width = argAt(a, 1, "width");
    const Value* first = argAt(a, 2, "first");
    const Value* blank = argAt(a, 3, "blank");
    const std::string pad =
        width && width->isString()
            ? width->str()
            : std::string(size_t(std::clamp<int64_t>(width ? expectInt(*width, a.pos, "width") : 4,
                                                     0, 256)),
                          ' ');
    const std::string s = self(a).toString();
    std::string out;
    size_t start = 0;
    bool isFirst = true;
    while (start <= s.size()) {
        size_t nl = s.find('\n', start);
        const std::string line =
            s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        const bool indentThis =
            isFirst ? (first && first->truthy()) : (!line.empty() || (blank && blank->truthy()));
        out += (indentThis ? pad : "") + line;
        if (nl == std::string::npos) break;
        out += '\n';
        start = nl + 1;
        isFirst = false;
    }
    return Value(std::move(out));
}
const std::map<std::string, FilterFn>& filterTable() {
    static const std::map<std::string, FilterFn> table = [] {
        std::map<std::string, FilterFn> t = {
            {"trim", fTrim},
            {"length", fLength},
            {"count", fLength},
            {"tojson", fToJson},
            {"join", fJoin},
            {"select", fSelect},
            {"reject", fReject},
            {"selectattr", fSelectAttr},
            {"rejectattr", fRejectAttr},
            {"string", fString},
            {"lower", fLower},
            {"upper", fUpper},
            {"title", fTitle},
            {"capitalize", fCapitalize},
            {"default", fDefault},
            {"d", fDefault},
            {"first", fFirst},
            {"last", fLast},
            {"list", fList},
            {"items", fItems},
            {"map", fMap},
            {"replace", fReplace},
            {"safe", fSafe},
            {"format", fFormat},
            {"attr", fAttr},
            {"indent", fIndent},
        };
        addOrderingAndNumberFilters(t);
        return t;
    }();
    return table;
}

} // namespace

bool isKnownFilter(const std::string& name) {
    return name.rfind("__", 0) != 0 && filterTable().count(name) != 0;
}

Value applyFilter(const std::string& name, const CallArgs& args, Evaluator& ev) {
    auto it = filterTable().find(name);
    if (it == filterTable().end()) templateError(args.pos, "unsupported filter '" + name + "'");
    return it->second(args, ev);
}

} // namespace dw::jinja
