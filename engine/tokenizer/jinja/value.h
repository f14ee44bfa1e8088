#pragma once
// The value type of the chat-template interpreter: the subset of Python objects that Jinja
// templates see (undefined, None, bool, int, float, str, list/tuple, dict with insertion
// order, namespace, callable). Lists, dicts and namespaces are shared by reference, as in
// Python: `set ns.x = 1` on a copy of a namespace value changes the one object.
// Strings are UTF-8; length, indexing and slicing count code points (Python semantics).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dw::jinja {

class Value;
class Evaluator;
using List = std::vector<Value>;

// Insertion-ordered string-keyed map (Python dict of JSON-like data).
struct Dict {
    std::vector<std::pair<std::string, Value>> items;
    const Value* find(const std::string& key) const;
    void set(const std::string& key, Value value);
};

// Line and column (1-based, columns count code points) of a construct in the template.
struct Pos {
    int line = 1;
    int column = 1;
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;
    Pos pos;
};

struct Callable {
    std::string name;
    std::function<Value(const CallArgs&, Evaluator&)> fn;
};

enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

class Value {
public:
    Value() = default; // undefined
    Value(bool b) : m_kind(Kind::Bool), m_int(b ? 1 : 0) {}
    Value(int v) : m_kind(Kind::Int), m_int(v) {}
    Value(int64_t v) : m_kind(Kind::Int), m_int(v) {}
    Value(double v) : m_kind(Kind::Float), m_float(v) {}
    Value(std::string s)
        : m_kind(Kind::String), m_str(std::make_shared<const std::string>(std::move(s))) {}
    Value(const char* s) : Value(std::string(s)) {}

    // An undefined value remembers why it is undefined ("'x' is undefined"), for the error
    // raised when a template uses it as an object.
    static Value undefined(std::string why);
    static Value none();
    static Value list(List items, bool tuple = false);
    static Value dict(Dict d);
    static Value ns(Dict d);
    static Value callable(std::string name, std::function<Value(const CallArgs&, Evaluator&)> fn);

    Kind kind() const { return m_kind; }
    bool isUndefined() const { return m_kind == Kind::Undefined; }
    bool isNone() const { return m_kind == Kind::None; }
    bool isString() const { return m_kind == Kind::String; }
    bool isNumber() const {
        return m_kind == Kind::Int || m_kind == Kind::Float || m_kind == Kind::Bool;
    }
    bool isList() const { return m_kind == Kind::List; }
    bool isTuple() const { return m_kind == Kind::List && m_tuple; }
    bool isDict() const { return m_kind == Kind::Dict; }

    bool boolean() const { return m_int != 0; }
    int64_t integer() const { return m_int; } // Int and Bool
    double number() const { return m_kind == Kind::Float ? m_float : double(m_int); }
    // String: the text; Undefined: why it is undefined.
    const std::string& str() const { return m_str ? *m_str : emptyString(); }
    const List& items() const { return *m_list; }
    List& itemsMut() { return *m_list; }
    const Dict& dictRef() const { return *m_dict; } // Dict and Namespace
    Dict& dictMut() { return *m_dict; }
    const Callable& fn() const { return *m_fn; }

    bool truthy() const;
    std::string toString() const; // Python str()
    std::string repr() const;     // Python repr(); "..." past 100 levels (cycles)
    void reprInto(std::string& out, int depth) const; // throws past 16 MiB
    std::string typeName() const; // Python type name for messages ("str", "dict", ...)

private:
    Kind m_kind = Kind::Undefined;
    bool m_tuple = false;
    int64_t m_int = 0;
    double m_float = 0.0;
    static const std::string& emptyString();

    // Strings are immutable and shared, so copying a Value never copies text (a template can
    // put one 10 MB string into a 100k-item list).
    std::shared_ptr<const std::string> m_str;
    std::shared_ptr<List> m_list;
    std::shared_ptr<Dict> m_dict;
    std::shared_ptr<Callable> m_fn;
};

bool valuesEqual(const Value& a, const Value& b);
std::string formatFloat(double v); // Python repr of a float: "1.0", "0.1", "1e+100"

// UTF-8 helpers: strings are sliced and measured in code points.
std::vector<std::string> splitCodePoints(const std::string& s);
size_t codePointCount(const std::string& s);
bool isPythonSpace(uint32_t cp); // str.isspace()
// Decodes one code point at s[i], advancing i; invalid bytes decode as themselves.
uint32_t decodeUtf8(const std::string& s, size_t& i);
void appendUtf8(std::string& out, uint32_t cp);

} // namespace dw::jinja
