// Operators with Python semantics: arithmetic (+ - * / // % ** ~), comparisons, `in`,
// attribute and item access, slicing. Bad operand types are template errors, never UB:
// integer overflow, division by zero and oversized results are reported with a position.
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dw::jinja {

namespace {

[[noreturn]] void badOperands(const std::string& op, const Value& a, const Value& b, Pos pos) {
    requireDefined(a, pos);
    requireDefined(b, pos);
    templateError(pos, "unsupported operand types for " + op + ": '" + a.typeName() + "' and '" +
                           b.typeName() + "'");
}

// Integer + - * with overflow checks (Python ints are unbounded; ours are 64-bit).
int64_t intOp(char op, int64_t a, int64_t b, Pos pos) {
    int64_t r = 0;
    const bool overflow = op == '+'   ? __builtin_add_overflow(a, b, &r)
                          : op == '-' ? __builtin_sub_overflow(a, b, &r)
                                      : __builtin_mul_overflow(a, b, &r);
    if (overflow) templateError(pos, "integer overflow (values are limited to 64 bits)");
    return r;
}

bool contains(const Value& container, const Value& item, Pos pos) {
    switch (container.kind()) {
    case Kind::Undefined:
        return false;
    case Kind::String:
        if (!item.isString())
            templateError(pos, "'in <string>' requires a string as left operand, not " +
                                   item.typeName());
        return container.str().find(item.str()) != std::string::npos;
    case Kind::List:
        for (const Value& v : container.items())
            if (valuesEqual(v, item)) return true;
        return false;
    case Kind::Dict:
    case Kind::Namespace:
        return item.isString() && container.dictRef().find(item.str()) != nullptr;
    default:
        templateError(pos, "argument of type '" + container.typeName() + "' is not iterable");
    }
}

} // namespace

int compareOrder(const Value& a, const Value& b, const std::string& op, Pos pos) {
    if (a.isNumber() && b.isNumber()) {
        if (a.kind() == Kind::Float || b.kind() == Kind::Float)
            return a.number() < b.number() ? -1 : a.number() > b.number() ? 1 : 0;
        return a.integer() < b.integer() ? -1 : a.integer() > b.integer() ? 1 : 0;
    }
    if (a.isString() && b.isString())
        return a.str().compare(b.str()) < 0 ? -1 : a.str() == b.str() ? 0 : 1;
    if (a.isList() && b.isList()) {
        const size_t n = std::min(a.items().size(), b.items().size());
        for (size_t i = 0; i < n; ++i) {
            if (valuesEqual(a.items()[i], b.items()[i])) continue;
            return compareOrder(a.items()[i], b.items()[i], op, pos);
        }
        return a.items().size() < b.items().size()   ? -1
               : a.items().size() > b.items().size() ? 1
                                                     : 0;
    }
    requireDefined(a, pos);
    requireDefined(b, pos);
    templateError(pos, "'" + op + "' not supported between instances of '" + a.typeName() +
                           "' and '" + b.typeName() + "'");
}

bool Evaluator::compare(const std::string& op, const Value& a, const Value& b, Pos pos) {
    if (op == "==") return valuesEqual(a, b);
    if (op == "!=") return !valuesEqual(a, b);
    if (op == "in") return contains(b, a, pos);
    if (op == "not in") return !contains(b, a, pos);
    const int c = compareOrder(a, b, op, pos);
    if (op == "<") return c < 0;
    if (op == ">") return c > 0;
    if (op == "<=") return c <= 0;
    return c >= 0;
}

Value Evaluator::binary(const std::string& op, const Value& a, const Value& b, Pos pos) {
    if (op == "~") {
        std::string s = a.toString() + b.toString();
        checkSize(s.size(), true, pos);
        return Value(std::move(s));
    }
    const bool ints = (a.kind() == Kind::Int || a.kind() == Kind::Bool) &&
                      (b.kind() == Kind::Int || b.kind() == Kind::Bool);
    const bool nums = a.isNumber() && b.isNumber();
    if (op == "+") {
        if (ints) return Value(intOp('+', a.integer(), b.integer(), pos));
        if (nums) return Value(a.number() + b.number());
        if (a.isString() && b.isString()) {
            checkSize(a.str().size() + b.str().size(), true, pos);
            return Value(a.str() + b.str());
        }
        if (a.isList() && b.isList() && a.isTuple() == b.isTuple()) {
            checkSize(a.items().size() + b.items().size(), false, pos);
            List items = a.items();
            items.insert(items.end(), b.items().begin(), b.items().end());
            return Value::list(std::move(items), a.isTuple());
        }
        badOperands(op, a, b, pos);
    }
    if (op == "-") {
        if (ints) return Value(intOp('-', a.integer(), b.integer(), pos));
        if (nums) return Value(a.number() - b.number());
        badOperands(op, a, b, pos);
    }
    if (op == "*") {
        if (ints) return Value(intOp('*', a.integer(), b.integer(), pos));
        if (nums) return Value(a.number() * b.number());
        const Value& seq = a.isNumber() ? b : a;
        const Value& count = a.isNumber() ? a : b;
        if ((count.kind() == Kind::Int || count.kind() == Kind::Bool) &&
            (seq.isString() || seq.isList())) {
            const int64_t n = std::max<int64_t>(0, count.integer());
            const size_t unit = seq.isString() ? seq.str().size() : seq.items().size();
            if (unit != 0 &&
                uint64_t(n) > (seq.isString() ? m_limits.maxOutput : m_limits.maxItems) / unit)
                checkSize(std::max(m_limits.maxOutput, m_limits.maxItems) + 1, seq.isString(), pos);
            if (seq.isString()) {
                std::string s;
                for (int64_t i = 0; i < n; ++i) s += seq.str();
                return Value(std::move(s));
            }
            List items;
            for (int64_t i = 0; i < n; ++i)
                items.insert(items.end(), seq.items().begin(), seq.items().end());
            return Value::list(std::move(items), seq.isTuple());
        }
        badOperands(op, a, b, pos);
    }
    if (op == "%" && a.isString()) return Value(percentFormat(a.str(), b, pos));
    if (!nums) badOperands(op, a, b, pos);
    if ((op == "/" || op == "//" || op == "%") && b.number() == 0.0)
        templateError(pos, "division by zero");
    if (op == "/") return Value(a.number() / b.number());
    if (op == "//") {
        if (!ints) return Value(std::floor(a.number() / b.number()));
        if (a.integer() == INT64_MIN && b.integer() == -1) intOp('*', a.integer(), -1, pos);
        int64_t q = a.integer() / b.integer();
        if (a.integer() % b.integer() != 0 && ((a.integer() < 0) != (b.integer() < 0))) --q;
        return Value(q);
    }
    if (op == "%") {
        if (!ints) {
            double m = std::fmod(a.number(), b.number());
            if (m != 0.0 && ((m < 0) != (b.number() < 0))) m += b.number();
            return Value(m);
        }
        if (b.integer() == -1) return Value(int64_t(0));
        int64_t m = a.integer() % b.integer();
        if (m != 0 && ((m < 0) != (b.integer() < 0))) m += b.integer();
        return Value(m);
    }
    if (op == "**") {
        if (ints && b.integer() >= 0) {
            int64_t result = 1;
            for (int64_t i = 0; i < b.integer(); ++i) {
                result = intOp('*', result, a.integer(), pos);
                if (result == 0 || result == 1) break;
            }
            return Value(result);
        }
        return Value(std::pow(a.number(), b.number()));
    }
    templateError(pos, "unsupported operator '" + op + "'");
}

Value getAttr(const Value& obj, const std::string& name, Pos pos) {
    requireDefined(obj, pos);
    if (obj.isDict() || obj.kind() == Kind::Namespace) {
        if (const Value* v = obj.dictRef().find(name)) return *v;
    }
    return Value::undefined("'" + obj.typeName() + " object' has no attribute '" + name + "'");
}

Value getItem(const Value& obj, const Value& key, Pos pos) {
    requireDefined(obj, pos);
    if (obj.isDict() || obj.kind() == Kind::Namespace) {
        if (key.isString()) return getAttr(obj, key.str(), pos);
        return Value::undefined("'" + obj.typeName() + " object' has no attribute " + key.repr());
    }
    const bool intKey = key.kind() == Kind::Int || key.kind() == Kind::Bool;
    if (intKey && (obj.isList() || obj.isString())) {
        std::vector<std::string> cps;
        if (obj.isString()) cps = splitCodePoints(obj.str());
        const auto n = int64_t(obj.isString() ? cps.size() : obj.items().size());
        int64_t i = key.integer();
        if (i < 0) i += n;
        if (i >= 0 && i < n) return obj.isString() ? Value(cps[size_t(i)]) : obj.items()[size_t(i)];
    }
    return Value::undefined(obj.typeName() + " object has no element " + key.repr());
}

Value Evaluator::evalSlice(const Expr& e) {
    const Value obj = eval(*e.args[0]);
    requireDefined(obj, e.pos);
    if (!obj.isList() && !obj.isString())
        templateError(e.pos, "'" + obj.typeName() + "' object is not subscriptable");
    int64_t parts[3] = {0, 0, 1};
    bool given[3] = {false, false, false};
    for (int k = 0; k < 3; ++k) {
        if (!e.args[size_t(k) + 1]) continue;
        const Value v = eval(*e.args[size_t(k) + 1]);
        if (v.isNone() || v.isUndefined()) continue;
        if (v.kind() != Kind::Int && v.kind() != Kind::Bool)
            templateError(e.pos, "slice indices must be integers, got " + v.typeName());
        parts[k] = v.integer();
        given[k] = true;
    }
    const int64_t step = parts[2];
    if (step == 0) templateError(e.pos, "slice step cannot be zero");
    std::vector<std::string> cps;
    if (obj.isString()) cps = splitCodePoints(obj.str());
    const auto n = int64_t(obj.isString() ? cps.size() : obj.items().size());
    auto adjust = [&](int64_t v, bool isGiven, bool isStart) {
        if (!isGiven) return step < 0 ? (isStart ? n - 1 : -1) : (isStart ? 0 : n);
        if (v < 0) {
            v += n;
            if (v < 0) v = step < 0 ? -1 : 0;
        } else if (v >= n) {
            v = step < 0 ? n - 1 : n;
        }
        return v;
    };
    const int64_t start = adjust(parts[0], given[0], true);
    const int64_t stop = adjust(parts[1], given[1], false);
    std::string s;
    List items;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (obj.isString())
            s += cps[size_t(i)];
        else
            items.push_back(obj.items()[size_t(i)]);
    }
    return obj.isString() ? Value(std::move(s)) : Value::list(std::move(items), obj.isTuple());
}

} // namespace dw::jinja
