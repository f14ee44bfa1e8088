// bench_quant: throughput of every dot kernel, single thread, in GB/s of weight bytes read.
//
//   bench_quant [--mb N] [--seconds S] [--type Q4_K] [--threads T]
//
// For each type and each kernel variant the CPU supports, a matrix of about N MB (default
// 8) of random-but-valid weights is multiplied with one quantized activation row, row by
// row, repeatedly for S seconds (default 0.3); the figure is weight bytes / fastest pass. Two
// memory baselines come first: a STREAM-like copy (read + write bytes / time) and a plain
// read (sum of a buffer). --threads splits the rows over T threads (default 1), to compare
// with the whole machine's bandwidth. With N well above the last-level cache the kernels are measured
// against memory; with N inside it, against the core.
#include "core/fp16.h"
#include "deepwell/dtype.h"
#include "quant/kernels.h"
#include "quant/quant.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace dw;
using namespace dw::quant;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs body() repeatedly for `seconds`; returns bytesPerCall / (fastest call) in GB/s. The
// fastest call rather than the mean: the machine is shared, and preemption only ever adds.
template <class Body> double measure(double seconds, double bytesPerCall, Body body) {
    body(); // warm-up (page faults, caches)
    double best = 1e30;
    const auto t0 = Clock::now();
    do {
        const auto t = Clock::now();
        body();
        best = std::min(best, secondsSince(t));
    } while (secondsSince(t0) < seconds);
    return bytesPerCall / best / 1e9;
}

volatile float g_sink; // keeps results alive

void memoryBaselines(size_t bytes, double seconds) {
    std::vector<uint64_t> a(bytes / 8, 1), b(bytes / 8, 2);
    const double copy = measure(seconds, 2.0 * double(bytes), [&] {
        std::memcpy(b.data(), a.data(), bytes);
        g_sink = float(b[bytes / 16]);
    });
    const double read = measure(seconds, double(bytes), [&] {
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = 0; i + 4 <= a.size(); i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        g_sink = float(s0 + s1 + s2 + s3);
    });
    std::printf("memory baseline (%zu MB buffers): copy %.1f GB/s, read %.1f GB/s\n",
                bytes >> 20, copy, read);
}

struct Case {
    DType type;
    int64_t k; // row length
};

void benchType(const Case& c, size_t targetBytes, double seconds, int threads) {
    const size_t rowSize = rowBytes(c.type, c.k);
    const int64_t rows = std::max<int64_t>(1, int64_t(targetBytes / rowSize));
    // Weights: quantize a few random rows and tile them (quantizing MBs would take long).
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(c.k));
    const int distinct = 16;
    std::vector<uint8_t> seedRows(rowSize * distinct);
    for (int r = 0; r < distinct; ++r) {
        for (auto& v : x) v = normal(rng);
        quantizeRow(c.type, x.data(), seedRows.data() + r * rowSize, c.k);
    }
    std::vector<uint8_t> w(rowSize * size_t(rows));
    for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(w.data() + r * rowSize, seedRows.data() + (r % distinct) * rowSize, rowSize);
    }
    for (auto& v : x) v = normal(rng);
    const DType at = vecDotType(c.type);
    std::vector<uint8_t> act(rowBytes(at, c.k));
    quantizeRow(at, x.data(), act.data(), c.k);
    std::vector<float> y(static_cast<size_t>(rows));

    std::printf("%-5s k=%-5lld %6.1f MB:", dtypeName(c.type).data(), (long long)c.k,
                double(w.size()) / 1e6);
    for (KernelVariant v : kAllKernelVariants) {
        if (!kernelVariantSupported(v)) continue;
        const VecDotFn f = kernelTable(v).dot[uint32_t(c.type)];
        if (!f) continue;
        auto rowRange = [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) y[size_t(r)] = f(c.k, w.data() + r * rowSize, act.data());
        };
        const double gbs = measure(seconds, double(w.size()), [&] {
            if (threads == 1) {
                rowRange(0, rows);
            } else { // rows split evenly, as a decode matmul would
                std::vector<std::thread> pool;
                for (int t = 1; t < threads; ++t) {
                    pool.emplace_back(rowRange, rows * t / threads, rows * (t + 1) / threads);
                }
                rowRange(0, rows / threads);
                for (auto& th : pool) th.join();
            }
            g_sink = y[0];
        });
        std::printf("  %s %6.2f", kernelVariantName(v), gbs);
    }
    std::printf("  GB/s\n");
}

void benchActivationQuantizers(double seconds) {
    const int64_t k = 4096;
    std::vector<float> x(static_cast<size_t>(k));
    std::mt19937 rng(2);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& v : x) v = normal(rng);
    std::vector<uint8_t> out(rowBytes(DType::Q8_K, k) + rowBytes(DType::Q8_1, k));
    std::printf("activation quantizers, k=%lld, GB/s of f32 input:\n", (long long)k);
    for (KernelVariant v : kAllKernelVariants) {
        if (!kernelVariantSupported(v)) continue;
        const KernelTable& t = kernelTable(v);
        std::printf("  %-10s", kernelVariantName(v));
        for (auto [name, fn] : {std::pair{"Q8_0", t.quantizeQ8_0}, std::pair{"Q8_1", t.quantizeQ8_1},
                                std::pair{"Q8_K", t.quantizeQ8_K}}) {
            if (!fn) continue;
            const double gbs = measure(seconds, double(k) * 4, [&] { fn(x.data(), out.data(), k); });
            std::printf("  %s %6.2f", name, gbs);
        }
        std::printf("\n");
    }
}

} // namespace

int main(int argc, char** argv) {
    double mb = 8, seconds = 0.3;
    int threads = 1;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--mb") mb = std::atof(argv[i + 1]);
        else if (arg == "--seconds") seconds = std::atof(argv[i + 1]);
        else if (arg == "--type") only = argv[i + 1];
        else if (arg == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
        else {
            std::fprintf(stderr, "usage: bench_quant [--mb N] [--seconds S] [--type NAME] [--threads T]\n");
            return 2;
        }
    }
    std::printf("best ISA: %s (DEEPWELL_ISA lowers it)\n", isaName(bestIsa()));
    memoryBaselines(size_t(mb * 1024 * 1024), seconds);
    // Row lengths of Gemma 3 270M (640: Q/K/V, gate/up, embedding; 2048: ffn_down;
    // 1024: attn_output) and a generic 4096.
    const Case cases[] = {
        {DType::Q8_0, 640},  {DType::Q5_0, 640},  {DType::Q4_K, 2048}, {DType::Q6_K, 2048},
        {DType::Q4_K, 1024}, {DType::Q6_K, 1024}, {DType::Q8_0, 4096}, {DType::Q4_0, 4096},
        {DType::Q4_1, 4096}, {DType::Q5_0, 4096}, {DType::Q5_1, 4096}, {DType::Q2_K, 4096},
        {DType::Q3_K, 4096}, {DType::Q4_K, 4096}, {DType::Q5_K, 4096}, {DType::Q6_K, 4096},
        {DType::F16, 4096},  {DType::BF16, 4096}, {DType::F32, 4096},
    };
    for (const Case& c : cases) {
        if (!only.empty() && only != dtypeName(c.type)) continue;
        benchType(c, size_t(mb * 1024 * 1024), seconds, threads);
    }
    if (only.empty()) benchActivationQuantizers(seconds);
    return 0;
}
