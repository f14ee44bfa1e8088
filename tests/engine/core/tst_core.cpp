// Core pieces: dtype table, half/bfloat16 conversions, thread pool.
#include "core/fp16.h"
#include "core/thread_pool.h"
#include "deepwell/dtype.h"
#include "deepwell/error.h"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>

using namespace dw;

class TestCore : public QObject {
    Q_OBJECT
private slots:
    void dtypeTable() {
        QCOMPARE(dtypeTraits(DType::Q4_K).blockSize, 256u);
        QCOMPARE(dtypeTraits(DType::Q4_K).blockBytes, 144u);
        QCOMPARE(dtypeTraits(DType::Q6_K).blockBytes, 210u);
        QCOMPARE(dtypeTraits(DType::Q5_0).blockBytes, 22u);
        QCOMPARE(rowBytes(DType::Q8_0, 64), size_t(68));
        QCOMPARE(rowBytes(DType::BF16, 10), size_t(20));
        QVERIFY(!isKnownDTypeId(4)); // removed Q4_2
        QVERIFY(!isKnownDTypeId(31));
        QVERIFY(!isKnownDTypeId(1000));
        QVERIFY(isKnownDTypeId(23)); // IQ4_XS: readable though not computable
        QVERIFY(!dtypeTraits(DType::IQ4_XS).computable);
        DType t;
        QVERIFY(dtypeFromName("q5_k", t));
        QCOMPARE(t, DType::Q5_K);
        QVERIFY(!dtypeFromName("Q9_9", t));
    }

    void halfKnownValues() {
        QCOMPARE(fp16ToFp32(0x3c00), 1.0f);
        QCOMPARE(fp16ToFp32(0xc000), -2.0f);
        QCOMPARE(fp16ToFp32(0x7bff), 65504.0f);
        QCOMPARE(fp16ToFp32(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
        QCOMPARE(fp16ToFp32(0x03ff), std::ldexp(1023.0f, -24));
        QVERIFY(std::isinf(fp16ToFp32(0x7c00)));
        QVERIFY(std::isnan(fp16ToFp32(0x7e00)));
        QCOMPARE(fp32ToFp16(1.0f), uint16_t(0x3c00));
        QCOMPARE(fp32ToFp16(65504.0f), uint16_t(0x7bff));
        QCOMPARE(fp32ToFp16(65520.0f), uint16_t(0x7c00)); // rounds to infinity
        QCOMPARE(fp32ToFp16(std::ldexp(1.0f, -25)), uint16_t(0)); // tie to even -> 0
        QCOMPARE(fp32ToFp16(std::ldexp(1.5f, -25)), uint16_t(1));
        QCOMPARE(fp32ToFp16(-0.0f), uint16_t(0x8000));
    }

    void halfRoundTripAllValues() {
        for (uint32_t h = 0; h < 65536; ++h) {
            const float f = fp16ToFp32(static_cast<uint16_t>(h));
            if (std::isnan(f)) continue;
            QCOMPARE(fp32ToFp16(f), static_cast<uint16_t>(h));
        }
    }

    void halfRoundingIsNearestEven() {
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> dist(-70000.0f, 70000.0f);
        for (int i = 0; i < 100000; ++i) {
            const float x = dist(rng) * (i % 3 == 0 ? 1e-4f : 1.0f);
            const uint16_t h = fp32ToFp16(x);
            const float y = fp16ToFp32(h);
            if (std::isinf(y)) {
                QVERIFY(std::fabs(x) >= 65520.0f);
                continue;
            }
            // No other half is strictly closer.
            const float up = fp16ToFp32(static_cast<uint16_t>(h + 1));
            const float down = fp16ToFp32(static_cast<uint16_t>(h - 1));
            if (!std::isnan(up) && !std::isinf(up)) QVERIFY(std::fabs(up - x) >= std::fabs(y - x));
            if (!std::isnan(down) && !std::isinf(down) && (h & 0x7fff) != 0)
                QVERIFY(std::fabs(down - x) >= std::fabs(y - x));
        }
    }

    void bfloat16() {
        QCOMPARE(bf16ToFp32(0x3f80), 1.0f);
        QCOMPARE(fp32ToBf16(1.0f), uint16_t(0x3f80));
        // 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: ties to even -> 1.0
        QCOMPARE(fp32ToBf16(1.0f + std::ldexp(1.0f, -8)), uint16_t(0x3f80));
        QCOMPARE(fp32ToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), uint16_t(0x3f82));
        QVERIFY(std::isnan(bf16ToFp32(fp32ToBf16(std::nanf("")))));
    }

    void threadPoolCoversRangeOnce() {
        for (int threads : {1, 2, 3, 8}) {
            ThreadPool pool(threads);
            for (int64_t n : {int64_t(0), int64_t(1), int64_t(7), int64_t(1000), int64_t(12345)}) {
                std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
                pool.parallelFor(n, 4, [&](int64_t b, int64_t e) {
                    QVERIFY(b % 4 == 0);
                    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
                });
                for (auto& h : hits) QCOMPARE(h.load(), 1);
            }
        }
    }

    void threadPoolForEachCoversRangeOnce() {
        for (int threads : {1, 2, 3, 8}) {
            ThreadPool pool(threads);
            for (int64_t n : {int64_t(0), int64_t(1), int64_t(2), int64_t(1000)}) {
                std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
                pool.forEach(n, [&](int64_t i) { hits[static_cast<size_t>(i)].fetch_add(1); });
                for (auto& h : hits) QCOMPARE(h.load(), 1);
            }
        }
    }

    void threadPoolRunsEveryThread() {
        ThreadPool pool(4);
        for (int rep = 0; rep < 2000; ++rep) { // many short jobs: exercises spin and sleep paths
            std::atomic<int> mask{0};
            pool.run([&](int t, int n) {
                QCOMPARE(n, 4);
                mask.fetch_or(1 << t);
            });
            QCOMPARE(mask.load(), 0xf);
        }
    }

    // Many tiny parallelFors and forEachs back to back, interleaved with run(): workers often
    // arrive after the calling thread took every chunk and closed the job, and must then skip it
    // (entering would run a finished job). Every index exactly once, no callback still
    // running when parallelFor returns, and run() still reaches every thread afterwards.
    void threadPoolParallelForWithLateWorkers() {
        for (int threads : {2, 3, 5}) {
            ThreadPool pool(threads);
            std::atomic<int> active{0};
            std::atomic<int> calls{0};
            for (int rep = 0; rep < 20000; ++rep) {
                const int64_t n = 1 + rep % 7;
                std::atomic<int> hits[7] = {};
                if (rep % 2 == 0) {
                    pool.parallelFor(n, 1, [&](int64_t b, int64_t e) {
                        active.fetch_add(1);
                        for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
                        calls.fetch_add(1);
                        active.fetch_sub(1);
                    });
                } else {
                    pool.forEach(n, [&](int64_t i) {
                        active.fetch_add(1);
                        hits[i].fetch_add(1);
                        calls.fetch_add(1);
                        active.fetch_sub(1);
                    });
                }
                QCOMPARE(active.load(), 0);
                for (int64_t i = 0; i < 7; ++i) QCOMPARE(hits[i].load(), i < n ? 1 : 0);
                if (rep % 1000 == 999) {
                    std::atomic<int> mask{0};
                    pool.run([&](int t, int) { mask.fetch_or(1 << t); });
                    QCOMPARE(mask.load(), (1 << threads) - 1);
                }
            }
            QVERIFY(calls.load() >= 20000);
        }
    }

    void errorCarriesCode() {
        try {
            throw Error(ErrorCode::Format, "bad field");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Format);
            QCOMPARE(std::string(e.what()), std::string("bad field"));
        }
    }
};

QTEST_APPLESS_MAIN(TestCore)
#include "tst_core.moc"
