// gguf::File: mapping, header, and typed metadata look-ups (ENGINE_FACTS.md section 1).
// Layout: header (magic, u32 version, u64 tensor_count, u64 metadata_kv_count), KV records,
// tensor-info records, zero padding to the alignment, tensor data.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "gguf/gguf_limits.h"
#include "gguf/gguf_parse.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dw::gguf {
namespace {

[[noreturn]] void ioError(const std::string& path, const std::string& what, int err) {
    throw Error(ErrorCode::Io, "cannot " + what + " '" + path + "': " + std::strerror(err));
}

std::string hexBytes(const uint8_t* p, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", p[i]);
        s += buf;
    }
    return s;
}

// Closes the descriptor on every path out of File::open.
struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};

} // namespace

std::unique_ptr<File> File::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) ioError(path, "open", errno);
    FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) ioError(path, "stat", errno);
    if (S_ISDIR(st.st_mode))
        throw Error(ErrorCode::Io,
                    "cannot open '" + path + "': it is a directory, not a GGUF file");
    if (!S_ISREG(st.st_mode))
        throw Error(ErrorCode::Io, "cannot open '" + path + "': not a regular file");
    // An empty file is the zero-byte prefix of a GGUF file: malformed, like any truncation.
    if (st.st_size == 0)
        throw Error(ErrorCode::Format, path + ": file is empty (0 bytes); a GGUF file starts "
                                              "with a 24-byte header");
    const auto size = static_cast<uint64_t>(st.st_size);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) ioError(path, "map", errno);

    std::unique_ptr<File> f(new File());
    f->m_path = path;
    f->m_base = static_cast<const uint8_t*>(p);
    f->m_size = size;
    f->m_mapped = true; // from here the destructor unmaps, also when parse() throws
    f->parse();
    return f;
}

std::unique_ptr<File> File::fromMemory(const uint8_t* data, size_t size, std::string name) {
    std::unique_ptr<File> f(new File());
    f->m_path = std::move(name);
    f->m_base = data;
    f->m_size = data ? size : 0;
    f->parse();
    return f;
}

File::~File() {
    if (m_mapped) ::munmap(const_cast<uint8_t*>(m_base), m_size);
}

void File::parse() {
    ByteCursor cur(m_base, m_size, m_path);
    if (m_size < 4) cur.failTruncated("header: magic", 4);
    if (std::memcmp(m_base, "FUGG", 4) == 0)
        cur.fail("header: magic",
                 "reads as \"FUGG\", the byte-swapped magic: this is a "
                 "big-endian GGUF file, and only little-endian files are supported");
    if (std::memcmp(m_base, "GGUF", 4) != 0)
        cur.fail("header: magic", "expected \"GGUF\" (47 47 55 46), found " + hexBytes(m_base, 4) +
                                      "; this is not a GGUF file");
    (void)cur.read<uint32_t>([] { return std::string("header: magic"); });

    m_version = cur.read<uint32_t>([] { return std::string("header: version"); });
    auto versionError = [&](const std::string& problem) {
        cur.failAt(4, "header: version", problem);
    };
    // A big-endian file stores version 3 as 00 00 00 03, which reads as 0x03000000 here.
    if ((m_version & 0xFFFF) == 0 && m_version != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08x", m_version);
        versionError(
            std::string("reads as ") + buf + ", the byte-swapped form of " +
            std::to_string(m_version >> 24) +
            ": this is a big-endian GGUF file, and only little-endian files are supported");
    }
    if (m_version == 0) versionError("version 0 is not a valid GGUF version");
    if (m_version == 1)
        versionError("GGUF v1 is not supported (it used 32-bit counts and lengths); convert the "
                     "model again with a current tool");
    if (m_version > kVersion)
        versionError("version " + std::to_string(m_version) +
                     " is newer than the supported versions 2 and 3");

    const auto tensorCount = cur.read<uint64_t>([] { return std::string("header: tensor_count"); });
    const auto kvCount =
        cur.read<uint64_t>([] { return std::string("header: metadata_kv_count"); });
    // Counts are checked against the bytes that follow, so a huge count fails here instead of
    // sizing an allocation.
    const uint64_t rest = cur.remaining();
    if (kvCount > rest / kMinKvBytes)
        cur.failAt(16, "header: metadata_kv_count",
                   std::to_string(kvCount) + " records cannot fit: each takes at least " +
                       std::to_string(kMinKvBytes) + " bytes and only " + std::to_string(rest) +
                       " bytes follow the header");
    const uint64_t restForTensors = rest - kvCount * kMinKvBytes;
    if (tensorCount > restForTensors / kMinTensorInfoBytes)
        cur.failAt(8, "header: tensor_count",
                   std::to_string(tensorCount) + " records cannot fit: each takes at least " +
                       std::to_string(kMinTensorInfoBytes) + " bytes and only " +
                       std::to_string(restForTensors) +
                       " bytes follow the header and the smallest possible metadata");

    ParsedMetadata meta = readMetadata(cur, kvCount);
    m_metadata = std::move(meta.entries);
    m_alignment = meta.alignment;
    m_tensors = readTensorInfos(cur, tensorCount);
    m_dataOffset = alignUp(cur.pos(), m_alignment);
    placeTensors(cur, m_tensors, m_dataOffset, m_alignment);
}

const Value* File::find(std::string_view key) const {
    for (const auto& [k, v] : m_metadata)
        if (k == key) return &v;
    return nullptr;
}

const TensorInfo* File::findTensor(std::string_view name) const {
    for (const auto& t : m_tensors)
        if (t.name == name) return &t;
    return nullptr;
}

namespace {

[[noreturn]] void typeError(const std::string& path, std::string_view key, const Value& v,
                            const char* expected) {
    throw Error(ErrorCode::Format, path + ": metadata key '" + std::string(key) + "' has type " +
                                       valueTypeName(v.type()) + ", expected " + expected);
}

} // namespace

// Integer keys may be stored with any integer width (the Python writer uses UINT32, others
// INT32 or UINT64), so every integer type is accepted.
std::optional<int64_t> File::getInt(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (!v->isInteger()) typeError(m_path, key, *v, "an integer");
    const auto i = v->toInt();
    if (!i)
        throw Error(ErrorCode::Format, m_path + ": metadata key '" + std::string(key) + "' value " +
                                           v->describe() + " exceeds INT64_MAX");
    return i;
}

std::optional<double> File::getFloat(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (!v->isFloat() && !v->isInteger()) typeError(m_path, key, *v, "a number");
    return v->toDouble();
}

std::optional<bool> File::getBool(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (v->type() != ValueType::Bool) typeError(m_path, key, *v, "BOOL");
    return v->toBool();
}

std::optional<std::string> File::getString(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (v->type() != ValueType::String) typeError(m_path, key, *v, "STRING");
    return *v->toString();
}

} // namespace dw::gguf
