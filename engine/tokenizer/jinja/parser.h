#pragma once
// The chat-template parser (internal): recursive descent over tokenize()'s tokens.
// parser.cpp parses statements and tag structure, parser_expr.cpp expressions with jinja2's
// precedence (lowest first): conditional `a if c else b`, or, and, not, comparisons / in /
// not in (chained), + -, ~, * / // %, **, unary - +, then primary with postfix .attr [item]
// (call) and the filter/test chain | and `is`.
#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/lexer.h"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace dw::jinja {

inline const char* describe(const Token& t) {
    switch (t.kind) {
    case TokKind::End:
        return "end of template";
    case TokKind::VarEnd:
        return "'}}'";
    case TokKind::BlockEnd:
        return "'%}'";
    default:
        return nullptr;
    }
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_t(std::move(tokens)) {}

    Body parseAll() {
        std::string end;
        Body body = parseBody({}, &end);
        return body;
    }

private:
    const Token& cur() const { return m_t[m_i]; }
    const Token& peek(size_t n) const { return m_t[std::min(m_i + n, m_t.size() - 1)]; }
    bool isOp(const char* op) const { return cur().kind == TokKind::Op && cur().text == op; }
    bool isName(const char* n) const { return cur().kind == TokKind::Name && cur().text == n; }
    const Token& next() { return m_t[m_i < m_t.size() - 1 ? m_i++ : m_i]; }

    [[noreturn]] void unexpected(const char* expected) const {
        const char* d = describe(cur());
        const std::string got = d ? d : "'" + cur().text + "'";
        templateError(cur().pos, std::string("expected ") + expected + ", got " + got);
    }
    void expectOp(const char* op) {
        if (!isOp(op)) unexpected((std::string("'") + op + "'").c_str());
        next();
    }
    void expectBlockEnd() {
        if (cur().kind != TokKind::BlockEnd) unexpected("end of statement '%}'");
        next();
    }
    std::string expectName(const char* what) {
        if (cur().kind != TokKind::Name) unexpected(what);
        return next().text;
    }

    static ExprPtr node(ExprKind k, Pos pos) {
        auto e = std::make_unique<Expr>();
        e->kind = k;
        e->pos = pos;
        return e;
    }

    Body parseBody(std::initializer_list<const char*> ends, std::string* endTag);
    StmtPtr parseStatement();
    StmtPtr parseIf(Pos pos);
    StmtPtr parseFor(Pos pos);
    StmtPtr parseSet(Pos pos);
    StmtPtr parseMacro(Pos pos);

    ExprPtr parseTuple(bool condExpr);
    ExprPtr parseExpr(bool condExpr = true);
    ExprPtr parseOr();
    ExprPtr parseAnd();
    ExprPtr parseNot();
    ExprPtr parseCompare();
    ExprPtr parseMath1();
    ExprPtr parseConcat();
    ExprPtr parseMath2();
    ExprPtr parsePow();
    ExprPtr parseUnary(bool withFilter);
    ExprPtr parseUnaryFiltered() { return parseUnary(true); }
    ExprPtr parseBinaryLevel(ExprPtr (Parser::*operand)(), std::initializer_list<const char*> ops);
    ExprPtr parsePrimary();
    ExprPtr parsePostfix(ExprPtr e);
    ExprPtr parseFilterExpr(ExprPtr e);
    void parseCallArgs(Expr& call);

    // Nesting guard: recursion depth of the parser (and so of the evaluator) is bounded, so a
    // template such as "((((...1))))" fails with an error instead of overflowing the stack.
    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p(parser) {
            if (++p.m_depth > kMaxDepth)
                templateError(p.cur().pos, "template nested deeper than " +
                                               std::to_string(kMaxDepth) + " levels");
        }
        ~DepthGuard() { --p.m_depth; }
    };
    // A left-deep chain (a + b + c ..., x|f|g ..., a.b.c ...) is built by a loop but evaluated
    // recursively: each link counts as one level too.
    struct ChainGuard {
        Parser& p;
        int links = 0;
        explicit ChainGuard(Parser& parser) : p(parser) {}
        void grow() {
            ++links;
            if (++p.m_depth > kMaxDepth)
                templateError(p.cur().pos, "expression chained deeper than " +
                                               std::to_string(kMaxDepth) + " levels");
        }
        ~ChainGuard() { p.m_depth -= links; }
    };
    static constexpr int kMaxDepth = 200;

    std::vector<Token> m_t;
    size_t m_i = 0;
    int m_loopDepth = 0;
    int m_depth = 0;
};

} // namespace dw::jinja
