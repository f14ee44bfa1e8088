// The per-block device functions of the CUDA kernels (quant_blocks.cuh), run on the host
// through cuda/emulation.h: no GPU needed. They must agree with the plain references of
// q8_1_reference.h, which must in turn agree with the CPU engine's dequantization.
#include "core/fp16.h"
#include "cuda/emulation.h"
#include "deepwell/dtype.h"
#include "q8_1_reference.h"
#include "quant/quant.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <vector>

using namespace dw;
using namespace dw::cudatest;

Q_DECLARE_METATYPE(dw::DType)

namespace {

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
