// bench_quant: throughput of the dot kernels in GB/s of weight bytes read.
//
//   bench_quant [--mb N] [--seconds S] [--type Q4_K] [--threads T] [--decode-mix] [--tile T]
//               [--pool]
//
// For each type and each kernel variant the CPU supports, a matrix of about N MB (default
// 8) of valid weights is multiplied with one quantized activation row, row by row, for S
// seconds (default 0.3); the figure is weight bytes / fastest pass. With N well above the
// last-level cache the kernels are measured against memory, with N inside it against the
// core; "rows" is the multi-row kernel of the variant (VecDotRowsFn, kRowsMax rows per
// call) on the same matrix. Two memory baselines come first: a STREAM-like copy (read + write bytes
// / time) and a plain read (sum of a buffer). --threads splits rows and buffers over T threads
// (default 1). --decode-mix measures the weight reads of one decode step of Gemma 3 270M instead
// (benchDecodeMix, single-row dots against multi-row kernels); --tile T the tiled kernels of
// prefill against T activation rows (benchTile); --pool the dispatch cost of the thread pool
// (benchPool).
#include "core/thread_pool.h"
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

// Runs part(t) for t = 0..threads-1 on that many threads.
template <class Part> void parallel(int threads, Part part) {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(part, t);
    part(0);
    for (auto& th : pool) th.join();
}

// STREAM-like copy (bytes read + written) and read (sum of a buffer), split over threads.
void memoryBaselines(size_t bytes, double seconds, int threads) {
    std::vector<uint64_t> a(bytes / 8, 1), b(bytes / 8, 2);
    const size_t words = a.size();
    const double copy = measure(seconds, 2.0 * double(bytes), [&] {
        parallel(threads, [&](int t) {
            const size_t lo = words * t / threads, hi = words * (t + 1) / threads;
            std::memcpy(b.data() + lo, a.data() + lo, (hi - lo) * 8);
        });
        g_sink = float(b[words / 2]);
    });
    const double read = measure(seconds, double(bytes), [&] {
        parallel(threads, [&](int t) {
            const size_t lo = words * t / threads, hi = words * (t + 1) / threads;
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (size_t i = lo; i + 4 <= hi; i += 4) {
                s0 += a[i];
                s1 += a[i + 1];
                s2 += a[i + 2];
                s3 += a[i + 3];
            }
            g_sink = float(s0 + s1 + s2 + s3);
        });
    });
    std::printf("memory baseline (%zu MB buffers, %d threads): copy %.1f GB/s, read %.1f GB/s\n",
                bytes >> 20, threads, copy, read);
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
            for (int64_t r = r0; r < r1; ++r)
                y[size_t(r)] = f(c.k, w.data() + r * rowSize, act.data());
        };
        const double gbs = measure(seconds, double(w.size()), [&] {
            // Rows split evenly over the threads, as a decode matmul would.
            parallel(threads,
                     [&](int t) { rowRange(rows * t / threads, rows * (t + 1) / threads); });
            g_sink = y[0];
        });
        std::printf("  %s %6.2f", kernelVariantName(v), gbs);
        const VecDotRowsFn rowsFn = kernelTable(v).rows[uint32_t(c.type)];
        if (rowsFn) {
            const double gbsRows = measure(seconds, double(w.size()), [&] {
                parallel(threads, [&](int t) {
                    const int64_t calls = (rows + kRowsMax - 1) / kRowsMax;
                    for (int64_t i = calls * t / threads; i < calls * (t + 1) / threads; ++i) {
                        const int64_t r = i * kRowsMax;
                        rowsFn(c.k, w.data() + r * rowSize, rowSize,
                               int(std::min<int64_t>(kRowsMax, rows - r)), act.data(),
                               y.data() + r);
                    }
                });
                g_sink = y[0];
            });
            std::printf(" (rows %6.2f)", gbsRows);
        }
    }
    std::printf("  GB/s\n");
}

// --tile T: the prefill side, compute rather than memory. A matrix of 1024 rows of k (valid
// weights, in cache) times T activation rows, for each variant: by its tiled kernel in bands
// of kTileMaxRows rows, and by its single dot per (row, activation row) as a reference;
// GMAC/s = 1024 * k * T / fastest pass. Bands are split over the threads.
void benchTile(const Case& c, int tokens, double seconds, int threads) {
    const int64_t rows = 1024;
    const size_t rowSize = rowBytes(c.type, c.k);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(c.k));
    std::vector<uint8_t> w(rowSize * size_t(rows));
    for (int64_t r = 0; r < rows; ++r) {
        for (auto& v : x) v = normal(rng);
        quantizeRow(c.type, x.data(), w.data() + size_t(r) * rowSize, c.k);
    }
    const DType at = vecDotType(c.type);
    const size_t actSize = rowBytes(at, c.k);
    std::vector<uint8_t> act(actSize * size_t(tokens));
    for (int t = 0; t < tokens; ++t) {
        for (auto& v : x) v = normal(rng);
        quantizeRow(at, x.data(), act.data() + size_t(t) * actSize, c.k);
    }
    std::vector<float> y(size_t(rows) * size_t(tokens));
    const double macs = double(rows) * double(c.k) * tokens;
    std::printf("%-5s k=%-5lld T=%-4d GMAC/s:", dtypeName(c.type).data(), (long long)c.k, tokens);
    for (KernelVariant v : kAllKernelVariants) {
        if (!kernelVariantSupported(v)) continue;
        const VecDotTileFn tile = kernelTable(v).tile[uint32_t(c.type)];
        const VecDotFn dot = kernelTable(v).dot[uint32_t(c.type)];
        if (!tile || !dot) continue;
        const int64_t bands = (rows + kTileMaxRows - 1) / kTileMaxRows;
        const double tiled = measure(seconds, macs, [&] {
            parallel(threads, [&](int th) {
                for (int64_t b = bands * th / threads; b < bands * (th + 1) / threads; ++b) {
                    const int64_t r0 = b * kTileMaxRows;
                    tile(c.k, w.data() + size_t(r0) * rowSize, rowSize,
                         int(std::min<int64_t>(kTileMaxRows, rows - r0)), act.data(), actSize,
                         tokens, y.data() + r0, size_t(rows));
                }
            });
            g_sink = y[0];
        });
        const double looped = measure(seconds, macs, [&] {
            parallel(threads, [&](int th) {
                for (int64_t r = rows * th / threads; r < rows * (th + 1) / threads; ++r)
                    for (int t = 0; t < tokens; ++t)
                        y[size_t(t) * size_t(rows) + size_t(r)] = dot(
                            c.k, w.data() + size_t(r) * rowSize, act.data() + size_t(t) * actSize);
            });
            g_sink = y[0];
        });
        std::printf("  %s %6.1f (dots %5.1f)", kernelVariantName(v), tiled, looped);
    }
    std::printf("\n");
}

// The weight reads of one decode step of Gemma 3 270M Q4_K_M (shapes and types as in the
// GGUF file): the tied Q8_0 embedding as output matrix, and per layer Q/K/V, gate/up (Q5_0,
// attn_v Q8_0 in 9 of 18 layers), attn_output (Q4_K) and ffn_down (Q6_K in 9 layers, Q4_K
// in the others). Every matrix gets its own buffer (about 246 MB in all, beyond the caches);
// each of T threads takes its share of the rows of every matrix, without synchronisation in
// between, so this is the kernels' side of the decode bandwidth bound.
void benchDecodeMix(double seconds, int threads) {
    struct Mat {
        DType type;
        int64_t k, rows;
        std::vector<uint8_t> data;
    };
    std::vector<Mat> mats;
    auto add = [&mats](DType t, int64_t k, int64_t rows) {
        mats.push_back({t, k, rows, std::vector<uint8_t>(rowBytes(t, k) * size_t(rows))});
    };
    add(DType::Q8_0, 640, 262144);
    for (int layer = 0; layer < 18; ++layer) {
        const bool moreBits = layer % 2 == 0;
        add(DType::Q5_0, 640, 1024);                          // attn_q
        add(DType::Q5_0, 640, 256);                           // attn_k
        add(moreBits ? DType::Q8_0 : DType::Q5_0, 640, 256);  // attn_v
        add(DType::Q4_K, 1024, 640);                          // attn_output
        add(DType::Q5_0, 640, 2048);                          // ffn_gate
        add(DType::Q5_0, 640, 2048);                          // ffn_up
        add(moreBits ? DType::Q6_K : DType::Q4_K, 2048, 640); // ffn_down
    }
    double bytes = 0;
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& m : mats) { // a few quantized rows, tiled (valid blocks, realistic scales)
        const size_t rb = rowBytes(m.type, m.k);
        std::vector<float> x(static_cast<size_t>(m.k));
        for (int64_t r = 0; r < std::min<int64_t>(m.rows, 8); ++r) {
            for (auto& v : x) v = normal(rng);
            quantizeRow(m.type, x.data(), m.data.data() + size_t(r) * rb, m.k);
        }
        for (int64_t r = 8; r < m.rows; ++r) {
            std::memcpy(m.data.data() + size_t(r) * rb, m.data.data() + size_t(r % 8) * rb, rb);
        }
        bytes += double(m.data.size());
    }
    std::vector<float> x(2048);
    for (auto& v : x) v = normal(rng);
    std::vector<uint8_t> act8_0(rowBytes(DType::Q8_0, 2048)), act8_K(rowBytes(DType::Q8_K, 2048));
    quantizeRow(DType::Q8_0, x.data(), act8_0.data(), 2048);
    quantizeRow(DType::Q8_K, x.data(), act8_K.data(), 2048);
    auto share = [&](int t) {
        float sink = 0;
        for (const auto& m : mats) {
            const VecDotFn f = vecDotFn(m.type);
            const uint8_t* act = vecDotType(m.type) == DType::Q8_K ? act8_K.data() : act8_0.data();
            const size_t rb = rowBytes(m.type, m.k);
            for (int64_t r = m.rows * t / threads; r < m.rows * (t + 1) / threads; ++r) {
                sink += f(m.k, m.data.data() + size_t(r) * rb, act);
            }
        }
        g_sink = sink;
    };
    // The same rows through the multi-row kernels, kRowsMax rows per call (threads' shares
    // rounded to whole calls).
    auto shareRows = [&](int t) {
        float out[kRowsMax];
        float sink = 0;
        for (const auto& m : mats) {
            const VecDotRowsFn f = vecDotRowsFn(m.type);
            const uint8_t* act = vecDotType(m.type) == DType::Q8_K ? act8_K.data() : act8_0.data();
            const size_t rb = rowBytes(m.type, m.k);
            const int64_t calls = (m.rows + kRowsMax - 1) / kRowsMax;
            for (int64_t c = calls * t / threads; c < calls * (t + 1) / threads; ++c) {
                const int64_t r = c * kRowsMax;
                const int nr = int(std::min<int64_t>(kRowsMax, m.rows - r));
                f(m.k, m.data.data() + size_t(r) * rb, rb, nr, act, out);
                sink += out[0];
            }
        }
        g_sink = sink;
    };
    const double gbs = measure(seconds, bytes, [&] { parallel(threads, share); });
    const double gbsRows = measure(seconds, bytes, [&] { parallel(threads, shareRows); });
    std::printf("decode mix (Gemma 3 270M Q4_K_M, %.0f MB of weights, %d threads, %s):\n"
                "  single-row dots %5.1f GB/s = %.1f ms per token\n"
                "  %d-row kernels  %5.1f GB/s = %.1f ms per token\n",
                bytes / 1e6, threads, isaName(bestIsa()), gbs, bytes / gbs / 1e6, kRowsMax, gbsRows,
                bytes / gbsRows / 1e6);
}

// --pool: the cost of one dispatch of the engine's ThreadPool (engine/core) with T threads:
// an empty run(), and a parallelFor of two units (one each), in microseconds per job: the
// fastest of several batches of 2000 (the protocol's own cost) and the mean over all (with
// what preemption by other processes adds, which a shared machine shows).
void benchPool(double seconds, int threads) {
    ThreadPool pool(threads);
    const int kJobs = 2000;
    struct Cost {
        double best, mean;
    };
    auto perJob = [&](auto job) {
        job(); // wake the workers
        double best = 1e30;
        int64_t batches = 0;
        const auto t0 = Clock::now();
        do {
            const auto t = Clock::now();
            for (int i = 0; i < kJobs; ++i) job();
            best = std::min(best, secondsSince(t) / kJobs);
            ++batches;
        } while (secondsSince(t0) < seconds);
        return Cost{best * 1e6, secondsSince(t0) / double(batches * kJobs) * 1e6};
    };
    std::vector<int64_t> sink(size_t(threads) * 16);
    const Cost run = perJob([&] { pool.run([&](int t, int) { sink[size_t(t) * 16] += 1; }); });
    const Cost pfor = perJob(
        [&] { pool.parallelFor(2, 1, [&](int64_t b, int64_t) { sink[size_t(b) * 16] += 1; }); });
    std::printf("thread pool, %d threads, us per job (best batch / mean): run() %.2f / %.2f, "
                "parallelFor(2 units) %.2f / %.2f\n",
                threads, run.best, run.mean, pfor.best, pfor.mean);
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
        for (auto [name, fn] :
             {std::pair{"Q8_0", t.quantizeQ8_0}, std::pair{"Q8_1", t.quantizeQ8_1},
              std::pair{"Q8_K", t.quantizeQ8_K}}) {
            if (!fn) continue;
            const double gbs =
                measure(seconds, double(k) * 4, [&] { fn(x.data(), out.data(), k); });
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
    bool decodeMix = false, poolBench = false;
    int tileTokens = 0;
    for (int i = 1; i < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--decode-mix") {
            decodeMix = true;
            --i;
            continue;
        }
        if (arg == "--pool") {
            poolBench = true;
            --i;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "missing value after %s\n", argv[i]);
            return 2;
        }
        if (arg == "--mb")
            mb = std::atof(argv[i + 1]);
        else if (arg == "--seconds")
            seconds = std::atof(argv[i + 1]);
        else if (arg == "--type")
            only = argv[i + 1];
        else if (arg == "--threads")
            threads = std::max(1, std::atoi(argv[i + 1]));
        else if (arg == "--tile")
            tileTokens = std::max(1, std::atoi(argv[i + 1]));
        else {
            std::fprintf(stderr,
                         "usage: bench_quant [--mb N] [--seconds S] [--type NAME] [--threads T] "
                         "[--decode-mix] [--tile TOKENS] [--pool]\n");
            return 2;
        }
    }
    if (poolBench) {
        benchPool(seconds, threads);
        return 0;
    }
    std::printf("best ISA: %s (DEEPWELL_ISA lowers it)\n", isaName(bestIsa()));
    memoryBaselines(size_t(mb * 1024 * 1024), seconds, threads);
    if (decodeMix) {
        benchDecodeMix(seconds, threads);
        return 0;
    }
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
        if (tileTokens > 0)
            benchTile(c, tileTokens, seconds, threads);
        else
            benchType(c, size_t(mb * 1024 * 1024), seconds, threads);
    }
    if (only.empty() && tileTokens == 0) benchActivationQuantizers(seconds);
    return 0;
}
