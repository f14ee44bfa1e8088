#pragma once
// GGUF v2/v3 files (../shared/reference/ENGINE_FACTS.md section 1).
//
// gguf::File maps a file read-only and validates every count, offset, size, type, string
// and alignment against the file before anything is used; a malformed file throws
// dw::Error(ErrorCode::Format) whose message names the field (e.g. "tensor 'blk.0.attn_q.weight':
// data [offset 123, 4096 bytes] lies outside the file (size 2000)"). gguf::Writer writes files
// for fixtures and tools.
#include "deepwell/dtype.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dw::gguf {

enum class ValueType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};
const char* valueTypeName(ValueType t);

// One metadata value: a scalar, a string or an array (arrays may nest).
class Value {
public:
    Value() = default;

    // Construction (used by the writer and by tests).
    static Value integer(ValueType t, int64_t v); // t: any integer type; v must fit it
    static Value u64(uint64_t v);
    static Value floating(ValueType t, double v); // t: F32 or F64
    static Value boolean(bool v);
    static Value string(std::string v);
    static Value intArray(ValueType elem, std::vector<int64_t> v); // elem: integer type except U64 values > INT64_MAX
    static Value floatArray(ValueType elem, std::vector<double> v);
    static Value boolArray(std::vector<bool> v);
    static Value stringArray(std::vector<std::string> v);
    static Value nestedArray(std::vector<Value> v); // elements must all be arrays

    ValueType type() const { return m_type; }
    bool isArray() const { return m_type == ValueType::Array; }
    bool isInteger() const;
    bool isFloat() const;

    // Scalars. Each returns nullopt when the value is not of a fitting kind.
    std::optional<int64_t> toInt() const;   // any integer type whose value fits int64
    std::optional<uint64_t> toUint() const; // any non-negative integer
    std::optional<double> toDouble() const; // float or integer
    std::optional<bool> toBool() const;
    const std::string* toString() const;

    // Arrays.
    ValueType elementType() const { return m_elemType; } // valid when isArray()
    size_t size() const;                                  // number of elements (0 for scalars)
    std::optional<std::vector<int64_t>> toIntArray() const; // integer (or bool) elements
    std::optional<std::vector<float>> toFloatArray() const; // float or integer elements
    const std::vector<std::string>* toStringArray() const;
    const std::vector<Value>* toNestedArray() const;

    // Short human-readable form for `inspect` (arrays show their first maxItems items).
    std::string describe(size_t maxItems = 8) const;

    bool operator==(const Value& o) const;

private:
    friend class Writer; // serializes F64 and U64 arrays exactly, which the accessors above cannot
    ValueType m_type = ValueType::U8;
    ValueType m_elemType = ValueType::U8;
    uint64_t m_bits = 0; // integer bits, bool, or a double's bits
    std::string m_string;
    std::vector<int64_t> m_ints;    // integer/bool arrays (U64 stored as bits)
    std::vector<double> m_floats;   // float arrays
    std::vector<std::string> m_strings;
    std::vector<Value> m_nested;
};

struct TensorInfo {
    std::string name;
    DType type = DType::F32;
    uint32_t nDims = 0;
    std::array<int64_t, 4> ne{1, 1, 1, 1}; // ne[0] fastest; missing dims are 1
    uint64_t offset = 0;                   // relative to the start of the data section
    uint64_t nBytes = 0;
    const uint8_t* data = nullptr;         // into the mapping; valid while the File lives

    int64_t nElements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    int64_t nRows() const { return ne[1] * ne[2] * ne[3]; }
};

class File {
public:
    // Maps and validates the file. Throws dw::Error (Io or Format).
    static std::unique_ptr<File> open(const std::string& path);
    // Validates a buffer that the caller keeps alive while the File lives (tests, fuzzing).
    static std::unique_ptr<File> fromMemory(const uint8_t* data, size_t size,
                                            std::string name = "<memory>");
    ~File();
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    const std::string& path() const { return m_path; }
    uint32_t version() const { return m_version; }
    uint32_t alignment() const { return m_alignment; }
    uint64_t fileSize() const { return m_size; }
    uint64_t dataOffset() const { return m_dataOffset; }

    // Metadata in file order.
    const std::vector<std::pair<std::string, Value>>& metadata() const { return m_metadata; }
    const Value* find(std::string_view key) const;

    // Typed look-ups: nullopt when the key is absent; throw Error(Format) naming the key
    // when it is present with a type that does not fit.
    std::optional<int64_t> getInt(std::string_view key) const;
    std::optional<double> getFloat(std::string_view key) const;
    std::optional<bool> getBool(std::string_view key) const;
    std::optional<std::string> getString(std::string_view key) const;

    const std::vector<TensorInfo>& tensors() const { return m_tensors; }
    const TensorInfo* findTensor(std::string_view name) const;

    // Start of the mapping (for page hints and progress while loading).
    const uint8_t* base() const { return m_base; }

private:
    File() = default;
    void parse();

    std::string m_path;
    const uint8_t* m_base = nullptr;
    uint64_t m_size = 0;
    bool m_mapped = false;
    uint32_t m_version = 0;
    uint32_t m_alignment = 32;
    uint64_t m_dataOffset = 0;
    std::vector<std::pair<std::string, Value>> m_metadata;
    std::vector<TensorInfo> m_tensors;
};

// Writes GGUF v3 files. Metadata keeps insertion order; set() on an existing key replaces
// its value in place.
class Writer {
public:
    explicit Writer(uint32_t alignment = 32);

    void set(const std::string& key, Value value);
    // Tensor whose bytes are copied now.
    void addTensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                   const void* data, size_t nBytes);
    // Tensor whose bytes are produced while writing: fill(dst) must write exactly the
    // tensor's size (rowBytes(type, ne[0]) * rows) into dst. Lets tools stream big models.
    using Fill = std::function<void(uint8_t* dst)>;
    void addTensor(const std::string& name, DType type, const std::vector<int64_t>& ne, Fill fill);

    // Writes to path (through a temporary file renamed into place, so a failed write never
    // leaves a half file). Throws dw::Error(Io) naming the path and the cause (e.g. disk full).
    // progress(done, total) is called after each tensor when given.
    void write(const std::string& path,
               const std::function<void(size_t done, size_t total)>& progress = {}) const;
    std::vector<uint8_t> toBytes() const;

    size_t tensorCount() const { return m_tensors.size(); }

private:
    struct PendingTensor {
        std::string name;
        DType type;
        std::vector<int64_t> ne;
        uint64_t nBytes;
        std::vector<uint8_t> bytes; // when copied
        Fill fill;                  // when streamed
    };
    template <typename Sink> void writeTo(Sink& sink, const std::function<void(size_t, size_t)>& progress) const;

    uint32_t m_alignment;
    std::vector<std::pair<std::string, Value>> m_metadata;
    std::vector<PendingTensor> m_tensors;
};

} // namespace dw::gguf
