#pragma once
// Test helpers for the GGUF suites: RawGguf writes GGUF bytes field by field, so tests can build
// files the Writer would refuse to write (broken counts, types, names, offsets), and
// formatError() parses bytes and returns the dw::Error message.
#include "deepwell/error.h"
#include "deepwell/gguf.h"

#include <QString>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dw::gguf::test {

class RawGguf {
public:
    template <typename T> RawGguf& pod(T v) {
        const size_t at = m_bytes.size();
        m_bytes.resize(at + sizeof v);
        std::memcpy(m_bytes.data() + at, &v, sizeof v);
        return *this;
    }
    RawGguf& u8(uint8_t v) { return pod(v); }
    RawGguf& u32(uint32_t v) { return pod(v); }
    RawGguf& u64(uint64_t v) { return pod(v); }
    RawGguf& bytes(std::string_view s) {
        // resize + memcpy: vector::insert here trips g++ 12's -Wstringop-overflow at -O3.
        const size_t at = m_bytes.size();
        m_bytes.resize(at + s.size());
        if (!s.empty()) std::memcpy(m_bytes.data() + at, s.data(), s.size());
        return *this;
    }
    RawGguf& str(std::string_view s) { return u64(s.size()).bytes(s); }
    RawGguf& zeros(size_t n) {
        m_bytes.resize(m_bytes.size() + n, 0);
        return *this;
    }
    RawGguf& padTo(size_t alignment) {
        return zeros((alignment - m_bytes.size() % alignment) % alignment);
    }

    RawGguf& header(uint64_t nTensors, uint64_t nKv, uint32_t version = 3) {
        return bytes("GGUF").u32(version).u64(nTensors).u64(nKv);
    }
    RawGguf& kvU32(std::string_view key, uint32_t v) { return str(key).u32(4).u32(v); }
    RawGguf& kvString(std::string_view key, std::string_view v) { return str(key).u32(8).str(v); }
    // name, n_dims, ne..., type, offset
    RawGguf& tensorInfo(std::string_view name, const std::vector<uint64_t>& ne, uint32_t type,
                        uint64_t offset) {
        str(name).u32(static_cast<uint32_t>(ne.size()));
        for (uint64_t n : ne) u64(n);
        return u32(type).u64(offset);
    }

    // Records the current size under a name (to cut the file inside a given field).
    RawGguf& mark(const std::string& name) {
        m_marks[name] = m_bytes.size();
        return *this;
    }
    size_t at(const std::string& name) const { return m_marks.at(name); }

    size_t size() const { return m_bytes.size(); }
    const std::vector<uint8_t>& data() const { return m_bytes; }
    std::vector<uint8_t> prefix(size_t n) const {
        return std::vector<uint8_t>(m_bytes.begin(), m_bytes.begin() + static_cast<long>(n));
    }

private:
    std::vector<uint8_t> m_bytes;
    std::map<std::string, size_t> m_marks;
};

// Parses bytes from a buffer of exactly that size (so ASan would catch a read past it).
// Returns the Error message and code; an empty message means the file parsed.
struct ParseResult {
    QString message;
    ErrorCode code = ErrorCode::Internal;
};

inline ParseResult formatError(const std::vector<uint8_t>& bytes) {
    std::vector<uint8_t> exact(bytes); // capacity == size after the copy
    try {
        File::fromMemory(exact.data(), exact.size(), "test.gguf");
    } catch (const Error& e) {
        return {QString::fromStdString(e.what()), e.code()};
    }
    return {};
}

inline QByteArray toQByteArray(const std::vector<uint8_t>& v) {
    return QByteArray(reinterpret_cast<const char*>(v.data()), static_cast<qsizetype>(v.size()));
}

inline std::vector<uint8_t> fromQByteArray(const QByteArray& a) {
    return std::vector<uint8_t>(a.begin(), a.end());
}

} // namespace dw::gguf::test
