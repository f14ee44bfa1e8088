// Jinja tests (`x is defined`, `x is string`, ...) with jinja2's semantics, and Python's
// printf-style `%` formatting.
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/lexer.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace dw::jinja {

namespace {

using TestFn = bool (*)(const CallArgs&);

const Value& subject(const CallArgs& a) {
    return a.positional[0];
}
const Value& operand(const CallArgs& a) {
    const Value* v = argAt(a, 1, nullptr);
    if (!v) templateError(a.pos, "this test needs an argument");
    return *v;
}
bool isInt(const Value& v) {
    return v.kind() == Kind::Int;
}
bool hasCase(const std::string& s, bool upper) {
    bool cased = false;
    for (char c : s) {
        if ((upper && c >= 'a' && c <= 'z') || (!upper && c >= 'A' && c <= 'Z')) return false;
        cased = cased || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    return cased;
}
int order(const CallArgs& a, const char* op) {
    return compareOrder(subject(a), operand(a), op, a.pos);
}

const std::map<std::string, TestFn>& testTable() {
    static const std::map<std::string, TestFn> table = {
        {"defined", [](const CallArgs& a) { return !subject(a).isUndefined(); }},
        {"undefined", [](const CallArgs& a) { return subject(a).isUndefined(); }},
        {"none", [](const CallArgs& a) { return subject(a).isNone(); }},
        {"string", [](const CallArgs& a) { return subject(a).isString(); }},
        {"number", [](const CallArgs& a) { return subject(a).isNumber(); }},
        {"integer", [](const CallArgs& a) { return isInt(subject(a)); }},
        {"float", [](const CallArgs& a) { return subject(a).kind() == Kind::Float; }},
        {"boolean", [](const CallArgs& a) { return subject(a).kind() == Kind::Bool; }},
        {"true",
         [](const CallArgs& a) { return subject(a).kind() == Kind::Bool && subject(a).boolean(); }},
        {"false",
         [](const CallArgs& a) {
             return subject(a).kind() == Kind::Bool && !subject(a).boolean();
         }},
        {"mapping", [](const CallArgs& a) { return subject(a).isDict(); }},
        // jinja2: Undefined is iterable (empty) and a sequence (has len and getitem).
        {"iterable",
         [](const CallArgs& a) {
             const Kind k = subject(a).kind();
             return k == Kind::List || k == Kind::Dict || k == Kind::String || k == Kind::Undefined;
         }},
        {"sequence",
         [](const CallArgs& a) {
             const Kind k = subject(a).kind();
             return k == Kind::List || k == Kind::Dict || k == Kind::String || k == Kind::Undefined;
         }},
        {"callable", [](const CallArgs& a) { return subject(a).kind() == Kind::Callable; }},
        {"odd", [](const CallArgs& a) { return expectInt(subject(a), a.pos, "value") % 2 != 0; }},
        {"even", [](const CallArgs& a) { return expectInt(subject(a), a.pos, "value") % 2 == 0; }},
        {"divisibleby",
         [](const CallArgs& a) {
             const int64_t d = expectInt(operand(a), a.pos, "divisor");
             if (d == 0) templateError(a.pos, "division by zero");
             return d == -1 || expectInt(subject(a), a.pos, "value") % d == 0;
         }},
        {"eq", [](const CallArgs& a) { return valuesEqual(subject(a), operand(a)); }},
        {"ne", [](const CallArgs& a) { return !valuesEqual(subject(a), operand(a)); }},
        {"lt", [](const CallArgs& a) { return order(a, "<") < 0; }},
        {"le", [](const CallArgs& a) { return order(a, "<=") <= 0; }},
        {"gt", [](const CallArgs& a) { return order(a, ">") > 0; }},
        {"ge", [](const CallArgs& a) { return order(a, ">=") >= 0; }},
        {"in",
         [](const CallArgs& a) {
             const Value& c = operand(a);
             if (c.isString())
                 return subject(a).isString() &&
                        c.str().find(subject(a).str()) != std::string::npos;
             if (c.isDict())
                 return subject(a).isString() && c.dictRef().find(subject(a).str()) != nullptr;
             for (const Value& v : iterate(c, a.pos))
                 if (valuesEqual(v, subject(a))) return true;
             return false;
         }},
        // Identity: value types compare equal by value, shared objects by identity.
        {"sameas",
         [](const CallArgs& a) {
             const Value& x = subject(a);
             const Value& y = operand(a);
             if (x.kind() != y.kind()) return false;
             if (x.isList()) return &x.items() == &y.items();
             if (x.isDict() || x.kind() == Kind::Namespace) return &x.dictRef() == &y.dictRef();
             return valuesEqual(x, y);
         }},
        {"lower",
         [](const CallArgs& a) {
             return subject(a).isString() && hasCase(subject(a).str(), false);
         }},
        {"upper",
         [](const CallArgs& a) {
             return subject(a).isString() && hasCase(subject(a).str(), true);
         }},
    };
    return table;
}

const std::map<std::string, std::string>& testAliases() {
    static const std::map<std::string, std::string> aliases = {
        {"equalto", "eq"}, {"==", "eq"},          {"!=", "ne"}, {"lessthan", "lt"}, {"<", "lt"},
        {"<=", "le"},      {"greaterthan", "gt"}, {">", "gt"},  {">=", "ge"},
    };
    return aliases;
}

std::string canonical(const std::string& name) {
    auto it = testAliases().find(name);
    return it == testAliases().end() ? name : it->second;
}

} // namespace

bool isKnownTest(const std::string& name) {
    return testTable().count(canonical(name)) != 0;
}

bool applyTest(const std::string& name, const CallArgs& args, Evaluator&) {
    auto it = testTable().find(canonical(name));
    if (it == testTable().end()) templateError(args.pos, "unsupported test '" + name + "'");
    return it->second(args);
}

std::string percentFormat(const std::string& fmt, const Value& args, Pos pos) {
    const List values = args.isTuple() ? args.items() : List{args};
    size_t next = 0;
    std::string out;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        size_t j = i + 1;
        std::string spec = "%";
        while (j < fmt.size() && std::string("-+ 0#").find(fmt[j]) != std::string::npos)
            spec += fmt[j++];
        while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) spec += fmt[j++];
        if (j < fmt.size() && fmt[j] == '.') {
            spec += fmt[j++];
            while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j])))
                spec += fmt[j++];
        }
        if (j >= fmt.size()) templateError(pos, "incomplete format in '" + fmt + "'");
        const char conv = fmt[j];
        i = j;
        if (conv == '%') {
            out += '%';
            continue;
        }
        if (next >= values.size())
            templateError(pos, "not enough arguments for format string '" + fmt + "'");
        const Value& v = values[next++];
        if (spec.size() > 24) templateError(pos, "format specification too long in '" + fmt + "'");
        char buf[512];
        if (conv == 's' || conv == 'r') {
            const std::string s = conv == 's' ? v.toString() : v.repr();
            if (spec == "%")
                out += s;
            else {
                std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.substr(0, 400).c_str());
                out += buf;
            }
        } else if (conv == 'd' || conv == 'i' || conv == 'x' || conv == 'X' || conv == 'o') {
            if (!v.isNumber())
                templateError(pos, "%" + std::string(1, conv) +
                                       " format: a number is required, not " + v.typeName());
            const long long n = v.kind() == Kind::Float ? (long long)std::trunc(v.number())
                                                        : (long long)v.integer();
            std::snprintf(buf, sizeof buf, (spec + "ll" + (conv == 'i' ? 'd' : conv)).c_str(), n);
            out += buf;
        } else if (conv == 'f' || conv == 'F' || conv == 'e' || conv == 'E' || conv == 'g' ||
                   conv == 'G') {
            if (!v.isNumber())
                templateError(pos, "%" + std::string(1, conv) +
                                       " format: a number is required, not " + v.typeName());
            std::snprintf(buf, sizeof buf, (spec + conv).c_str(), v.number());
            out += buf;
        } else {
            templateError(pos, "unsupported format character '" + std::string(1, conv) + "' in '" +
                                   fmt + "'");
        }
    }
    if (next < values.size() && args.isTuple())
        templateError(pos, "not all arguments converted during string formatting");
    return out;
}

} // namespace dw::jinja
