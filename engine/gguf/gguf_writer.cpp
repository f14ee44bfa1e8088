// gguf::Writer: GGUF v3 files (ENGINE_FACTS.md section 1).
// Output: header, KV records in insertion order, tensor infos, zero padding to the alignment,
// then each tensor at the next aligned offset. No padding follows the last tensor, so every
// byte of the file is needed and any truncation is detectable.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "gguf/file_sink.h"
#include "gguf/gguf_limits.h"

#include <bit>
#include <cstring>

namespace dw::gguf {
namespace {

[[noreturn]] void badArgument(const std::string& what) {
    throw Error(ErrorCode::InvalidArgument, "gguf::Writer: " + what);
}

void checkUtf8(std::string_view s, const std::string& what) {
    if (!isValidUtf8(s)) badArgument(what + " is not valid UTF-8: '" + printable(s) + "'");
}

// Everything the reader would reject in a value: invalid UTF-8 strings, nesting too deep.
void checkValue(const Value& v, const std::string& key, int depth) {
    if (v.type() == ValueType::String) checkUtf8(*v.toString(), "string value of '" + key + "'");
    if (!v.isArray()) return;
    if (depth > kMaxArrayDepth)
        badArgument("value of '" + key + "' nests arrays deeper than " +
                    std::to_string(kMaxArrayDepth) + " levels");
    if (const auto* strings = v.toStringArray())
        for (const auto& s : *strings) checkUtf8(s, "string element of '" + key + "'");
    if (const auto* nested = v.toNestedArray())
        for (const auto& e : *nested) checkValue(e, key, depth + 1);
}

// Sink over a byte vector (toBytes()).
class MemorySink {
public:
    explicit MemorySink(std::vector<uint8_t>& out) : m_out(out) {}
    void write(const void* p, size_t n) {
        // resize + memcpy: vector::insert here trips g++ 12's -Wstringop-overflow at -O3.
        const size_t old = m_out.size();
        m_out.resize(old + n);
        if (n) std::memcpy(m_out.data() + old, p, n);
    }
    void zeros(size_t n) { m_out.resize(m_out.size() + n, 0); }
    uint8_t* fillBuffer(size_t n) {
        m_out.resize(m_out.size() + n);
        return m_out.data() + m_out.size() - n;
    }
    void commitFill(size_t) {}

private:
    std::vector<uint8_t>& m_out;
};

} // namespace

Writer::Writer(uint32_t alignment) : m_alignment(kDefaultAlignment) {
    if (!isPowerOfTwo(alignment))
        badArgument("alignment " + std::to_string(alignment) + " is not a non-zero power of two");
    if (alignment != kDefaultAlignment)
        set(std::string(kAlignmentKey), Value::integer(ValueType::U32, alignment));
}

void Writer::set(const std::string& key, Value value) {
    if (key.empty()) badArgument("empty metadata key");
    if (key.size() > kMaxKeyBytes)
        badArgument("metadata key of " + std::to_string(key.size()) + " bytes exceeds " +
                    std::to_string(kMaxKeyBytes));
    checkUtf8(key, "metadata key");
    checkValue(value, key, 1);
    if (key == kAlignmentKey) {
        const auto a = value.toUint();
        if (value.type() != ValueType::U32 || !isPowerOfTwo(*a))
            badArgument("general.alignment must be a UINT32 non-zero power of two, got " +
                        std::string(valueTypeName(value.type())) + " " + value.describe());
        m_alignment = static_cast<uint32_t>(*a);
    }
    for (auto& [k, v] : m_metadata) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    m_metadata.emplace_back(key, std::move(value));
}

namespace {

// Size in bytes of a tensor, after the checks the reader makes on every tensor-info record.
uint64_t checkedTensorBytes(const std::string& name, DType type, const std::vector<int64_t>& ne) {
    const auto id = static_cast<uint32_t>(type);
    if (!isKnownDTypeId(id))
        badArgument("tensor '" + name + "': type id " + std::to_string(id) + " is unknown");
    if (ne.empty() || ne.size() > kMaxDims)
        badArgument("tensor '" + name + "': " + std::to_string(ne.size()) +
                    " dimensions, expected 1..4");
    int64_t elements = 1;
    for (int64_t n : ne) {
        if (n < 1) badArgument("tensor '" + name + "': dimension " + std::to_string(n) + " < 1");
        if (__builtin_mul_overflow(elements, n, &elements))
            badArgument("tensor '" + name + "': element count overflows int64");
    }
    const DTypeTraits& tr = dtypeTraits(type);
    if (ne[0] % tr.blockSize != 0)
        badArgument("tensor '" + name + "': ne[0] = " + std::to_string(ne[0]) +
                    " is not a multiple of the block size " + std::to_string(tr.blockSize) +
                    " of " + std::string(tr.name));
    uint64_t row = 0, bytes = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(ne[0] / tr.blockSize), uint64_t{tr.blockBytes},
                               &row) ||
        __builtin_mul_overflow(row, static_cast<uint64_t>(elements / ne[0]), &bytes))
        badArgument("tensor '" + name + "': byte size overflows");
    return bytes;
}

} // namespace

void Writer::addTensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                       const void* data, size_t nBytes) {
    const uint64_t expected = checkedTensorBytes(name, type, ne);
    if (nBytes != expected)
        badArgument("tensor '" + name + "': " + std::to_string(nBytes) + " bytes given, " +
                    std::to_string(expected) + " expected for its type and shape");
    if (!data) badArgument("tensor '" + name + "': null data");
    addTensor(name, type, ne, Fill{});
    const auto* p = static_cast<const uint8_t*>(data);
    m_tensors.back().bytes.assign(p, p + nBytes);
}

void Writer::addTensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                       Fill fill) {
    if (name.empty()) badArgument("empty tensor name");
    if (name.size() > kMaxTensorNameBytes)
        badArgument("tensor name '" + name + "' is " + std::to_string(name.size()) +
                    " bytes long; the limit is " + std::to_string(kMaxTensorNameBytes));
    checkUtf8(name, "tensor name");
    for (const auto& t : m_tensors)
        if (t.name == name) badArgument("duplicate tensor name '" + name + "'");
    const uint64_t nBytes = checkedTensorBytes(name, type, ne);
    m_tensors.push_back(PendingTensor{name, type, ne, nBytes, {}, std::move(fill)});
}

template <typename Sink>
void Writer::writeTo(Sink& sink, const std::function<void(size_t, size_t)>& progress) const {
    uint64_t written = 0;
    auto raw = [&](const void* p, size_t n) {
        sink.write(p, n);
        written += n;
    };
    auto pod = [&](auto v) { raw(&v, sizeof v); };
    auto str = [&](std::string_view s) {
        pod(uint64_t{s.size()});
        raw(s.data(), s.size());
    };
    // A local class may use Value's private members, as Writer (a friend) may.
    struct ValueEncoder {
        decltype(pod)& putPod;
        decltype(str)& putStr;
        void scalar(ValueType t, uint64_t bits) {
            switch (t) {
            case ValueType::U8:
            case ValueType::I8:
            case ValueType::Bool:
                putPod(static_cast<uint8_t>(bits));
                break;
            case ValueType::U16:
            case ValueType::I16:
                putPod(static_cast<uint16_t>(bits));
                break;
            case ValueType::U32:
            case ValueType::I32:
                putPod(static_cast<uint32_t>(bits));
                break;
            case ValueType::F32:
                putPod(static_cast<float>(std::bit_cast<double>(bits)));
                break;
            case ValueType::F64:
                putPod(std::bit_cast<double>(bits));
                break;
            default:
                putPod(bits);
                break; // U64, I64
            }
        }
        void arrayBody(const Value& v) {
            putPod(static_cast<uint32_t>(v.m_elemType));
            putPod(uint64_t{v.size()});
            switch (v.m_elemType) {
            case ValueType::String:
                for (const auto& s : v.m_strings) putStr(s);
                break;
            case ValueType::Array:
                for (const auto& e : v.m_nested) arrayBody(e);
                break;
            case ValueType::F32:
            case ValueType::F64:
                for (double d : v.m_floats) scalar(v.m_elemType, std::bit_cast<uint64_t>(d));
                break;
            default:
                for (int64_t i : v.m_ints) scalar(v.m_elemType, static_cast<uint64_t>(i));
                break;
            }
        }
        void value(const Value& v) {
            if (v.m_type == ValueType::String)
                putStr(v.m_string);
            else if (v.m_type == ValueType::Array)
                arrayBody(v);
            else
                scalar(v.m_type, v.m_bits);
        }
    };
    ValueEncoder enc{pod, str};

    raw("GGUF", 4);
    pod(kVersion);
    pod(uint64_t{m_tensors.size()});
    pod(uint64_t{m_metadata.size()});
    for (const auto& [key, value] : m_metadata) {
        str(key);
        pod(static_cast<uint32_t>(value.type()));
        enc.value(value);
    }
    std::vector<uint64_t> offsets;
    uint64_t end = 0;
    for (const auto& t : m_tensors) {
        offsets.push_back(alignUp(end, m_alignment));
        end = offsets.back() + t.nBytes;
        str(t.name);
        pod(static_cast<uint32_t>(t.ne.size()));
        for (int64_t n : t.ne) pod(static_cast<uint64_t>(n));
        pod(static_cast<uint32_t>(t.type));
        pod(offsets.back());
    }
    const uint64_t dataStart = m_tensors.empty() ? written : alignUp(written, m_alignment);
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        const PendingTensor& t = m_tensors[i];
        const uint64_t at = dataStart + offsets[i];
        DW_ASSERT(at >= written);
        sink.zeros(at - written);
        written = at;
        if (t.fill) {
            t.fill(sink.fillBuffer(t.nBytes));
            sink.commitFill(t.nBytes);
        } else {
            sink.write(t.bytes.data(), t.bytes.size());
        }
        written += t.nBytes;
        if (progress) progress(i + 1, m_tensors.size());
    }
}

std::vector<uint8_t> Writer::toBytes() const {
    std::vector<uint8_t> out;
    MemorySink sink(out);
    writeTo(sink, {});
    return out;
}

void Writer::write(const std::string& path,
                   const std::function<void(size_t, size_t)>& progress) const {
    FileSink sink(path); // creates the temporary file next to path
    writeTo(sink, progress);
    sink.commit(); // flush, fsync, rename into place; the destructor removes it on failure
}

} // namespace dw::gguf
