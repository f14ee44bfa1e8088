// Error reporting and argument helpers shared by the lexer, parser, evaluator and builtins.
#include "tokenizer/jinja/builtins.h"

#include "deepwell/error.h"
#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/lexer.h"

namespace dw::jinja {

void templateError(Pos pos, const std::string& message) {
    throw Error(ErrorCode::Template, "line " + std::to_string(pos.line) + ", column " +
                                         std::to_string(pos.column) + ": " + message);
}

const Value* argAt(const CallArgs& a, size_t index, const char* keyword) {
    if (index < a.positional.size()) return &a.positional[index];
    for (const auto& kw : a.keyword)
        if (keyword && kw.first == keyword) return &kw.second;
    return nullptr;
}

std::string expectString(const Value& v, Pos pos, const char* what) {
    requireDefined(v, pos);
    if (!v.isString())
        templateError(pos, std::string(what) + " must be a string, got " + v.typeName());
    return v.str();
}

int64_t expectInt(const Value& v, Pos pos, const char* what) {
    requireDefined(v, pos);
    if (v.kind() != Kind::Int && v.kind() != Kind::Bool)
        templateError(pos, std::string(what) + " must be an integer, got " + v.typeName());
    return v.integer();
}

List iterate(const Value& v, Pos pos) {
    switch (v.kind()) {
    case Kind::Undefined:
        return {};
    case Kind::List:
        return v.items();
    case Kind::Dict: {
        List keys;
        for (const auto& kv : v.dictRef().items) keys.emplace_back(kv.first);
        return keys;
    }
    case Kind::String: {
        List cps;
        for (auto& cp : splitCodePoints(v.str())) cps.emplace_back(std::move(cp));
        return cps;
    }
    default:
        templateError(pos, "'" + v.typeName() + "' object is not iterable");
    }
}

} // namespace dw::jinja
