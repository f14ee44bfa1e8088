// Key-value records (ENGINE_FACTS.md 1.3, 1.4): key gguf_string, u32 value type, value.
#include "gguf/gguf_limits.h"
#include "gguf/gguf_parse.h"

#include <unordered_map>

namespace dw::gguf {
namespace {

constexpr uint32_t kValueTypeCount = 13;

// Fewest bytes one element of type t takes in a file: bounds an array's element count by the
// bytes left before the element vector is allocated.
uint64_t minEncodedBytes(ValueType t) {
    switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::Bool:
        return 1;
    case ValueType::U16:
    case ValueType::I16:
        return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32:
        return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64:
    case ValueType::String:
        return 8; // the length of an empty string
    case ValueType::Array:
        return 12; // element type + element count of an empty array
    }
    return 1;
}

class MetadataReader {
public:
    explicit MetadataReader(ByteCursor& cur) : m_cur(cur) {}

    ParsedMetadata readAll(uint64_t count) {
        ParsedMetadata out;
        out.entries.reserve(reserveFor(count));
        std::unordered_map<std::string_view, uint64_t> seen; // views into the buffer
        seen.reserve(reserveFor(count));
        for (m_index = 0; m_index < count; ++m_index) {
            m_key = {};
            m_haveKey = false;
            const uint64_t keyPos = m_cur.pos();
            const std::string_view key = m_cur.readString([&] { return where() + ": key"; });
            checkKey(key, keyPos + 8);
            m_key = key;
            m_haveKey = true;
            const auto [it, fresh] = seen.emplace(key, m_index);
            if (!fresh)
                m_cur.failAt(keyPos, where(),
                             "duplicate key (first seen as metadata key #" +
                                 std::to_string(it->second) + ")");
            const ValueType type = readType("value type");
            Value value = type == ValueType::Array ? readArray(1) : readScalar(type);
            if (key == kAlignmentKey) out.alignment = checkAlignment(value, keyPos);
            out.entries.emplace_back(std::string(key), std::move(value));
        }
        return out;
    }

private:
    // "metadata key #3 ('tokenizer.ggml.tokens'): array element [2][17]"
    std::string where() const {
        // Appended piecewise: "literal" + std::string&& trips g++ 12's -Wrestrict (a false
        // positive at -O3).
        std::string s = "metadata key #";
        s += std::to_string(m_index);
        if (m_haveKey) {
            s += " ('";
            s += printable(m_key);
            s += "')";
        }
        if (!m_path.empty()) {
            s += ": array element ";
            for (uint64_t i : m_path) {
                s += '[';
                s += std::to_string(i);
                s += ']';
            }
        }
        return s;
    }

    void checkKey(std::string_view key, uint64_t bytesPos) {
        if (key.empty()) m_cur.failAt(bytesPos, where(), "empty key");
        if (key.size() > kMaxKeyBytes)
            m_cur.failAt(bytesPos, where(),
                         "key length " + std::to_string(key.size()) + " exceeds the limit of " +
                             std::to_string(kMaxKeyBytes) + " bytes");
        size_t bad = 0;
        if (!isValidUtf8(key, &bad))
            m_cur.failAt(bytesPos + bad, where(),
                         "key is not valid UTF-8 (bad byte at index " + std::to_string(bad) +
                             "): '" + printable(key) + "'");
    }

    ValueType readType(const char* field) {
        const uint64_t pos = m_cur.pos();
        const auto id = m_cur.read<uint32_t>([&] { return where() + ": " + field; });
        if (id >= kValueTypeCount)
            m_cur.failAt(pos, where(),
                         std::string(field) + " " + std::to_string(id) +
                             " is not a GGUF value type (0..12)");
        return static_cast<ValueType>(id);
    }

    template <typename T> int64_t readInt() {
        return static_cast<int64_t>(m_cur.read<T>([&] { return where(); }));
    }

    int64_t readIntOf(ValueType t) {
        switch (t) {
        case ValueType::U8:
            return readInt<uint8_t>();
        case ValueType::I8:
            return readInt<int8_t>();
        case ValueType::U16:
            return readInt<uint16_t>();
        case ValueType::I16:
            return readInt<int16_t>();
        case ValueType::U32:
            return readInt<uint32_t>();
        case ValueType::I32:
            return readInt<int32_t>();
        case ValueType::U64:
            return readInt<uint64_t>(); // bit pattern, see Value::intArray
        case ValueType::I64:
            return readInt<int64_t>();
        default:
            DW_ASSERT(false);
        }
        return 0;
    }

    double readFloatOf(ValueType t) {
        if (t == ValueType::F32) return m_cur.read<float>([&] { return where(); });
        return m_cur.read<double>([&] { return where(); });
    }

    bool readBool() {
        const uint64_t pos = m_cur.pos();
        const auto b = m_cur.read<uint8_t>([&] { return where(); });
        if (b > 1) m_cur.failAt(pos, where(), "bool value " + std::to_string(b) + " is not 0 or 1");
        return b == 1;
    }

    std::string readUtf8String() {
        const std::string_view s = m_cur.readString([&] { return where(); });
        size_t bad = 0;
        if (!isValidUtf8(s, &bad))
            m_cur.failAt(m_cur.pos() - s.size() + bad, where(),
                         "string value is not valid UTF-8 (bad byte at index " +
                             std::to_string(bad) + ")");
        return std::string(s);
    }

    Value readScalar(ValueType t) {
        switch (t) {
        case ValueType::Bool:
            return Value::boolean(readBool());
        case ValueType::String:
            return Value::string(readUtf8String());
        case ValueType::F32:
        case ValueType::F64:
            return Value::floating(t, readFloatOf(t));
        case ValueType::U64:
            return Value::u64(static_cast<uint64_t>(readIntOf(t)));
        case ValueType::Array:
            DW_ASSERT(false);
            break;
        default:
            return Value::integer(t, readIntOf(t));
        }
        return {};
    }

    // ARRAY body: u32 element type, u64 element count, the elements back to back.
    Value readArray(int depth) {
        if (depth > kMaxArrayDepth)
            m_cur.fail(where(),
                       "arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
        const ValueType elem = readType("array element type");
        const uint64_t countPos = m_cur.pos();
        const auto count = m_cur.read<uint64_t>([&] { return where() + ": array element count"; });
        const uint64_t minBytes = minEncodedBytes(elem);
        if (count > m_cur.remaining() / minBytes)
            m_cur.failAt(countPos, where(),
                         "array element count " + std::to_string(count) + " cannot fit: each " +
                             valueTypeName(elem) + " element takes at least " +
                             std::to_string(minBytes) + " bytes and only " +
                             std::to_string(m_cur.remaining()) + " bytes remain");
        m_path.push_back(0);
        Value v = readElements(elem, count, depth);
        m_path.pop_back();
        return v;
    }

    Value readElements(ValueType elem, uint64_t count, int depth) {
        switch (elem) {
        case ValueType::String: {
            std::vector<std::string> v;
            v.reserve(reserveFor(count));
            for (uint64_t i = 0; i < count; ++i) {
                m_path.back() = i;
                v.push_back(readUtf8String());
            }
            return Value::stringArray(std::move(v));
        }
        case ValueType::Array: {
            std::vector<Value> v;
            v.reserve(reserveFor(count));
            for (uint64_t i = 0; i < count; ++i) {
                m_path.back() = i;
                v.push_back(readArray(depth + 1));
            }
            return Value::nestedArray(std::move(v));
        }
        case ValueType::F32:
        case ValueType::F64: {
            std::vector<double> v;
            v.reserve(reserveFor(count));
            for (uint64_t i = 0; i < count; ++i) {
                m_path.back() = i;
                v.push_back(readFloatOf(elem));
            }
            return Value::floatArray(elem, std::move(v));
        }
        case ValueType::Bool: {
            std::vector<bool> v;
            v.reserve(reserveFor(count));
            for (uint64_t i = 0; i < count; ++i) {
                m_path.back() = i;
                v.push_back(readBool());
            }
            return Value::boolArray(std::move(v));
        }
        default: {
            std::vector<int64_t> v;
            v.reserve(reserveFor(count));
            for (uint64_t i = 0; i < count; ++i) {
                m_path.back() = i;
                v.push_back(readIntOf(elem));
            }
            return Value::intArray(elem, std::move(v));
        }
        }
    }

    uint32_t checkAlignment(const Value& v, uint64_t keyPos) {
        if (v.type() != ValueType::U32)
            m_cur.failAt(keyPos, where(),
                         std::string("must be UINT32, found ") + valueTypeName(v.type()));
        const uint64_t a = *v.toUint();
        if (!isPowerOfTwo(a))
            m_cur.failAt(keyPos, where(),
                         "alignment " + std::to_string(a) + " is not a non-zero power of two");
        return static_cast<uint32_t>(a);
    }

    ByteCursor& m_cur;
    uint64_t m_index = 0;
    std::string_view m_key; // into the buffer
    bool m_haveKey = false;
    std::vector<uint64_t> m_path; // element index per open array level
};

} // namespace

ParsedMetadata readMetadata(ByteCursor& cur, uint64_t count) {
    return MetadataReader(cur).readAll(count);
}

} // namespace dw::gguf
