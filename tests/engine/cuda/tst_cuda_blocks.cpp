// The per-block and per-lane device functions of the CUDA kernels (quant_blocks.cuh,
// quant_lanes.cuh), run on the host through cuda/emulation.h: no GPU needed. They must agree with
// the plain references of q8_1_reference.h, which must in turn agree with the CPU engine's
// dequantization.
#include "core/fp16.h"
#include "core/thread_pool.h"
#include "cpu/ops.h"
#include "cuda/emulation.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "deepwell/dtype.h"
#include "q8_1_reference.h"
#include "quant/quant.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

using namespace dw;
using namespace dw::cudatest;

Q_DECLARE_METATYPE(dw::DType)

namespace {

// `size` bytes that end exactly where an unreadable page begins (reads past the end fault).
class GuardedBytes {
public:
    explicit GuardedBytes(size_t size) {
        const size_t page = size_t(sysconf(_SC_PAGESIZE));
        m_mapBytes = (size + page - 1) / page * page + page;
        void* p =
            mmap(nullptr, m_mapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) qFatal("mmap failed");
        m_map = static_cast<uint8_t*>(p);
        if (mprotect(m_map + m_mapBytes - page, page, PROT_NONE) != 0) qFatal("mprotect failed");
        m_data = m_map + m_mapBytes - page - size;
    }
    ~GuardedBytes() { munmap(m_map, m_mapBytes); }
    GuardedBytes(const GuardedBytes&) = delete;
    GuardedBytes& operator=(const GuardedBytes&) = delete;
    uint8_t* data() const { return m_data; }

private:
    size_t m_mapBytes = 0;
    uint8_t* m_map = nullptr;
    uint8_t* m_data = nullptr;
};

double maxAbs(const std::vector<float>& v) {
    double m = 0.0;
    for (float x : v) m = std::max(m, double(std::fabs(x)));
    return m;
}

} // namespace

class TestCudaBlocks : public QObject {
    Q_OBJECT
private slots:
    void emulatedDot_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        for (DType t : quantizedTypes()) {
            const int64_t blk = dtypeTraits(t).blockSize;
            const QByteArray name(dtypeName(t).data(), qsizetype(dtypeName(t).size()));
            QTest::newRow(name + " one block") << t << qint64(blk);
            QTest::newRow(name + " 11 blocks") << t << qint64(11 * blk);
            QTest::newRow(name + " k=4096") << t << qint64(4096);
        }
    }

    // Block<T>::load/dot over every slice == the reference Q8_1 dot (same activation bytes).
    void emulatedDot() {
        QFETCH(DType, type);
        QFETCH(qint64, k);
        const int64_t n = 16;
        const size_t rb = rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rb, 1234);
        const auto x = randomActivations(k, 99);
        const auto xq = quantizeQ8_1(x.data(), k, 1);
        std::vector<double> ref(n);
        std::vector<float> got(n);
        for (int64_t r = 0; r < n; ++r) {
            ref[r] = dotQ8_1(type, w.data() + r * rb, xq.data(), k);
            got[r] = cuda::emulation::vecDotQ8_1(type, w.data() + r * rb, xq.data(), k);
        }
        double num = 0, den = 0, maxRel = 0;
        for (int64_t r = 0; r < n; ++r) {
            num += (ref[r] - got[r]) * (ref[r] - got[r]);
            den += ref[r] * ref[r];
            maxRel = std::max(maxRel, std::fabs(ref[r] - got[r]) / (std::fabs(ref[r]) + 1e-3));
        }
        QVERIFY2(num / den < 1e-11, qPrintable(QString("NMSE %1").arg(num / den)));
        QVERIFY2(maxRel < 1e-4, qPrintable(QString("max relative error %1").arg(maxRel)));
    }

    void emulatedDequant_data() { emulatedDot_data(); }

    // Block<T>::dequant32 == the element-wise reference.
    void emulatedDequant() {
        QFETCH(DType, type);
        QFETCH(qint64, k);
        const auto w = randomWeights(type, k, 1, rowBytes(type, k), 77);
        std::vector<float> ref(k), got(k);
        dequantize(type, w.data(), ref.data(), k);
        cuda::emulation::dequantizeRow(type, w.data(), got.data(), k);
        const double tol = 1e-6 * maxAbs(ref);
        for (int64_t i = 0; i < k; ++i)
            QVERIFY2(
                std::fabs(ref[i] - got[i]) <= tol,
                qPrintable(QString("element %1: ref %2, got %3").arg(i).arg(ref[i]).arg(got[i])));
    }

    void referenceMatchesCpuDequant_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        for (DType t : quantizedTypes()) QTest::newRow(dtypeName(t).data()) << t << qint64(512);
        for (DType t : floatTypes()) QTest::newRow(dtypeName(t).data()) << t << qint64(37);
    }

    // The test reference decodes blocks exactly as the CPU engine does (quant::dequantizeRow).
    void referenceMatchesCpuDequant() {
        QFETCH(DType, type);
        QFETCH(qint64, k);
        const auto w = randomWeights(type, k, 1, rowBytes(type, k), 5);
        std::vector<float> ref(k), cpu(k);
        dequantize(type, w.data(), ref.data(), k);
        quant::dequantizeRow(type, w.data(), cpu.data(), k);
        const double tol = 1e-6 * maxAbs(cpu);
        for (int64_t i = 0; i < k; ++i)
            QVERIFY2(
                std::fabs(ref[i] - cpu[i]) <= tol,
                qPrintable(
                    QString("element %1: reference %2, cpu %3").arg(i).arg(ref[i]).arg(cpu[i])));
    }

    void q8_1DotApproximatesFloatDot_data() { emulatedDot_data(); }

    // The Q8_1 dot (offsets, mins) is the float dot up to the activation rounding.
    void q8_1DotApproximatesFloatDot() {
        QFETCH(DType, type);
        QFETCH(qint64, k);
        const int64_t n = 32;
        const size_t rb = rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rb, 4321);
        const auto x = randomActivations(k, 3);
        const auto xq = quantizeQ8_1(x.data(), k, 1);
        std::vector<float> row(k);
        double num = 0, den = 0;
        for (int64_t r = 0; r < n; ++r) {
            dequantize(type, w.data() + r * rb, row.data(), k);
            double exact = 0;
            for (int64_t j = 0; j < k; ++j) exact += double(row[j]) * x[j];
            const double q = dotQ8_1(type, w.data() + r * rb, xq.data(), k);
            num += (exact - q) * (exact - q);
            den += exact * exact;
        }
        QVERIFY2(num / den < 5e-4, qPrintable(QString("NMSE %1").arg(num / den)));
    }

    // Hand-checked Q8_1 block: x = 0, 1, ..., 31 -> d = 31/127, s = 496, q_31 = 127.
    void q8_1Format() {
        std::vector<float> x(32);
        for (int i = 0; i < 32; ++i) x[i] = float(i);
        const auto q = quantizeQ8_1(x.data(), 32, 1);
        QCOMPARE(q.size(), size_t(36));
        uint16_t d, s;
        std::memcpy(&d, q.data(), 2);
        std::memcpy(&s, q.data() + 2, 2);
        QVERIFY(std::fabs(fp16ToFp32(d) - 31.0f / 127.0f) < 1e-3f);
        QCOMPARE(fp16ToFp32(s), 496.0f);
        QCOMPARE(int(int8_t(q[4 + 31])), 127);
        QCOMPARE(int(int8_t(q[4 + 0])), 0);
        QCOMPARE(int(int8_t(q[4 + 1])), 4); // 1 / (31/127) = 4.097 -> 4
    }

    void emulatedSplitDot_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        QTest::addColumn<int>("pad");
        for (DType t : quantizedTypes()) {
            const int64_t blk = dtypeTraits(t).blockSize;
            const int align = dtypeTraits(t).blockBytes % 4 == 0 ? 4 : 2;
            const QByteArray name(dtypeName(t).data(), qsizetype(dtypeName(t).size()));
            QTest::newRow(name + " one block") << t << qint64(blk) << 0;
            QTest::newRow(name + " 11 blocks") << t << qint64(11 * blk) << 0;
            QTest::newRow(name + " 11 blocks, padded rows") << t << qint64(11 * blk) << align;
            QTest::newRow(name + " k=4096, 16-byte padding") << t << qint64(4096) << 16;
            QTest::newRow(name + " k=2816, padded rows") << t << qint64(2816) << 3 * align;
        }
    }

    // The fast kernel's lane pieces (quant_lanes.cuh), every lane of every warp step run on
    // the host with the kernel's 16-byte windows (relative to the matrix start), == the
    // reference Q8_1 dot. The matrix ends at a page that cannot be read, so a window that
    // reached past the matrix end would crash the test.
    void emulatedSplitDot() {
        QFETCH(DType, type);
        QFETCH(qint64, k);
        QFETCH(int, pad);
        const int64_t n = 5;
        const size_t rs = rowBytes(type, k) + size_t(pad);
        const size_t bytes = rs * size_t(n - 1) + rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rs, 4242);
        GuardedBytes guarded(bytes);
        std::memcpy(guarded.data(), w.data(), bytes);
        const auto x = randomActivations(k, 7);
        const auto xq = quantizeQ8_1(x.data(), k, 1);
        const size_t splitRow = cuda::q8_1SplitRowBytes(k);
        const auto split = toSplitLayout(xq, k, 1, splitRow);
        std::vector<double> ref(n);
        std::vector<float> got(n);
        for (int64_t r = 0; r < n; ++r) {
            ref[r] = dotQ8_1(type, w.data() + r * rs, xq.data(), k);
            got[r] =
                cuda::emulation::vecDotQ8_1Split(type, guarded.data(), rs, n, r, split.data(), k);
        }
        double num = 0, den = 0, maxRel = 0;
        for (int64_t r = 0; r < n; ++r) {
            num += (ref[r] - got[r]) * (ref[r] - got[r]);
            den += ref[r] * ref[r];
            maxRel = std::max(maxRel, std::fabs(ref[r] - got[r]) / (std::fabs(ref[r]) + 1e-3));
        }
        QVERIFY2(num / den < 1e-11, qPrintable(QString("NMSE %1").arg(num / den)));
        QVERIFY2(maxRel < 1e-4, qPrintable(QString("max relative error %1").arg(maxRel)));
    }

    void splitLayoutRoundTrip() {
        const int64_t k = 96, rows = 3;
        const auto x = randomActivations(k * rows, 5);
        const auto q = quantizeQ8_1(x.data(), k, rows);
        const size_t rb = cuda::q8_1SplitRowBytes(k);
        QCOMPARE(rb, size_t(112)); // 96 quants + 3 * 4 bytes of (d, s), padded to 16
        const auto split = toSplitLayout(q, k, rows, rb);
        QCOMPARE(int(int8_t(split[rb + 5])), int(int8_t(q[36 * 3 + 4 + 5]))); // row 1, elem 5
        QVERIFY(fromSplitLayout(split, k, rows, rb) == q);
    }

    void cpuEngineBounds_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("tokens");
        for (DType t : quantizedTypes()) {
            const int64_t blk = dtypeTraits(t).blockSize;
            const QByteArray name(dtypeName(t).data(), qsizetype(dtypeName(t).size()));
            QTest::newRow(name + " k=1 block n=1") << t << qint64(blk) << qint64(1) << qint64(1);
            QTest::newRow(name + " k=1 block n=257 t=8")
                << t << qint64(blk) << qint64(257) << qint64(8);
            QTest::newRow(name + " k=4096 n=17 t=7")
                << t << qint64(4096) << qint64(17) << qint64(7);
            QTest::newRow(name + " k=2816 n=3 t=2") << t << qint64(2816) << qint64(3) << qint64(2);
        }
    }

    // The tolerance of check (3) in the GPU product tests (vsCpuEngine), validated on the
    // host: the Q8_1 product the GPU computes (the reference dot, equal to the GPU's within
    // 1e-9 NMSE) against cpu::matmul, whose activations are Q8_0/Q8_K blocks.
    void cpuEngineBounds() {
        QFETCH(DType, type);
        QFETCH(qint64, k);
        QFETCH(qint64, n);
        QFETCH(qint64, tokens);
        const size_t rs = rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rs, uint32_t(k * 31 + n));
        const auto x = randomActivations(k * tokens, uint32_t(k * 31 + n) + 1);
        const auto xq = quantizeQ8_1(x.data(), k, tokens);
        std::vector<float> gpuLike(size_t(n * tokens)), cpu(size_t(n * tokens));
        for (int64_t t = 0; t < tokens; ++t)
            for (int64_t r = 0; r < n; ++r)
                gpuLike[size_t(t * n + r)] = float(
                    dotQ8_1(type, w.data() + r * rs, xq.data() + size_t(t * (k / 32)) * 36, k));
        ThreadPool pool(2);
        cpu::MatmulScratch scratch;
        cpu::matmul({type, k, n, w.data(), rs}, x.data(), tokens, cpu.data(), pool, scratch);
        const QString why = vsCpuEngine(cpu, gpuLike, n, rowNorms(type, w.data(), k, n, rs),
                                        rowNorms(x.data(), k, tokens));
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void slicesPerBlock() {
        QCOMPARE(cuda::emulation::slicesPerBlock(DType::Q4_0), 2);
        QCOMPARE(cuda::emulation::slicesPerBlock(DType::Q8_0), 4);
        QCOMPARE(cuda::emulation::slicesPerBlock(DType::Q4_K), 16);
        QCOMPARE(cuda::emulation::slicesPerBlock(DType::Q6_K), 16);
        QCOMPARE(cuda::emulation::slicesPerBlock(DType::F16), 0);
    }
};

QTEST_APPLESS_MAIN(TestCudaBlocks)
#include "tst_cuda_blocks.moc"
