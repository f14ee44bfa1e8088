// Ordering and number filters (sort, dictsort, unique, reverse, int, float, abs, round, sum,
// min, max) with jinja2's argument names and semantics.
#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/filters.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace dw::jinja {

namespace {

const Value& self(const CallArgs& a) {
    return a.positional[0];
}

std::string trimmed(const std::string& s) {
    return callMethod(Value(s), "strip", CallArgs{{}, {}, Pos{}}).str();
}

Value sortKey(const Value& v, bool caseSensitive) {
    return (!caseSensitive && v.isString()) ? Value(asciiLower(v.str())) : v;
}

Value sorted(List items, const CallArgs& a, bool reverse, bool caseSensitive,
             const Value* attribute) {
    std::string attr = attribute ? expectString(*attribute, a.pos, "attribute") : "";
    auto key = [&](const Value& v) {
        return sortKey(attribute ? getAttr(v, attr, a.pos) : v, caseSensitive);
    };
    std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
        const int c = compareOrder(key(x), key(y), "<", a.pos);
        return reverse ? c > 0 : c < 0;
    });
    return Value::list(std::move(items));
}

Value fDictSort(const CallArgs& a, Evaluator&) {
    const Value pairs = callMethod(self(a), "items", CallArgs{{}, {}, a.pos});
    const Value* cs = argAt(a, 1, "case_sensitive");
    const Value* by = argAt(a, 2, "by");
    const Value* rev = argAt(a, 3, "reverse");
    const bool byValue = by && by->isString() && by->str() == "value";
    List items = pairs.items();
    std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
        const size_t k = byValue ? 1 : 0;
        const int c = compareOrder(sortKey(x.items()[k], cs && cs->truthy()),
                                   sortKey(y.items()[k], cs && cs->truthy()), "<", a.pos);
        return (rev && rev->truthy()) ? c > 0 : c < 0;
    });
    return Value::list(std::move(items));
}
Value fSort(const CallArgs& a, Evaluator&) {
    const Value* rev = argAt(a, 1, "reverse");
    const Value* cs = argAt(a, 2, "case_sensitive");
    return sorted(iterate(self(a), a.pos), a, rev && rev->truthy(), cs && cs->truthy(),
                  argAt(a, 3, "attribute"));
}
Value fUnique(const CallArgs& a, Evaluator&) {
    List out;
    for (const Value& v : iterate(self(a), a.pos)) {
        bool seen = false;
        for (const Value& o : out) seen = seen || valuesEqual(sortKey(o, false), sortKey(v, false));
        if (!seen) out.push_back(v);
    }
    return Value::list(std::move(out));
}
Value fReverse(const CallArgs& a, Evaluator&) {
    List items = iterate(self(a), a.pos);
    std::reverse(items.begin(), items.end());
    if (!self(a).isString()) return Value::list(std::move(items));
    std::string s;
    for (const Value& v : items) s += v.str();
    return Value(std::move(s));
}
Value fInt(const CallArgs& a, Evaluator&) {
    const Value& v = self(a);
    const Value* def = argAt(a, 1, "default");
    const Value fallback = def ? *def : Value(int64_t(0));
    if (v.kind() == Kind::Int || v.kind() == Kind::Bool) return Value(v.integer());
    if (v.kind() == Kind::Float)
        return std::isfinite(v.number()) && std::fabs(v.number()) < 9.2e18
                   ? Value(int64_t(v.number()))
                   : fallback;
    if (v.isString()) {
        const std::string s = trimmed(v.str());
        char* end = nullptr;
        errno = 0;
        const long long r = std::strtoll(s.c_str(), &end, 10);
        if (!s.empty() && end && *end == '\0' && errno == 0) return Value(int64_t(r));
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0' && std::isfinite(d) && std::fabs(d) < 9.2e18)
            return Value(int64_t(d));
    }
    return fallback;
}
Value fFloat(const CallArgs& a, Evaluator&) {
    const Value& v = self(a);
    const Value* def = argAt(a, 1, "default");
    if (v.isNumber()) return Value(v.number());
    if (v.isString()) {
        const std::string s = trimmed(v.str());
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == '\0') return Value(d);
    }
    return def ? *def : Value(0.0);
}
Value fAbs(const CallArgs& a, Evaluator&) {
    const Value& v = self(a);
    if (!v.isNumber()) templateError(a.pos, "bad operand type for abs(): '" + v.typeName() + "'");
    if (v.kind() == Kind::Float) return Value(std::fabs(v.number()));
    if (v.integer() == INT64_MIN)
        templateError(a.pos, "integer overflow (values are limited to 64 bits)");
    return Value(v.integer() < 0 ? -v.integer() : v.integer());
}
Value fRound(const CallArgs& a, Evaluator&) {
    const Value& v = self(a);
    if (!v.isNumber()) templateError(a.pos, "round() needs a number, got " + v.typeName());
    const Value* prec = argAt(a, 1, "precision");
    const Value* method = argAt(a, 2, "method");
    const double p = std::pow(10.0, double(prec ? expectInt(*prec, a.pos, "precision") : 0));
    const std::string m = method ? expectString(*method, a.pos, "method") : "common";
    const double x = v.number() * p;
    const double r = m == "ceil"    ? std::ceil(x)
                     : m == "floor" ? std::floor(x)
                                    : std::nearbyint(x); // Python round(): ties to even
    return Value(r / p);
}
Value fSum(const CallArgs& a, Evaluator& ev) {
    const Value* attr = argAt(a, 1, "attribute");
    const Value* start = argAt(a, 2, "start");
    Value total = start ? *start : Value(int64_t(0));
    for (const Value& v : iterate(self(a), a.pos)) {
        CallArgs add{{total, attr ? getAttr(v, expectString(*attr, a.pos, "attribute"), a.pos) : v},
                     {},
                     a.pos};
        total = applyFilter("__add", add, ev);
    }
    return total;
}
Value minMax(const CallArgs& a, bool wantMax) {
    List items = iterate(self(a), a.pos);
    if (items.empty())
        return Value::undefined("no " + std::string(wantMax ? "max" : "min") +
                                " item, sequence was empty");
    const Value* cs = argAt(a, 1, "case_sensitive");
    Value best = items[0];
    for (const Value& v : items) {
        const int c = compareOrder(sortKey(v, cs && cs->truthy()),
                                   sortKey(best, cs && cs->truthy()), "<", a.pos);
        if (wantMax ? c > 0 : c < 0) best = v;
    }
    return best;
}
Value fMin(const CallArgs& a, Evaluator&) {
    return minMax(a, false);
}
Value fMax(const CallArgs& a, Evaluator&) {
    return minMax(a, true);
}
// Internal: Python `+` for sum(); reached only through fSum.
Value fAdd(const CallArgs& a, Evaluator&) {
    const Value& x = a.positional[0];
    const Value& y = a.positional[1];
    if (!x.isNumber() || !y.isNumber())
        templateError(a.pos, "sum() needs numbers, got " + x.typeName() + " and " + y.typeName());
    if (x.kind() == Kind::Float || y.kind() == Kind::Float) return Value(x.number() + y.number());
    int64_t r = 0;
    if (__builtin_add_overflow(x.integer(), y.integer(), &r))
        templateError(a.pos, "integer overflow (values are limited to 64 bits)");
    return Value(r);
}

} // namespace

void addOrderingAndNumberFilters(std::map<std::string, FilterFn>& t) {
    t["dictsort"] = fDictSort;
    t["sort"] = fSort;
    t["unique"] = fUnique;
    t["reverse"] = fReverse;
    t["int"] = fInt;
    t["float"] = fFloat;
    t["abs"] = fAbs;
    t["round"] = fRound;
    t["sum"] = fSum;
    t["min"] = fMin;
    t["max"] = fMax;
    t["__add"] = fAdd;
}

} // namespace dw::jinja
