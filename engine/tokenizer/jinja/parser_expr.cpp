// Expressions of the chat-template parser (see parser.h for the precedence).
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/parser.h"

namespace dw::jinja {

ExprPtr Parser::parseTuple(bool condExpr) {
    const Pos pos = cur().pos;
    ExprPtr first = parseExpr(condExpr);
    if (!isOp(",")) return first;
    auto t = node(ExprKind::Tuple, pos);
    t->args.push_back(std::move(first));
    while (isOp(",")) {
        next();
        if (cur().kind == TokKind::BlockEnd || cur().kind == TokKind::VarEnd || isOp(")")) break;
        t->args.push_back(parseExpr(condExpr));
    }
    return t;
}

ExprPtr Parser::parseExpr(bool condExpr) {
    DepthGuard guard(*this);
    ExprPtr e = parseOr();
    if (!condExpr) return e;
    ChainGuard chain(*this);
    while (isName("if")) {
        chain.grow();
        const Pos pos = cur().pos;
        next();
        auto c = node(ExprKind::Cond, pos);
        c->args.push_back(std::move(e));
        c->args.push_back(parseOr());
        if (isName("else")) {
            next();
            c->args.push_back(parseExpr());
        } else {
            c->args.push_back(nullptr);
        }
        e = std::move(c);
    }
    return e;
}

ExprPtr Parser::parseOr() {
    ExprPtr e = parseAnd();
    ChainGuard chain(*this);
    while (isName("or")) {
        chain.grow();
        auto n = node(ExprKind::Or, next().pos);
        n->args.push_back(std::move(e));
        n->args.push_back(parseAnd());
        e = std::move(n);
    }
    return e;
}

ExprPtr Parser::parseAnd() {
    ExprPtr e = parseNot();
    ChainGuard chain(*this);
    while (isName("and")) {
        chain.grow();
        auto n = node(ExprKind::And, next().pos);
        n->args.push_back(std::move(e));
        n->args.push_back(parseNot());
        e = std::move(n);
    }
    return e;
}

ExprPtr Parser::parseNot() {
    DepthGuard guard(*this);
    if (isName("not")) {
        auto n = node(ExprKind::Unary, next().pos);
        n->name = "not";
        n->args.push_back(parseNot());
        return n;
    }
    return parseCompare();
}

ExprPtr Parser::parseCompare() {
    ExprPtr first = parseMath1();
    ExprPtr cmp;
    while (true) {
        std::string op;
        const Pos pos = cur().pos;
        if (cur().kind == TokKind::Op &&
            (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == ">" ||
             cur().text == "<=" || cur().text == ">=")) {
            op = next().text;
        } else if (isName("in")) {
            next();
            op = "in";
        } else if (isName("not") && peek(1).kind == TokKind::Name && peek(1).text == "in") {
            next();
            next();
            op = "not in";
        } else {
            break;
        }
        if (cmp && cmp->ops.size() >= size_t(kMaxDepth))
            templateError(pos,
                          "comparison chained more than " + std::to_string(kMaxDepth) + " times");
        if (!cmp) {
            cmp = node(ExprKind::Compare, pos);
            cmp->args.push_back(std::move(first));
        }
        cmp->ops.push_back(op);
        cmp->args.push_back(parseMath1());
    }
    return cmp ? std::move(cmp) : std::move(first);
}

// One left-associative level of binary operators.
ExprPtr Parser::parseBinaryLevel(ExprPtr (Parser::*operand)(),
                                 std::initializer_list<const char*> ops) {
    ExprPtr e = (this->*operand)();
    ChainGuard chain(*this);
    while (cur().kind == TokKind::Op &&
           std::any_of(ops.begin(), ops.end(), [&](const char* op) { return cur().text == op; })) {
        chain.grow();
        auto n = node(ExprKind::Binary, cur().pos);
        n->name = next().text;
        n->args.push_back(std::move(e));
        n->args.push_back((this->*operand)());
        e = std::move(n);
    }
    return e;
}

ExprPtr Parser::parseMath1() {
    return parseBinaryLevel(&Parser::parseConcat, {"+", "-"});
}
ExprPtr Parser::parseConcat() {
    return parseBinaryLevel(&Parser::parseMath2, {"~"});
}
ExprPtr Parser::parseMath2() {
    return parseBinaryLevel(&Parser::parsePow, {"*", "/", "//", "%"});
}
ExprPtr Parser::parsePow() {
    return parseBinaryLevel(&Parser::parseUnaryFiltered, {"**"});
}

ExprPtr Parser::parseUnary(bool withFilter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (isOp("-") || isOp("+")) {
        e = node(ExprKind::Unary, cur().pos);
        e->name = next().text;
        e->args.push_back(parseUnary(false));
    } else {
        e = parsePrimary();
    }
    e = parsePostfix(std::move(e));
    return withFilter ? parseFilterExpr(std::move(e)) : std::move(e);
}

ExprPtr Parser::parsePrimary() {
    const Token& t = cur();
    const Pos pos = t.pos;
    if (t.kind == TokKind::Name) {
        const std::string n = next().text;
        auto e = node(ExprKind::Literal, pos);
        if (n == "true" || n == "True")
            e->value = Value(true);
        else if (n == "false" || n == "False")
            e->value = Value(false);
        else if (n == "none" || n == "None")
            e->value = Value::none();
        else {
            e->kind = ExprKind::Name;
            e->name = n;
        }
        return e;
    }
    if (t.kind == TokKind::String) {
        std::string s;
        while (cur().kind == TokKind::String) s += next().text; // 'a' 'b' == 'ab'
        auto e = node(ExprKind::Literal, pos);
        e->value = Value(std::move(s));
        return e;
    }
    if (t.kind == TokKind::Int || t.kind == TokKind::Float) {
        auto e = node(ExprKind::Literal, pos);
        e->value = t.kind == TokKind::Int ? Value(t.intValue) : Value(t.floatValue);
        next();
        return e;
    }
    if (isOp("(")) {
        next();
        if (isOp(")")) {
            next();
            return node(ExprKind::Tuple, pos);
        }
        ExprPtr inner = parseExpr();
        if (isOp(",")) {
            auto tup = node(ExprKind::Tuple, pos);
            tup->args.push_back(std::move(inner));
            while (isOp(",")) {
                next();
                if (isOp(")")) break;
                tup->args.push_back(parseExpr());
            }
            inner = std::move(tup);
        }
        expectOp(")");
        return inner;
    }
    if (isOp("[") || isOp("{")) {
        const bool isDict = isOp("{");
        next();
        auto e = node(isDict ? ExprKind::DictLit : ExprKind::List, pos);
        const char* close = isDict ? "}" : "]";
        while (!isOp(close)) {
            e->args.push_back(parseExpr());
            if (isDict) {
                expectOp(":");
                e->args.push_back(parseExpr());
            }
            if (!isOp(",")) break;
            next();
        }
        expectOp(close);
        return e;
    }
    unexpected("an expression");
}

ExprPtr Parser::parsePostfix(ExprPtr e) {
    ChainGuard chain(*this);
    while (true) {
        chain.grow();
        if (isOp(".")) {
            next();
            const Token& t = cur();
            if (t.kind == TokKind::Int) {
                auto n = node(ExprKind::GetItem, t.pos);
                n->args.push_back(std::move(e));
                auto idx = node(ExprKind::Literal, t.pos);
                idx->value = Value(t.intValue);
                n->args.push_back(std::move(idx));
                next();
                e = std::move(n);
                continue;
            }
            auto n = node(ExprKind::GetAttr, t.pos);
            n->name = expectName("an attribute name");
            n->args.push_back(std::move(e));
            e = std::move(n);
        } else if (isOp("[")) {
            const Pos pos = next().pos;
            ExprPtr parts[3];
            int colons = 0;
            while (!isOp("]")) {
                if (isOp(":")) {
                    if (++colons > 2) unexpected("']'");
                    next();
                    continue;
                }
                if (parts[colons]) unexpected("':' or ']'");
                parts[colons] = parseExpr();
            }
            next();
            if (colons == 0 && !parts[0]) templateError(pos, "empty subscript");
            auto n = node(colons == 0 ? ExprKind::GetItem : ExprKind::Slice, pos);
            n->args.push_back(std::move(e));
            for (int k = 0; k < (colons == 0 ? 1 : 3); ++k) n->args.push_back(std::move(parts[k]));
            e = std::move(n);
        } else if (isOp("(")) {
            auto n = node(ExprKind::Call, e->pos);
            n->args.push_back(std::move(e));
            parseCallArgs(*n);
            e = std::move(n);
        } else {
            return e;
        }
    }
}

ExprPtr Parser::parseFilterExpr(ExprPtr e) {
    ChainGuard chain(*this);
    while (true) {
        chain.grow();
        if (isOp("|")) {
            next();
            const Pos pos = cur().pos;
            std::string name = expectName("a filter name");
            while (isOp(".")) {
                next();
                name += "." + expectName("a filter name");
            }
            if (!isKnownFilter(name)) templateError(pos, "unsupported filter '" + name + "'");
            auto n = node(ExprKind::Filter, pos);
            n->name = name;
            n->args.push_back(std::move(e));
            if (isOp("(")) parseCallArgs(*n);
            e = std::move(n);
        } else if (isName("is")) {
            next();
            auto n = node(ExprKind::Test, cur().pos);
            if (isName("not")) {
                next();
                n->negated = true;
            }
            n->pos = cur().pos;
            n->name = expectName("a test name");
            if (!isKnownTest(n->name)) templateError(n->pos, "unsupported test '" + n->name + "'");
            n->args.push_back(std::move(e));
            if (isOp("(")) {
                parseCallArgs(*n);
            } else if ((cur().kind == TokKind::Name && !isName("else") && !isName("or") &&
                        !isName("and") && !isName("if") && !isName("not") && !isName("is")) ||
                       cur().kind == TokKind::String || cur().kind == TokKind::Int ||
                       cur().kind == TokKind::Float || isOp("[") || isOp("{")) {
                n->args.push_back(parsePostfix(parsePrimary()));
            }
            e = std::move(n);
        } else if (isOp("(")) {
            auto n = node(ExprKind::Call, e->pos);
            n->args.push_back(std::move(e));
            parseCallArgs(*n);
            e = std::move(n);
        } else {
            return e;
        }
    }
}

void Parser::parseCallArgs(Expr& call) {
    expectOp("(");
    while (!isOp(")")) {
        if (isOp("*") || isOp("**"))
            templateError(cur().pos,
                          "unsupported construct '" + cur().text + "' argument unpacking");
        if (cur().kind == TokKind::Name && peek(1).kind == TokKind::Op && peek(1).text == "=") {
            std::string key = next().text;
            next();
            call.kwargs.emplace_back(std::move(key), parseExpr());
        } else {
            if (!call.kwargs.empty())
                templateError(cur().pos, "positional argument follows keyword argument");
            call.args.push_back(parseExpr());
        }
        if (!isOp(",")) break;
        next();
    }
    expectOp(")");
}

} // namespace dw::jinja
