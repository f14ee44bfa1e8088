#include "deepwell/system.h"

#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace dw {
namespace {

// Sums 64-bit words with several independent accumulators so the loop is load-bound.
uint64_t sumWords(const uint64_t* p, size_t n) {
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 += p[i]; a1 += p[i + 1]; a2 += p[i + 2]; a3 += p[i + 3];
        a4 += p[i + 4]; a5 += p[i + 5]; a6 += p[i + 6]; a7 += p[i + 7];
    }
    for (; i < n; ++i) a0 += p[i];
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

uint64_t meminfoKb(const char* key) {
    std::ifstream in("/proc/meminfo");
    std::string line;
    const std::string k = std::string(key) + ":";
    while (std::getline(in, line)) {
        if (line.rfind(k, 0) == 0) {
            std::istringstream s(line.substr(k.size()));
            uint64_t kb = 0;
            s >> kb;
            return kb;
        }
    }
    return 0;
}

} // namespace

ReadBandwidth measureReadBandwidth(int nThreads, double seconds, uint64_t bufferBytes) {
    ThreadPool pool(nThreads > 0 ? nThreads : ThreadPool::hardwareThreads());
    const size_t words = size_t(bufferBytes / 8);
    std::unique_ptr<uint64_t[]> buf(new uint64_t[words]);
    pool.parallelFor(int64_t(words), 4096, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) buf[size_t(i)] = uint64_t(i) * 2654435761u;
    });
    ReadBandwidth r;
    std::vector<uint64_t> sinks(size_t(pool.size()) * 8);
    double total = 0.0;
    int passes = 0;
    for (; passes < 4 || total < seconds; ++passes) {
        const auto t0 = std::chrono::steady_clock::now();
        pool.run([&](int t, int n) {
            const size_t chunk = (words + size_t(n) - 1) / size_t(n);
            const size_t b = std::min(words, size_t(t) * chunk), e = std::min(words, b + chunk);
            sinks[size_t(t) * 8] += sumWords(buf.get() + b, e - b);
        });
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.peak = std::max(r.peak, double(words * 8) / s);
        total += s;
    }
    r.sustained = double(words * 8) * passes / total;
    volatile uint64_t keep = 0;
    for (auto v : sinks) keep = keep + v;
    (void)keep;
    return r;
}

uint64_t availableMemoryBytes() { return meminfoKb("MemAvailable") * 1024; }
uint64_t totalMemoryBytes() { return meminfoKb("MemTotal") * 1024; }

std::string cpuModelName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) return line.substr(colon + 2);
        }
    }
    return {};
}

} // namespace dw
