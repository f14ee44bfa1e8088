// Statements and tag structure of the chat-template parser (see parser.h).
#include "tokenizer/jinja/parser.h"

namespace dw::jinja {

Body Parser::parseBody(std::initializer_list<const char*> ends, std::string* endTag) {
    Body body;
    while (true) {
        const Token& t = cur();
        if (t.kind == TokKind::End) {
            if (ends.size() == 0) return body;
            std::string want;
            for (const char* e : ends)
                want += (want.empty() ? "'" : " or '") + std::string(e) + "'";
            templateError(t.pos, "unexpected end of template, expected " + want);
        }
        if (t.kind == TokKind::Text) {
            auto s = std::make_unique<Stmt>();
            s->kind = StmtKind::Text;
            s->pos = t.pos;
            s->text = t.text;
            body.push_back(std::move(s));
            next();
        } else if (t.kind == TokKind::VarBegin) {
            next();
            auto s = std::make_unique<Stmt>();
            s->kind = StmtKind::Output;
            s->pos = t.pos;
            s->expr = parseTuple(true);
            if (cur().kind != TokKind::VarEnd) unexpected("end of expression '}}'");
            next();
            body.push_back(std::move(s));
        } else if (t.kind == TokKind::BlockBegin) {
            next();
            if (cur().kind == TokKind::Name) {
                for (const char* e : ends) {
                    if (cur().text == e) {
                        *endTag = next().text;
                        return body;
                    }
                }
            }
            body.push_back(parseStatement());
        } else {
            unexpected("template data or a tag");
        }
    }
}

StmtPtr Parser::parseStatement() {
    DepthGuard guard(*this);
    if (cur().kind != TokKind::Name) unexpected("a statement name");
    const Token& nameTok = cur();
    const std::string name = nameTok.text;
    const Pos pos = nameTok.pos;
    next();
    if (name == "if") return parseIf(pos);
    if (name == "for") return parseFor(pos);
    if (name == "set") return parseSet(pos);
    if (name == "macro") return parseMacro(pos);
    if (name == "break" || name == "continue") {
        if (m_loopDepth == 0) templateError(pos, "'" + name + "' outside of a loop");
        expectBlockEnd();
        auto s = std::make_unique<Stmt>();
        s->kind = name == "break" ? StmtKind::Break : StmtKind::Continue;
        s->pos = pos;
        return s;
    }
    if (name == "generation") {
        expectBlockEnd();
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Block;
        s->pos = pos;
        std::string end;
        s->body = parseBody({"endgeneration"}, &end);
        expectBlockEnd();
        return s;
    }
    static const char* const enders[] = {"endif",  "elif",     "else",         "endfor",
                                         "endset", "endmacro", "endgeneration"};
    for (const char* e : enders)
        if (name == e) templateError(pos, "unexpected '" + name + "'");
    templateError(pos, "unsupported statement '" + name + "'");
}

StmtPtr Parser::parseIf(Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = StmtKind::If;
    s->pos = pos;
    while (true) {
        Branch b;
        b.cond = parseTuple(true);
        expectBlockEnd();
        std::string end;
        b.body = parseBody({"elif", "else", "endif"}, &end);
        s->branches.push_back(std::move(b));
        if (end == "elif") continue;
        if (end == "else") {
            expectBlockEnd();
            s->elseBody = parseBody({"endif"}, &end);
        }
        expectBlockEnd();
        return s;
    }
}

StmtPtr Parser::parseFor(Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = StmtKind::For;
    s->pos = pos;
    const bool paren = isOp("(");
    if (paren) next();
    do {
        s->targets.push_back(expectName("a loop variable name"));
    } while (isOp(",") && (next(), true));
    if (paren) expectOp(")");
    if (!isName("in")) unexpected("'in'");
    next();
    s->expr = parseTuple(false);
    if (isName("if")) {
        next();
        s->cond = parseExpr();
    }
    if (isName("recursive")) templateError(cur().pos, "unsupported loop modifier 'recursive'");
    expectBlockEnd();
    std::string end;
    ++m_loopDepth;
    s->body = parseBody({"else", "endfor"}, &end);
    --m_loopDepth;
    if (end == "else") {
        expectBlockEnd();
        s->elseBody = parseBody({"endfor"}, &end);
    }
    expectBlockEnd();
    return s;
}

StmtPtr Parser::parseSet(Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = StmtKind::Set;
    s->pos = pos;
    s->targets.push_back(expectName("a variable name"));
    if (isOp(".")) {
        next();
        s->text = expectName("an attribute name");
    } else {
        while (isOp(",")) {
            next();
            s->targets.push_back(expectName("a variable name"));
        }
    }
    if (cur().kind == TokKind::BlockEnd && s->targets.size() == 1 && s->text.empty()) {
        next();
        s->kind = StmtKind::SetBlock;
        std::string end;
        s->body = parseBody({"endset"}, &end);
        expectBlockEnd();
        return s;
    }
    if (isOp("|")) templateError(cur().pos, "unsupported construct 'set' block with a filter");
    expectOp("=");
    s->expr = parseTuple(true);
    expectBlockEnd();
    return s;
}

StmtPtr Parser::parseMacro(Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = StmtKind::Macro;
    s->pos = pos;
    s->text = expectName("a macro name");
    expectOp("(");
    while (!isOp(")")) {
        std::string param = expectName("a parameter name");
        ExprPtr def;
        if (isOp("=")) {
            next();
            def = parseExpr();
        }
        s->params.emplace_back(std::move(param), std::move(def));
        if (!isOp(",")) break;
        next();
    }
    expectOp(")");
    expectBlockEnd();
    std::string end;
    const int savedDepth = m_loopDepth;
    m_loopDepth = 0;
    s->body = parseBody({"endmacro"}, &end);
    m_loopDepth = savedDepth;
    expectBlockEnd();
    return s;
}

Body parseTemplate(const std::string& source) {
    return Parser(tokenize(source)).parseAll();
}

} // namespace dw::jinja
