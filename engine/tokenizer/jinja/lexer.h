#pragma once
// Lexer of the chat-template interpreter. Splits a template into text runs and the tokens of
// its `{{ }}` / `{% %}` tags (comments are dropped), applying Jinja's whitespace control the
// way Hugging Face configures it: trim_blocks (drop the first newline after a block or
// comment tag), lstrip_blocks (drop spaces/tabs between a line start and a block or comment
// tag), `-` on a tag side (strip all whitespace on that side) and `+` (disable both options).
// Like jinja2, newlines are normalised to "\n" and one trailing newline of the source is
// dropped.
#include "tokenizer/jinja/value.h"

#include <string>
#include <vector>

namespace dw::jinja {

enum class TokKind {
    Text,
    VarBegin,
    VarEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Int,
    Float,
    Op,
    End
};

struct Token {
    TokKind kind = TokKind::End;
    std::string text; // Text: the run; Name/Op: the spelling; String: the decoded value
    int64_t intValue = 0;
    double floatValue = 0.0;
    Pos pos;
};

std::vector<Token> tokenize(const std::string& source);

// Throws dw::Error(ErrorCode::Template) with "line L, column C: <message>".
[[noreturn]] void templateError(Pos pos, const std::string& message);

} // namespace dw::jinja
