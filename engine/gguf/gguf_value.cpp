// gguf::Value: one metadata value (scalar, string or array; arrays may nest).
//
// Storage: integer scalars keep their bits in m_bits (signed values sign-extended to 64 bits,
// U64 as is); bools 0/1 in m_bits; floats a double's bits in m_bits (F32 values are rounded to
// float first, so a Value holds exactly what a file holds). Integer and bool arrays live in
// m_ints (U64 elements as their bit pattern), float arrays in m_floats, string arrays in
// m_strings, arrays of arrays in m_nested.
#include "deepwell/gguf.h"

#include "deepwell/error.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>

namespace dw::gguf {
namespace {

bool isIntegerType(ValueType t) {
    switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::U16:
    case ValueType::I16:
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::U64:
    case ValueType::I64:
        return true;
    default:
        return false;
    }
}

bool isFloatType(ValueType t) {
    return t == ValueType::F32 || t == ValueType::F64;
}

// Range of an integer type below 64 bits, as int64 bounds.
bool fitsInteger(ValueType t, int64_t v) {
    switch (t) {
    case ValueType::U8:
        return v >= 0 && v <= 0xFF;
    case ValueType::I8:
        return v >= -128 && v <= 127;
    case ValueType::U16:
        return v >= 0 && v <= 0xFFFF;
    case ValueType::I16:
        return v >= -32768 && v <= 32767;
    case ValueType::U32:
        return v >= 0 && v <= 0xFFFFFFFFLL;
    case ValueType::I32:
        return v >= INT32_MIN && v <= INT32_MAX;
    case ValueType::U64:
        return v >= 0;
    case ValueType::I64:
        return true;
    default:
        return false;
    }
}

double roundTo(ValueType t, double v) {
    return t == ValueType::F32 ? static_cast<double>(static_cast<float>(v)) : v;
}

std::string formatDouble(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string quoted(const std::string& s, size_t maxChars) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        // Stop at the first character boundary past maxChars (never half a UTF-8 character).
        if (i >= maxChars && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            out += "...";
            break;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

[[noreturn]] void badArgument(const std::string& what) {
    throw Error(ErrorCode::InvalidArgument, "gguf::Value::" + what);
}

} // namespace

const char* valueTypeName(ValueType t) {
    switch (t) {
    case ValueType::U8:
        return "UINT8";
    case ValueType::I8:
        return "INT8";
    case ValueType::U16:
        return "UINT16";
    case ValueType::I16:
        return "INT16";
    case ValueType::U32:
        return "UINT32";
    case ValueType::I32:
        return "INT32";
    case ValueType::F32:
        return "FLOAT32";
    case ValueType::Bool:
        return "BOOL";
    case ValueType::String:
        return "STRING";
    case ValueType::Array:
        return "ARRAY";
    case ValueType::U64:
        return "UINT64";
    case ValueType::I64:
        return "INT64";
    case ValueType::F64:
        return "FLOAT64";
    }
    return "?";
}

Value Value::integer(ValueType t, int64_t v) {
    if (!isIntegerType(t))
        badArgument(std::string("integer: ") + valueTypeName(t) + " is not an integer type");
    if (!fitsInteger(t, v))
        badArgument("integer: " + std::to_string(v) + " does not fit " + valueTypeName(t));
    Value r;
    r.m_type = t;
    r.m_bits = static_cast<uint64_t>(v);
    return r;
}

Value Value::u64(uint64_t v) {
    Value r;
    r.m_type = ValueType::U64;
    r.m_bits = v;
    return r;
}

Value Value::floating(ValueType t, double v) {
    if (!isFloatType(t))
        badArgument(std::string("floating: ") + valueTypeName(t) + " is not F32 or F64");
    Value r;
    r.m_type = t;
    r.m_bits = std::bit_cast<uint64_t>(roundTo(t, v));
    return r;
}

Value Value::boolean(bool v) {
    Value r;
    r.m_type = ValueType::Bool;
    r.m_bits = v ? 1 : 0;
    return r;
}

Value Value::string(std::string v) {
    Value r;
    r.m_type = ValueType::String;
    r.m_string = std::move(v);
    return r;
}

// For elem == U64 the values are taken as bit patterns, so the reader can hold U64 elements
// above INT64_MAX (toIntArray() then refuses them); every other type is range-checked.
Value Value::intArray(ValueType elem, std::vector<int64_t> v) {
    if (!isIntegerType(elem))
        badArgument(std::string("intArray: ") + valueTypeName(elem) + " is not an integer type");
    if (elem != ValueType::U64)
        for (int64_t x : v)
            if (!fitsInteger(elem, x))
                badArgument("intArray: element " + std::to_string(x) + " does not fit " +
                            valueTypeName(elem));
    Value r;
    r.m_type = ValueType::Array;
    r.m_elemType = elem;
    r.m_ints = std::move(v);
    return r;
}

Value Value::floatArray(ValueType elem, std::vector<double> v) {
    if (!isFloatType(elem))
        badArgument(std::string("floatArray: ") + valueTypeName(elem) + " is not F32 or F64");
    for (double& x : v) x = roundTo(elem, x);
    Value r;
    r.m_type = ValueType::Array;
    r.m_elemType = elem;
    r.m_floats = std::move(v);
    return r;
}

Value Value::boolArray(std::vector<bool> v) {
    Value r;
    r.m_type = ValueType::Array;
    r.m_elemType = ValueType::Bool;
    r.m_ints.assign(v.begin(), v.end());
    return r;
}

Value Value::stringArray(std::vector<std::string> v) {
    Value r;
    r.m_type = ValueType::Array;
    r.m_elemType = ValueType::String;
    r.m_strings = std::move(v);
    return r;
}

Value Value::nestedArray(std::vector<Value> v) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!v[i].isArray())
            badArgument("nestedArray: element #" + std::to_string(i) + " is a " +
                        valueTypeName(v[i].type()) + ", not an array");
    Value r;
    r.m_type = ValueType::Array;
    r.m_elemType = ValueType::Array;
    r.m_nested = std::move(v);
    return r;
}

bool Value::isInteger() const {
    return isIntegerType(m_type);
}
bool Value::isFloat() const {
    return isFloatType(m_type);
}

std::optional<int64_t> Value::toInt() const {
    if (!isInteger()) return std::nullopt;
    if (m_type == ValueType::U64 && m_bits > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(m_bits);
}

std::optional<uint64_t> Value::toUint() const {
    if (!isInteger()) return std::nullopt;
    if (m_type == ValueType::U64) return m_bits;
    const auto v = static_cast<int64_t>(m_bits);
    if (v < 0) return std::nullopt;
    return static_cast<uint64_t>(v);
}

std::optional<double> Value::toDouble() const {
    if (isFloat()) return std::bit_cast<double>(m_bits);
    if (m_type == ValueType::U64) return static_cast<double>(m_bits);
    if (isInteger()) return static_cast<double>(static_cast<int64_t>(m_bits));
    return std::nullopt;
}

std::optional<bool> Value::toBool() const {
    if (m_type != ValueType::Bool) return std::nullopt;
    return m_bits != 0;
}

const std::string* Value::toString() const {
    return m_type == ValueType::String ? &m_string : nullptr;
}

size_t Value::size() const {
    if (!isArray()) return 0;
    if (m_elemType == ValueType::String) return m_strings.size();
    if (m_elemType == ValueType::Array) return m_nested.size();
    if (isFloatType(m_elemType)) return m_floats.size();
    return m_ints.size();
}

std::optional<std::vector<int64_t>> Value::toIntArray() const {
    if (!isArray() || !(isIntegerType(m_elemType) || m_elemType == ValueType::Bool))
        return std::nullopt;
    if (m_elemType == ValueType::U64)
        for (int64_t x : m_ints)
            if (x < 0) return std::nullopt; // a U64 above INT64_MAX
    return m_ints;
}

std::optional<std::vector<float>> Value::toFloatArray() const {
    if (!isArray()) return std::nullopt;
    if (isFloatType(m_elemType)) return std::vector<float>(m_floats.begin(), m_floats.end());
    if (!isIntegerType(m_elemType)) return std::nullopt;
    std::vector<float> out;
    out.reserve(m_ints.size());
    for (int64_t x : m_ints)
        out.push_back(m_elemType == ValueType::U64 ? static_cast<float>(static_cast<uint64_t>(x))
                                                   : static_cast<float>(x));
    return out;
}

const std::vector<std::string>* Value::toStringArray() const {
    return isArray() && m_elemType == ValueType::String ? &m_strings : nullptr;
}

const std::vector<Value>* Value::toNestedArray() const {
    return isArray() && m_elemType == ValueType::Array ? &m_nested : nullptr;
}

std::string Value::describe(size_t maxItems) const {
    constexpr size_t kMaxStringChars = 80;
    switch (m_type) {
    case ValueType::Bool:
        return m_bits ? "true" : "false";
    case ValueType::String:
        return quoted(m_string, kMaxStringChars);
    case ValueType::F32:
    case ValueType::F64:
        return formatDouble(std::bit_cast<double>(m_bits));
    case ValueType::U64:
        return std::to_string(m_bits);
    case ValueType::Array:
        break;
    default:
        return std::to_string(static_cast<int64_t>(m_bits));
    }
    const size_t n = size();
    std::string out = std::string(valueTypeName(m_elemType)) + "[" + std::to_string(n) + "] [";
    for (size_t i = 0; i < n && i < maxItems; ++i) {
        if (i) out += ", ";
        switch (m_elemType) {
        case ValueType::String:
            out += quoted(m_strings[i], kMaxStringChars);
            break;
        case ValueType::Array:
            out += m_nested[i].describe(maxItems);
            break;
        case ValueType::F32:
        case ValueType::F64:
            out += formatDouble(m_floats[i]);
            break;
        case ValueType::Bool:
            out += m_ints[i] ? "true" : "false";
            break;
        case ValueType::U64:
            out += std::to_string(static_cast<uint64_t>(m_ints[i]));
            break;
        default:
            out += std::to_string(m_ints[i]);
            break;
        }
    }
    if (n > maxItems) out += ", ... " + std::to_string(n - maxItems) + " more";
    return out + "]";
}

bool Value::operator==(const Value& o) const {
    if (m_type != o.m_type || m_elemType != o.m_elemType || m_bits != o.m_bits ||
        m_string != o.m_string || m_ints != o.m_ints || m_strings != o.m_strings ||
        m_nested != o.m_nested || m_floats.size() != o.m_floats.size())
        return false;
    // Floats compare by bits: a value read back from a file is identical, NaN included.
    for (size_t i = 0; i < m_floats.size(); ++i)
        if (std::bit_cast<uint64_t>(m_floats[i]) != std::bit_cast<uint64_t>(o.m_floats[i]))
            return false;
    return true;
}

} // namespace dw::gguf
