#include "tokenizer/jinja/evaluator.h"

#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <utility>

namespace dw::jinja {

void requireDefined(const Value& v, Pos pos) {
    if (v.isUndefined()) templateError(pos, v.str().empty() ? "value is undefined" : v.str());
}

Evaluator::Evaluator(Dict globals, Limits limits) : m_limits(limits) {
    m_frames.push_back(std::move(globals));
    m_deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(std::clamp(limits.maxSeconds, 0.0, 1e6)));
}

std::string Evaluator::render(const Body& body) {
    std::string out;
    exec(body, out);
    return out;
}

void Evaluator::step(Pos pos) {
    if (++m_steps > m_limits.maxSteps)
        templateError(pos, "template exceeded " + std::to_string(m_limits.maxSteps) +
                               " steps (statements and loop iterations); is it looping forever?");
    if ((m_steps & 255) == 1 && std::chrono::steady_clock::now() >= m_deadline)
        templateError(pos, "template rendering exceeded the time limit of " +
                               std::to_string(int(m_limits.maxSeconds)) + " s");
}

void Evaluator::checkSize(size_t n, bool isString, Pos pos) const {
    if (isString && n > m_limits.maxOutput)
        templateError(pos, "string of " + std::to_string(n) + " bytes exceeds the limit of " +
                               std::to_string(m_limits.maxOutput) + " bytes");
    if (!isString && n > m_limits.maxItems)
        templateError(pos, "list of " + std::to_string(n) + " items exceeds the limit of " +
                               std::to_string(m_limits.maxItems) + " items");
}

void Evaluator::append(std::string& out, const std::string& text, Pos pos) const {
    if (out.size() + text.size() > m_limits.maxOutput)
        templateError(pos, "rendered text exceeds the limit of " +
                               std::to_string(m_limits.maxOutput) + " bytes");
    out += text;
}

Value Evaluator::lookup(const std::string& name) const {
    for (auto it = m_frames.rbegin(); it != m_frames.rend(); ++it)
        if (const Value* v = it->find(name)) return *v;
    return Value::undefined("'" + name + "' is undefined");
}

void Evaluator::assign(const std::string& name, Value v) {
    m_frames.back().set(name, std::move(v));
}

Evaluator::Flow Evaluator::exec(const Body& body, std::string& out) {
    for (const auto& s : body) {
        const Flow f = execStmt(*s, out);
        if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
}

Evaluator::Flow Evaluator::execStmt(const Stmt& s, std::string& out) {
    step(s.pos);
    switch (s.kind) {
    case StmtKind::Text:
        append(out, s.text, s.pos);
        return Flow::Normal;
    case StmtKind::Output:
        append(out, eval(*s.expr).toString(), s.pos);
        return Flow::Normal;
    case StmtKind::If:
        for (const Branch& b : s.branches)
            if (eval(*b.cond).truthy()) return exec(b.body, out);
        return exec(s.elseBody, out);
    case StmtKind::For:
        return execFor(s, out);
    case StmtKind::Set:
        execSet(s);
        return Flow::Normal;
    case StmtKind::SetBlock: {
        std::string captured;
        exec(s.body, captured);
        assign(s.targets[0], Value(std::move(captured)));
        return Flow::Normal;
    }
    case StmtKind::Break:
        return Flow::Break;
    case StmtKind::Continue:
        return Flow::Continue;
    case StmtKind::Macro:
        assign(s.text, defineMacro(s));
        return Flow::Normal;
    case StmtKind::Block:
        return exec(s.body, out);
    }
    return Flow::Normal;
}

static void bindTargets(Dict& frame, const std::vector<std::string>& targets, const Value& v,
                        Pos pos) {
    if (targets.size() == 1) {
        frame.set(targets[0], v);
        return;
    }
    if (!v.isList() || v.items().size() != targets.size())
        templateError(pos, "cannot unpack " + v.typeName() + " into " +
                               std::to_string(targets.size()) + " names");
    for (size_t i = 0; i < targets.size(); ++i) frame.set(targets[i], v.items()[i]);
}

Evaluator::Flow Evaluator::execFor(const Stmt& s, std::string& out) {
    const Value seq = eval(*s.expr);
    if (seq.isNone() || seq.kind() == Kind::Int || seq.kind() == Kind::Float ||
        seq.kind() == Kind::Bool)
        templateError(s.expr->pos, "'" + seq.typeName() + "' object is not iterable");
    // Lists are iterated in place; dict keys and string characters are materialised.
    List materialised;
    const List* source = &materialised;
    if (seq.isList())
        source = &seq.items();
    else if (!seq.isUndefined())
        materialised = iterate(seq, s.expr->pos);
    if (s.cond) {
        List kept;
        for (const Value& item : *source) {
            step(s.pos);
            m_frames.emplace_back();
            bindTargets(m_frames.back(), s.targets, item, s.pos);
            const bool keep = eval(*s.cond).truthy();
            m_frames.pop_back();
            if (keep) kept.push_back(item);
        }
        materialised = std::move(kept);
        source = &materialised;
    }
    const List& items = *source;
    const auto n = int64_t(items.size());
    for (int64_t i = 0; i < n; ++i) {
        step(s.pos);
        Dict loop;
        loop.set("index", Value(i + 1));
        loop.set("index0", Value(i));
        loop.set("revindex", Value(n - i));
        loop.set("revindex0", Value(n - i - 1));
        loop.set("first", Value(i == 0));
        loop.set("last", Value(i == n - 1));
        loop.set("length", Value(n));
        if (i > 0) loop.set("previtem", items[size_t(i - 1)]);
        if (i + 1 < n) loop.set("nextitem", items[size_t(i + 1)]);
        m_frames.emplace_back();
        bindTargets(m_frames.back(), s.targets, items[size_t(i)], s.pos);
        m_frames.back().set("loop", Value::dict(std::move(loop)));
        const Flow f = exec(s.body, out); // on a throw the render is over: no frame to restore
        m_frames.pop_back();
        if (f == Flow::Break) break;
    }
    if (n == 0) return exec(s.elseBody, out);
    return Flow::Normal;
}

void Evaluator::execSet(const Stmt& s) {
    Value v = eval(*s.expr);
    if (!s.text.empty()) {
        Value target = lookup(s.targets[0]);
        if (target.kind() != Kind::Namespace)
            templateError(s.pos, "cannot assign attribute '" + s.text + "' on '" + s.targets[0] +
                                     "' (" + target.typeName() +
                                     "): only namespace() objects have assignable attributes");
        target.dictMut().set(s.text, std::move(v));
        return;
    }
    if (s.targets.size() == 1) {
        assign(s.targets[0], std::move(v));
        return;
    }
    bindTargets(m_frames.back(), s.targets, v, s.pos);
}

Value Evaluator::defineMacro(const Stmt& s) {
    const Stmt* macro = &s;
    return Value::callable(s.text, [macro](const CallArgs& args, Evaluator& ev) -> Value {
        if (args.positional.size() > macro->params.size())
            templateError(args.pos, "macro '" + macro->text + "' takes " +
                                        std::to_string(macro->params.size()) + " arguments, " +
                                        std::to_string(args.positional.size()) + " given");
        if (ev.m_callDepth >= ev.m_limits.maxCallDepth)
            templateError(args.pos, "macro calls nested deeper than " +
                                        std::to_string(ev.m_limits.maxCallDepth));
        Dict frame;
        for (size_t i = 0; i < macro->params.size(); ++i) {
            const std::string& p = macro->params[i].first;
            if (i < args.positional.size()) frame.set(p, args.positional[i]);
        }
        for (const auto& kw : args.keyword) {
            bool known = false;
            for (const auto& p : macro->params) known = known || p.first == kw.first;
            if (!known)
                templateError(args.pos,
                              "macro '" + macro->text + "' has no parameter '" + kw.first + "'");
            frame.set(kw.first, kw.second);
        }
        std::vector<Dict> saved = std::move(ev.m_frames);
        ev.m_frames = {saved.front(), Dict{}};
        ++ev.m_callDepth;
        std::string out;
        try {
            for (const auto& p : macro->params) {
                if (frame.find(p.first)) continue;
                frame.set(p.first, p.second ? ev.eval(*p.second)
                                            : Value::undefined("'" + p.first + "' is undefined"));
            }
            ev.m_frames.back() = std::move(frame);
            ev.exec(macro->body, out);
        } catch (...) {
            --ev.m_callDepth;
            ev.m_frames = std::move(saved);
            throw;
        }
        --ev.m_callDepth;
        ev.m_frames = std::move(saved);
        return Value(std::move(out));
    });
}

Value Evaluator::call(const Value& fn, const CallArgs& args) {
    requireDefined(fn, args.pos);
    if (fn.kind() != Kind::Callable)
        templateError(args.pos, "'" + fn.typeName() + "' object is not callable");
    return fn.fn().fn(args, *this);
}

CallArgs Evaluator::evalArgs(const Expr& e, size_t firstArg, const Value* self) {
    CallArgs a;
    a.pos = e.pos;
    if (self) a.positional.push_back(*self);
    for (size_t i = firstArg; i < e.args.size(); ++i) a.positional.push_back(eval(*e.args[i]));
    for (const auto& kw : e.kwargs) a.keyword.emplace_back(kw.first, eval(*kw.second));
    return a;
}

Value Evaluator::evalCall(const Expr& e) {
    const Expr& callee = *e.args[0];
    if (callee.kind == ExprKind::GetAttr) {
        const Value obj = eval(*callee.args[0]);
        requireDefined(obj, callee.args[0]->pos);
        if (hasMethod(obj, callee.name)) {
            CallArgs a = evalArgs(e, 1, nullptr);
            a.pos = callee.pos;
            return callMethod(obj, callee.name, a);
        }
        const Value fn = getAttr(obj, callee.name, callee.pos);
        if (fn.isUndefined())
            templateError(callee.pos, "unsupported method '" + callee.name + "' of " +
                                          obj.typeName() + " objects");
        CallArgs a = evalArgs(e, 1, nullptr);
        a.pos = callee.pos;
        return call(fn, a);
    }
    const Value fn = eval(callee);
    CallArgs a = evalArgs(e, 1, nullptr);
    a.pos = callee.pos;
    return call(fn, a);
}

Value Evaluator::eval(const Expr& e) {
    switch (e.kind) {
    case ExprKind::Literal:
        return e.value;
    case ExprKind::Name:
        return lookup(e.name);
    case ExprKind::List:
    case ExprKind::Tuple: {
        List items;
        for (const auto& a : e.args) items.push_back(eval(*a));
        return Value::list(std::move(items), e.kind == ExprKind::Tuple);
    }
    case ExprKind::DictLit: {
        Dict d;
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
            const Value k = eval(*e.args[i]);
            if (!k.isString())
                templateError(e.args[i]->pos, "dict keys must be strings, got " + k.typeName());
            d.set(k.str(), eval(*e.args[i + 1]));
        }
        return Value::dict(std::move(d));
    }
    case ExprKind::GetAttr:
        return getAttr(eval(*e.args[0]), e.name, e.pos);
    case ExprKind::GetItem:
        return getItem(eval(*e.args[0]), eval(*e.args[1]), e.pos);
    case ExprKind::Slice:
        return evalSlice(e);
    case ExprKind::Call:
        return evalCall(e);
    case ExprKind::Filter: {
        const Value self = eval(*e.args[0]);
        CallArgs a = evalArgs(e, 1, &self);
        return applyFilter(e.name, a, *this);
    }
    case ExprKind::Test: {
        const Value self = eval(*e.args[0]);
        CallArgs a = evalArgs(e, 1, &self);
        return Value(applyTest(e.name, a, *this) != e.negated);
    }
    case ExprKind::Unary: {
        const Value v = eval(*e.args[0]);
        if (e.name == "not") return Value(!v.truthy());
        requireDefined(v, e.pos);
        if (!v.isNumber())
            templateError(e.pos,
                          "bad operand type for unary " + e.name + ": '" + v.typeName() + "'");
        if (e.name == "+") return v.kind() == Kind::Bool ? Value(v.integer()) : v;
        if (v.kind() == Kind::Float) return Value(-v.number());
        return Value(-v.integer());
    }
    case ExprKind::Binary:
        return binary(e.name, eval(*e.args[0]), eval(*e.args[1]), e.pos);
    case ExprKind::Compare: {
        Value left = eval(*e.args[0]);
        for (size_t i = 0; i < e.ops.size(); ++i) {
            Value right = eval(*e.args[i + 1]);
            if (!compare(e.ops[i], left, right, e.pos)) return Value(false);
            left = std::move(right);
        }
        return Value(true);
    }
    case ExprKind::And: {
        Value a = eval(*e.args[0]);
        return a.truthy() ? eval(*e.args[1]) : a;
    }
    case ExprKind::Or: {
        Value a = eval(*e.args[0]);
        return a.truthy() ? a : eval(*e.args[1]);
    }
    case ExprKind::Cond:
        if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
        if (e.args[2]) return eval(*e.args[2]);
        return Value::undefined("the inline if-expression on line " + std::to_string(e.pos.line) +
                                " evaluated to false and no else section was defined");
    }
    return Value();
}

} // namespace dw::jinja
