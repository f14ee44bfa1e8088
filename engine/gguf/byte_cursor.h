#pragma once
// A bounds-checked little-endian reader over a caller-owned byte range [data, data + size).
//
// Every read names what it reads through `where`, a callable returning the field's description
// ("metadata key #3 ('general.name')"); it is only called when the read fails, so the hot loops
// over 256k-entry vocabularies build no strings. A failed read throws dw::Error(Format) as
// "<file>: <where>: <problem> (offset P, file size S)".
#include "deepwell/error.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace dw::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader and writer assume a little-endian host");

class ByteCursor {
public:
    ByteCursor(const uint8_t* data, uint64_t size, std::string_view fileName)
        : m_data(data), m_size(size), m_fileName(fileName) {}

    uint64_t pos() const { return m_pos; }
    uint64_t size() const { return m_size; }
    uint64_t remaining() const { return m_size - m_pos; }
    const uint8_t* data() const { return m_data; }
    std::string_view fileName() const { return m_fileName; }

    template <typename T, typename Where> T read(const Where& where) {
        static_assert(std::is_arithmetic_v<T>);
        if (remaining() < sizeof(T)) failTruncated(where(), sizeof(T));
        T v;
        std::memcpy(&v, m_data + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }

    // A gguf_string: u64 byte length, then the bytes (no NUL). The view points into the buffer.
    template <typename Where> std::string_view readString(const Where& where) {
        if (remaining() < sizeof(uint64_t)) failTruncated(where() + ": string length", 8);
        uint64_t len;
        std::memcpy(&len, m_data + m_pos, sizeof len);
        m_pos += sizeof len;
        if (len > remaining())
            fail(where(),
                 "string length " + std::to_string(len) + " runs past the end of the file");
        std::string_view s(reinterpret_cast<const char*>(m_data + m_pos), len);
        m_pos += len;
        return s;
    }

    // Throws Error(Format) "<file>: <where>: <problem> (offset <pos>, file size <size>)".
    [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
        failAt(m_pos, where, problem);
    }
    [[noreturn]] void failAt(uint64_t offset, const std::string& where,
                             const std::string& problem) const;
    [[noreturn]] void failTruncated(const std::string& where, uint64_t need) const;

private:
    const uint8_t* m_data;
    uint64_t m_size;
    uint64_t m_pos = 0;
    std::string_view m_fileName;
};

} // namespace dw::gguf
