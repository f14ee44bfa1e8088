// Prefill matrix product (dequantize to BF16 + cuBLAS) and row dequantization (get_rows)
// against their CPU twins.
#include "core/fp16.h"
#include "core/thread_pool.h"
#include "cpu/ops.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "q8_1_reference.h"
#include "quant/quant.h"

#include <QtTest>

#include <vector>

using namespace dw;
using namespace dw::cudatest;

Q_DECLARE_METATYPE(dw::DType)

namespace {

const std::vector<DType>& allTypes() {
    static const std::vector<DType> t = [] {
        std::vector<DType> v = quantizedTypes();
        v.insert(v.end(), floatTypes().begin(), floatTypes().end());
        return v;
    }();
    return t;
}

QByteArray nameOf(DType t) {
    return QByteArray(dtypeName(t).data(), qsizetype(dtypeName(t).size()));
}

} // namespace

class TestCudaMatmul : public QObject {
    Q_OBJECT
private slots:
    void getRows_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        for (DType t : allTypes()) {
            const int64_t blk = dtypeTraits(t).blockSize;
            QTest::newRow(nameOf(t) + " one block") << t << qint64(blk == 1 ? 1 : blk);
            QTest::newRow(nameOf(t) + " k=2816") << t << qint64(2816);
            if (blk == 1) QTest::newRow(nameOf(t) + " k=37") << t << qint64(37);
        }
    }

    // Rows by id == cpu::getRow; an id outside the matrix gives a NaN row.
    void getRows() {
        DW_REQUIRE_GPU();
        QFETCH(DType, type);
        QFETCH(qint64, k);
        const int64_t n = 300;
        const size_t rb = rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rb, 21);
        const std::vector<int32_t> ids = {0, 299, 7, 7, 150, -1, 300, 1};
        auto dw = toDevice(w);
        auto dids = toDevice(ids);
        const size_t count = ids.size() * size_t(k);
        auto dout = poisonedOutput<float>(count);
        const cuda::MatView mv{type, k, n, dw.data(), rb};
        cuda::getRows(mv, dids.as<int32_t>(), int64_t(ids.size()), dout.as<float>(), nullptr);
        cuda::synchronize(nullptr);
        const auto got = fromDevice<float>(dout, count);
        QVERIFY(guardIntact<float>(dout, count));
        const cpu::MatView cv{type, k, n, w.data(), rb};
        std::vector<float> ref(static_cast<size_t>(k));
        for (size_t i = 0; i < ids.size(); ++i) {
            const float* g = got.data() + i * size_t(k);
            if (ids[i] < 0 || ids[i] >= n) {
                for (int64_t j = 0; j < k; ++j) QVERIFY(std::isnan(g[j]));
                continue;
            }
            cpu::getRow(cv, ids[i], ref.data());
            float maxRef = 0.0f;
            for (float v : ref) maxRef = std::max(maxRef, std::fabs(v));
            for (int64_t j = 0; j < k; ++j)
                QVERIFY2(std::fabs(g[j] - ref[size_t(j)]) <= 1e-6f * maxRef,
                         qPrintable(QString("id %1 element %2: %3 vs %4")
                                        .arg(ids[i])
                                        .arg(j)
                                        .arg(g[j])
                                        .arg(ref[size_t(j)])));
        }
    }

    void dequantizeBf16_data() {
        QTest::addColumn<DType>("type");
        for (DType t : allTypes()) QTest::newRow(nameOf(t)) << t;
    }

    // Rows [5, 5 + 9) to BF16 == the CPU values rounded to BF16 (one BF16 step of slack:
    // the f32 values may differ in the last bit before rounding).
    void dequantizeBf16() {
        DW_REQUIRE_GPU();
        QFETCH(DType, type);
        const int64_t k = 512, n = 20, row0 = 5, rows = 9;
        const size_t rb = rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rb, 8);
        auto dw = toDevice(w);
        const size_t count = size_t(rows * k);
        auto dout = poisonedOutput<uint16_t>(count);
        cuda::dequantizeRowsBf16({type, k, n, dw.data(), rb}, row0, rows, dout.as<uint16_t>(),
                                 nullptr);
        cuda::synchronize(nullptr);
        const auto got = fromDevice<uint16_t>(dout, count);
        QVERIFY(guardIntact<uint16_t>(dout, count));
        std::vector<float> ref(static_cast<size_t>(k));
        for (int64_t r = 0; r < rows; ++r) {
            quant::dequantizeRow(type, w.data() + size_t(row0 + r) * rb, ref.data(), k);
            for (int64_t j = 0; j < k; ++j) {
                const float g = bf16ToFp32(got[size_t(r * k + j)]);
                const float e = ref[size_t(j)];
                QVERIFY2(
                    std::fabs(g - e) <= std::fabs(e) * (1.0f / 128.0f) + 1e-6f,
                    qPrintable(QString("row %1 element %2: %3 vs %4").arg(r).arg(j).arg(g).arg(e)));
            }
        }
    }

    void matmul_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<qint64>("k");
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("tokens");
        QTest::addColumn<qint64>("slabRows"); // 0: scratch for the whole matrix
        for (DType t : allTypes()) {
            const int64_t blk = dtypeTraits(t).blockSize == 1 ? 32 : dtypeTraits(t).blockSize;
            QTest::newRow(nameOf(t) + " t=1")
                << t << qint64(blk * 3) << qint64(257) << qint64(1) << qint64(0);
            QTest::newRow(nameOf(t) + " t=9")
                << t << qint64(2048) << qint64(130) << qint64(9) << qint64(0);
            QTest::newRow(nameOf(t) + " t=64 slabs of 50 rows")
                << t << qint64(1024) << qint64(257) << qint64(64) << qint64(50);
            QTest::newRow(nameOf(t) + " t=200 slabs of 1 row")
                << t << qint64(512) << qint64(7) << qint64(200) << qint64(1);
        }
    }

    // BF16 operands, FP32 accumulation: vs the f32 product of the dequantized weights
    // (NMSE 1e-4 for the two BF16 roundings; 1e-9 for F32 weights, an FP32 GEMM) and vs
    // cpu::matmul (5e-4 for float weights; vsCpuEngine's bounds for quantized ones, whose
    // CPU activations are Q8 blocks). Scratch smaller than the matrix exercises the slab
    // loop.
    void matmul() {
        DW_REQUIRE_GPU();
        QFETCH(DType, type);
        QFETCH(qint64, k);
        QFETCH(qint64, n);
        QFETCH(qint64, tokens);
        QFETCH(qint64, slabRows);
        const size_t rb = rowBytes(type, k);
        const auto w = randomWeights(type, k, n, rb, uint32_t(n + tokens));
        const auto x = randomActivations(k * tokens, 17);
        auto dw = toDevice(w);
        auto dx = toDevice(x);
        const cuda::MatView mv{type, k, n, dw.data(), rb};
        size_t scratchBytes = cuda::matmulScratchBytes(mv, tokens);
        if (slabRows > 0 && type != DType::F32)
            scratchBytes = cuda::alignUp(size_t(tokens * k) * 2) + size_t(slabRows * k) * 2;
        cuda::DeviceBuffer scratch(scratchBytes);
        const size_t count = size_t(n * tokens);
        auto dy = poisonedOutput<float>(count);
        cuda::Blas blas;
        cuda::matmul(blas, mv, dx.as<float>(), tokens, dy.as<float>(), scratch.data(),
                     scratch.bytes(), nullptr);
        cuda::synchronize(nullptr);
        const auto y = fromDevice<float>(dy, count);
        QCOMPARE(firstNonFinite(y), int64_t(-1));
        QVERIFY(guardIntact<float>(dy, count));

        std::vector<double> exact(count);
        std::vector<float> row(static_cast<size_t>(k));
        for (int64_t r = 0; r < n; ++r) {
            quant::dequantizeRow(type, w.data() + size_t(r) * rb, row.data(), k);
            for (int64_t t = 0; t < tokens; ++t) {
                double s = 0.0;
                for (int64_t j = 0; j < k; ++j) s += double(row[size_t(j)]) * x[size_t(t * k + j)];
                exact[size_t(t * n + r)] = s;
            }
        }
        const double limit = type == DType::F32 ? 1e-9 : 1e-4;
        QVERIFY2(nmse(exact, y) < limit,
                 qPrintable(QString("NMSE vs float %1").arg(nmse(exact, y))));
        ThreadPool pool(2);
        cpu::MatmulScratch cs;
        std::vector<float> cpuY(count);
        cpu::matmul({type, k, n, w.data(), rb}, x.data(), tokens, cpuY.data(), pool, cs);
        if (dtypeTraits(type).quantized) { // BF16 here, Q8_0/Q8_1/Q8_K there: vsCpuEngine
            const QString why = vsCpuEngine(cpuY, y, n, rowNorms(type, w.data(), k, n, rb),
                                            rowNorms(x.data(), k, tokens));
            QVERIFY2(why.isEmpty(), qPrintable(why));
        } else {
            QVERIFY2(nmse(cpuY, y) < 5e-4,
                     qPrintable(QString("NMSE vs cpu::matmul %1").arg(nmse(cpuY, y))));
        }

        dy.fill(kPoison); // run twice: bit-identical
        cuda::matmul(blas, mv, dx.as<float>(), tokens, dy.as<float>(), scratch.data(),
                     scratch.bytes(), nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(bitIdentical(y, fromDevice<float>(dy, count)));
    }
};

QTEST_APPLESS_MAIN(TestCudaMatmul)
#include "tst_cuda_matmul.moc"
