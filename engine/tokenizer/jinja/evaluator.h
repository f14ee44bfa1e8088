#pragma once
// Tree-walking evaluator of a parsed chat template.
//
// Scoping follows jinja2: a for-loop body gets a fresh scope on every iteration (a `set` in
// the body is gone after the iteration and never reaches the outer scope — templates use
// `namespace()` for that), `if` has no scope of its own, a macro call sees the template's
// top-level scope plus its parameters.
//
// Every render is bounded (Limits): statements and loop iterations executed, output size,
// container size, macro recursion depth and wall-clock time, so a runaway template fails
// with dw::Error(Template) instead of hanging or exhausting memory.
#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/value.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace dw::jinja {

struct Limits {
    uint64_t maxSteps = 5'000'000; // statements + loop iterations per render
    size_t maxOutput = 16u << 20;  // bytes of rendered text (also any one string value)
    size_t maxItems = 100'000;     // elements of one list (range(), list * n, ...)
    int maxCallDepth = 64;         // nested macro calls
    // Wall-clock safety net for work the counters above do not see (e.g. a loop that keeps
    // concatenating a 10 MB string). Real templates render in milliseconds.
    double maxSeconds = 10.0;
};

class Evaluator {
public:
    Evaluator(Dict globals, Limits limits);

    std::string render(const Body& body);

    Value call(const Value& fn, const CallArgs& args);
    const Limits& limits() const { return m_limits; }
    // Throws when a string or list would exceed the limits.
    void checkSize(size_t bytesOrItems, bool isString, Pos pos) const;

private:
    enum class Flow { Normal, Break, Continue };

    Flow exec(const Body& body, std::string& out);
    Flow execStmt(const Stmt& s, std::string& out);
    Flow execFor(const Stmt& s, std::string& out);
    void execSet(const Stmt& s);
    Value defineMacro(const Stmt& s);

    Value eval(const Expr& e);
    Value evalCall(const Expr& e);
    Value evalSlice(const Expr& e);
    CallArgs evalArgs(const Expr& e, size_t firstArg, const Value* self);
    Value binary(const std::string& op, const Value& a, const Value& b, Pos pos);
    bool compare(const std::string& op, const Value& a, const Value& b, Pos pos);

    Value lookup(const std::string& name) const;
    void assign(const std::string& name, Value v);
    void step(Pos pos);
    void append(std::string& out, const std::string& text, Pos pos) const;

    std::vector<Dict> m_frames; // [0] = globals and the render context
    Limits m_limits;
    uint64_t m_steps = 0;
    int m_callDepth = 0;
    std::chrono::steady_clock::time_point m_deadline;
};

Value getAttr(const Value& obj, const std::string& name, Pos pos);
Value getItem(const Value& obj, const Value& key, Pos pos);
// Throws "line L, column C: 'x' is undefined" when v is undefined.
void requireDefined(const Value& v, Pos pos);

} // namespace dw::jinja
