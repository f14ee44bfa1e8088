#include "gguf/file_sink.h"

#include "deepwell/error.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dw::gguf {
namespace {

constexpr size_t kBufferBytes = 1 << 20;

// Distinguishes temporary files of concurrent writes from one process.
std::atomic<unsigned> g_tempCounter{0};

} // namespace

FileSink::FileSink(std::string path) : m_path(std::move(path)) {
    // O_EXCL with a fresh name: never truncates someone else's file; mode 0666 lets the umask
    // give the final file the usual permissions.
    for (int attempt = 0; attempt < 100 && m_fd < 0; ++attempt) {
        m_tmpPath = m_path + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(g_tempCounter.fetch_add(1));
        m_fd = ::open(m_tmpPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (m_fd < 0 && errno != EEXIST) break;
    }
    if (m_fd < 0) {
        const int err = errno;
        m_tmpPath.clear(); // nothing to remove
        throw Error(ErrorCode::Io, "cannot write '" + m_path + "': cannot create a temporary " +
                                       "file next to it: " + std::strerror(err));
    }
    m_buffer.reserve(kBufferBytes);
}

FileSink::~FileSink() {
    if (m_fd >= 0) ::close(m_fd);
    if (!m_committed && !m_tmpPath.empty()) ::unlink(m_tmpPath.c_str());
}

void FileSink::fail(const char* what, int err) const {
    throw Error(ErrorCode::Io, "cannot write '" + m_path + "': " + what + ": " +
                                   std::strerror(err) + " (temporary file '" + m_tmpPath + "')");
}

void FileSink::writeFully(const uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t k = ::write(m_fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            fail("write failed", errno);
        }
        if (k == 0) fail("write made no progress", EIO);
        p += k;
        n -= static_cast<size_t>(k);
    }
}

void FileSink::flush() {
    writeFully(m_buffer.data(), m_buffer.size());
    m_buffer.clear();
}

void FileSink::write(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    if (m_buffer.size() + n > kBufferBytes) flush();
    if (n >= kBufferBytes) {
        writeFully(b, n); // large tensors go straight through
        return;
    }
    m_buffer.insert(m_buffer.end(), b, b + n);
}

void FileSink::zeros(size_t n) {
    if (m_buffer.size() + n > kBufferBytes) flush();
    if (n >= kBufferBytes) {
        const std::vector<uint8_t> z(n, 0); // only for alignments of 1 MiB or more
        writeFully(z.data(), z.size());
        return;
    }
    m_buffer.resize(m_buffer.size() + n, 0);
}

uint8_t* FileSink::fillBuffer(size_t n) {
    m_fill.resize(n);
    return m_fill.data();
}

void FileSink::commitFill(size_t n) {
    write(m_fill.data(), n);
}

void FileSink::commit() {
    flush();
    // fsync before rename: after a crash the target is either the old file or the whole new one.
    if (::fsync(m_fd) != 0) fail("fsync failed", errno);
    const int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0) fail("close failed", errno);
    if (::rename(m_tmpPath.c_str(), m_path.c_str()) != 0)
        fail("cannot rename the temporary file into place", errno);
    m_committed = true;
}

} // namespace dw::gguf
