#pragma once
// Filters, tests, methods and globals of the chat-template interpreter (filters.cpp,
// methods.cpp, json.cpp). Names are checked at parse time, so a template that uses an
// unsupported filter or test is refused when it is loaded, not half-way through a render.
#include "tokenizer/jinja/value.h"

#include <string>

namespace dw::jinja {

class Evaluator;

bool isKnownFilter(const std::string& name);
bool isKnownTest(const std::string& name);

// args.positional[0] is the filtered value / the tested value.
Value applyFilter(const std::string& name, const CallArgs& args, Evaluator& ev);
bool applyTest(const std::string& name, const CallArgs& args, Evaluator& ev);

// `obj.name(args)` for str, dict and list objects; throws for an unknown method.
Value callMethod(const Value& obj, const std::string& name, const CallArgs& args);
// Whether `obj.name` names a method (so `obj.name(...)` is a method call, not a dict lookup).
bool hasMethod(const Value& obj, const std::string& name);

// Globals every template sees: range, namespace, dict, raise_exception, strftime_now.
Dict builtinGlobals();

// HF's tojson: json.dumps(x, ensure_ascii=False, indent=indent, separators=..., sort_keys=...).
// indent < 0 means None (one line).
std::string toJson(const Value& v, Pos pos, int indent, const std::string& itemSep,
                   const std::string& keySep, bool sortKeys, bool ensureAscii);

// Python ordering (<) of two values: -1, 0, 1; throws for unorderable types (op names the
// operator in the message).
int compareOrder(const Value& a, const Value& b, const std::string& op, Pos pos);

// Python's `fmt % args` for %s %r %d %i %f %x %% (the `format` filter and the `%` operator).
std::string percentFormat(const std::string& fmt, const Value& args, Pos pos);

// Helpers shared by the builtins: argument i of a call (positional or keyword), or fallback.
const Value* argAt(const CallArgs& a, size_t index, const char* keyword);
std::string expectString(const Value& v, Pos pos, const char* what);
int64_t expectInt(const Value& v, Pos pos, const char* what);
List iterate(const Value& v, Pos pos); // list items, dict keys, string code points

} // namespace dw::jinja
