#pragma once
// Buffered output to a temporary file next to the target, renamed into place by commit().
// Until commit() succeeds the target is untouched; the destructor removes the temporary file
// of a write that failed or was abandoned (an exception from a Fill callback or progress).
// Every failure throws dw::Error(Io) naming the target path and the cause (strerror), e.g.
// "cannot write '/data/m.gguf': No space left on device (temporary file '/data/m.gguf.tmp-12-0')".
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dw::gguf {

class FileSink {
public:
    explicit FileSink(std::string path);
    ~FileSink();
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;

    void write(const void* p, size_t n);
    void zeros(size_t n);
    // A buffer of n bytes for a Fill callback; commitFill(n) writes it out. The buffer is
    // reused, so peak memory is the largest streamed tensor.
    uint8_t* fillBuffer(size_t n);
    void commitFill(size_t n);

    void commit();
    const std::string& tempPath() const { return m_tmpPath; }

private:
    void flush();
    void writeFully(const uint8_t* p, size_t n);
    [[noreturn]] void fail(const char* what, int err) const;

    std::string m_path;
    std::string m_tmpPath;
    int m_fd = -1;
    bool m_committed = false;
    std::vector<uint8_t> m_buffer; // pending small writes, flushed at kBufferBytes
    std::vector<uint8_t> m_fill;   // Fill callback target
};

} // namespace dw::gguf
