#pragma once
// Syntax tree of a parsed chat template. One generic expression node and one generic
// statement node keep the parser and evaluator small; the comments on each kind say which
// fields it uses.
#include "tokenizer/jinja/value.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dw::jinja {

enum class ExprKind {
    Literal, // value
    Name,    // name
    List,    // args = items
    Tuple,   // args = items
    DictLit, // args = key0, value0, key1, value1, ...
    GetAttr, // args[0] . name
    GetItem, // args[0] [ args[1] ]
    Slice,   // args[0] [ args[1] : args[2] : args[3] ] (missing parts are null)
    Call,    // args[0] ( args[1..] , kwargs )
    Filter,  // args[0] | name ( args[1..], kwargs )
    Test,    // args[0] is [not: negated] name ( args[1..] )
    Unary,   // name = "-", "+" or "not"; args[0]
    Binary,  // name = "+", "-", "*", "/", "//", "%", "**", "~"; args[0], args[1]
    Compare, // args[0] ops[i] args[i+1] ... (chained, Python style); ops in `ops`
    And,     // args[0] and args[1]
    Or,      // args[0] or args[1]
    Cond,    // args[0] if args[1] else args[2] (args[2] may be null)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    ExprKind kind = ExprKind::Literal;
    Pos pos;
    Value value;
    std::string name;
    bool negated = false;
    std::vector<ExprPtr> args;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    std::vector<std::string> ops;
};

enum class StmtKind {
    Text,     // text
    Output,   // {{ expr }}
    If,       // branches (cond, body) ...; elseBody
    For,      // targets in expr [if cond]: body; elseBody when nothing was iterated
    Set,      // targets (or target.attr) = expr
    SetBlock, // {% set target %}body{% endset %}
    Break,
    Continue,
    Macro, // name(params with defaults): body
    Block, // a transparent body ({% generation %}, HF's assistant-mask extension)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Branch {
    ExprPtr cond;
    Body body;
};

struct Stmt {
    StmtKind kind = StmtKind::Text;
    Pos pos;
    std::string text;                 // Text; Macro name; Set attribute (ns.attr) when non-empty
    ExprPtr expr;                     // Output value, For iterable, Set value
    ExprPtr cond;                     // For filter
    std::vector<std::string> targets; // For / Set / SetBlock names
    std::vector<Branch> branches;     // If
    Body body;                        // For, SetBlock, Macro, Block
    Body elseBody;                    // If, For
    std::vector<std::pair<std::string, ExprPtr>> params; // Macro (default may be null)
};

// Parses the token stream of tokenize(); throws dw::Error(Template) naming the construct and
// its position for syntax errors and unsupported statements, filters and tests.
Body parseTemplate(const std::string& source);

} // namespace dw::jinja
