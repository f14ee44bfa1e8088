// Multi-row decode kernels (VecDotRowsFn): kernel selection, the scalar rows against the scalar
// dots (exactly), and every rows kernel the CPU supports — each variant's own and the one
// vecDotRowsFn picks per ISA — against the scalar single dots, for every type with a dot
// product: every row count 1..kRowsMax at several first rows, lengths from none to many
// blocks, padded (odd) strides, activations of several scales (one all zero) at unaligned
// addresses, guard values around the output, and a row's bits independent of the rows that
// share its call.
#include "quant/kernels.h"
#include "quant/quant.h"
#include "kernel_table_test_util.h"
#include "quant_test_util.h"

#include <QtTest>

#include <cstring>

using namespace dw;
using namespace dw::quant;
using namespace dw::quant::test;

Q_DECLARE_METATYPE(dw::DType)

namespace {

const DType kDotTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                           DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                           DType::Q4_K, DType::Q5_K, DType::Q6_K};
constexpr int kRows = kRowsMax + 5; // weight rows of the test matrices
constexpr size_t kWeightPad = 13;   // bytes after every weight row (odd: unaligned rows)
constexpr float kGuard = -7777.0f;  // output cells a kernel must not write
constexpr int kActs = 3;            // activation rows: scales 1 and 4, and all zero

struct Matrix {
    std::vector<uint8_t> bytes;
    size_t stride = 0;
    const uint8_t* row(int r) const { return bytes.data() + size_t(r) * stride; }
};

Matrix randomWeights(DType t, int64_t units, int rows, std::mt19937& rng) {
    Matrix m;
    m.stride = rowBytes(t, units * dtypeTraits(t).blockSize) + kWeightPad;
    m.bytes.assign(m.stride * size_t(rows), 0xa5);
    for (int r = 0; r < rows; ++r) {
        const auto row = randomWeightRow(t, units, rng);
        if (!row.empty())
            std::memcpy(m.bytes.data() + size_t(r) * m.stride, row.data(), row.size());
    }
    return m;
}

// One activation row in vecDotType(t) from the scalar quantizers, stored `offset` bytes into
// its buffer (so that the kernels see unaligned activations too).
struct Activation {
    std::vector<uint8_t> bytes;
    size_t offset = 0;
    const uint8_t* data() const { return bytes.data() + offset; }
};

Activation randomActivation(DType t, int64_t n, float sigma, uint32_t seed, size_t offset) {
    const DType at = vecDotType(t);
    const KernelTable& ref = kernelTable(KernelVariant::Scalar);
    Activation a;
    a.offset = offset;
    a.bytes.assign(rowBytes(at, n) + offset + 8, 0x5a);
    if (n == 0) return a;
    const auto x = gaussian(n, seed, sigma);
    uint8_t* dst = a.bytes.data() + offset;
    if (at == DType::F32)
        std::memcpy(dst, x.data(), x.size() * 4);
    else if (at == DType::Q8_0)
        ref.quantizeQ8_0(x.data(), dst, n);
    else if (at == DType::Q8_1)
        ref.quantizeQ8_1(x.data(), dst, n);
    else
        ref.quantizeQ8_K(x.data(), dst, n);
    return a;
}

// sum_i |w_i a_i| (+ |m_w s_a| per block for Q4_1 / Q5_1): the scale of the float rounding.
double magnitude(DType t, int64_t n, const uint8_t* w, const uint8_t* a) {
    std::vector<float> wv(static_cast<size_t>(n)), av(static_cast<size_t>(n));
    dequantizeRow(t, w, wv.data(), n);
    dequantizeRow(vecDotType(t), a, av.data(), n);
    double m = 0;
    for (int64_t i = 0; i < n; ++i) m += std::fabs(double(wv[size_t(i)]) * av[size_t(i)]);
    if (t == DType::Q4_1 || t == DType::Q5_1) {
        const size_t wb = dtypeTraits(t).blockBytes;
        for (int64_t b = 0; b < n / 32; ++b) {
            uint16_t mw, sa;
            std::memcpy(&mw, w + size_t(b) * wb + 2, 2);
            std::memcpy(&sa, a + size_t(b) * 36 + 2, 2);
            m += std::fabs(double(fp16ToFp32(mw)) * fp16ToFp32(sa));
        }
    }
    return m;
}

std::vector<int64_t> unitsFor(DType t) {
    if (!dtypeTraits(t).quantized) return {0, 1, 7, 8, 9, 15, 16, 17, 33, 100, 640};
    if (dtypeTraits(t).blockSize == 32) return {0, 1, 2, 3, 7, 20, 64};
    return {0, 1, 2, 3, 4, 8};
}

std::vector<KernelCandidate<VecDotRowsFn>> candidates(DType t) {
    return kernelCandidates(t, &KernelTable::rows, &vecDotRowsFn);
}

} // namespace

class TestQuantRows : public QObject {
    Q_OBJECT
private slots:
    void selection() {
        VecDotRowsFn (*best)(DType) = &vecDotRowsFn;
        checkKernelSelection(kDotTypes, &KernelTable::rows, static_cast<VecDotRowsFn (*)(DType, Isa)>(&vecDotRowsFn), best);
    }

    void rowsMatchScalar_data() {
        QTest::addColumn<DType>("type");
        for (DType t : kDotTypes) QTest::newRow(dtypeName(t).data()) << t;
    }
    // Same integer sums as the scalar dots, other float summation order: within a few ulps of
    // sum |terms|; the scalar rows loop the scalar dot and must equal it exactly. Every call
    // (nRows rows from row r0) must leave the guards around its nRows outputs alone and give
    // each row the bits it gets alone (nRows = 1): matmul's results for any thread count, and
    // any piece split, rest on that.
    void rowsMatchScalar() {
        QFETCH(DType, type);
        const VecDotFn scalarDot = kernelTable(KernelVariant::Scalar).dot[uint32_t(type)];
        const auto kernels = candidates(type);
        std::mt19937 rng(uint32_t(type) * 977u + 3);
        int checked = 0;
        for (int64_t units : unitsFor(type)) {
            const int64_t n = units * dtypeTraits(type).blockSize;
            const Matrix w = randomWeights(type, units, kRows, rng);
            for (int act = 0; act < kActs; ++act) {
                const float sigma = act == 2 ? 0.0f : act == 0 ? 1.0f : 4.0f;
                const Activation a =
                    randomActivation(type, n, sigma, uint32_t(n * 7 + act), size_t(act * 3));
                std::vector<float> want(kRows);
                std::vector<double> tol(kRows);
                for (int r = 0; r < kRows; ++r) {
                    want[size_t(r)] = scalarDot(n, w.row(r), a.data());
                    tol[size_t(r)] = 2e-6 * magnitude(type, n, w.row(r), a.data()) + 1e-30;
                }
                for (const auto& k : kernels) {
                    const bool exact = k.name.endsWith("scalar");
                    std::vector<float> alone(kRows);
                    for (int r = 0; r < kRows; ++r)
                        k.fn(n, w.row(r), w.stride, 1, a.data(), &alone[size_t(r)]);
                    for (int nRows = 1; nRows <= kRowsMax; ++nRows) {
                        for (int r0 : {0, 1, kRows - nRows}) {
                            std::vector<float> out(size_t(nRows) + 4, kGuard);
                            k.fn(n, w.row(r0), w.stride, nRows, a.data(), out.data() + 2);
                            QString error;
                            for (size_t i = 0; i < out.size() && error.isEmpty(); ++i) {
                                const int r = int(i) - 2;
                                if (r < 0 || r >= nRows) {
                                    if (out[i] != kGuard)
                                        error = QString("wrote outside the rows at %1").arg(r);
                                    continue;
                                }
                                const size_t ref = size_t(r0 + r);
                                const float got = out[i];
                                const bool ok =
                                    exact ? got == want[ref]
                                          : std::fabs(double(got) - want[ref]) <= tol[ref];
                                if (!ok || got != alone[ref]) {
                                    error = QString("row %1: %2, scalar dot %3 (tol %4), alone %5")
                                                .arg(r0 + r)
                                                .arg(double(got), 0, 'g', 9)
                                                .arg(double(want[ref]), 0, 'g', 9)
                                                .arg(exact ? 0.0 : tol[ref])
                                                .arg(double(alone[ref]), 0, 'g', 9);
                                }
                                ++checked;
                            }
                            QVERIFY2(error.isEmpty(),
                                     qPrintable(QString("%1 n=%2 act %3, %4 rows from %5: %6")
                                                    .arg(k.name)
                                                    .arg(n)
                                                    .arg(act)
                                                    .arg(nRows)
                                                    .arg(r0)
                                                    .arg(error)));
                        }
                    }
                }
            }
        }
        QVERIFY(checked > 0);
    }

    // Long rows (16384 values) with an odd number of rows: many blocks per row, the split
    // into kernels of 4, 2 and 1 rows, and prefetches running far ahead.
    void longRows_data() { rowsMatchScalar_data(); }
    void longRows() {
        QFETCH(DType, type);
        const auto& tr = dtypeTraits(type);
        const int64_t units = tr.quantized ? 16384 / tr.blockSize : 16387;
        const int64_t n = units * tr.blockSize;
        std::mt19937 rng(11);
        const Matrix w = randomWeights(type, units, 7, rng);
        const Activation a = randomActivation(type, n, 2.0f, 5, 1);
        const VecDotFn scalarDot = kernelTable(KernelVariant::Scalar).dot[uint32_t(type)];
        for (const auto& k : candidates(type)) {
            std::vector<float> out(7);
            k.fn(n, w.bytes.data(), w.stride, 7, a.data(), out.data());
            for (int r = 0; r < 7; ++r) {
                const double want = scalarDot(n, w.row(r), a.data());
                const double tol = 2e-6 * magnitude(type, n, w.row(r), a.data()) + 1e-30;
                QVERIFY2(std::fabs(out[size_t(r)] - want) <= tol,
                         qPrintable(QString("%1 row %2: %3 vs %4")
                                        .arg(k.name)
                                        .arg(r)
                                        .arg(double(out[size_t(r)]), 0, 'g', 9)
                                        .arg(want, 0, 'g', 9)));
            }
        }
    }

    // The several-token kernels (VecDotRowsTokensFn) of every variant the CPU supports, and
    // the one vecDotRowsTokensFn picks: every row count and token count 1..kRowsMax, tokens
    // at an odd stride, lengths from none to 18 super-blocks (more than one buffered group
    // of activation blocks), an all-zero token among them. Each output must be the bits the
    // same variant's VecDotRowsFn gives that row and token, and nothing outside the outputs
    // may be written. (Batched decode must not change a sequence's numbers.)
    void rowsTokensMatchRows() {
        int checked = 0;
        for (DType type : kDotTypes) {
            for (KernelVariant v : kAllKernelVariants) {
                if (!kernelVariantSupported(v) || !kernelTable(v).rowsTokens[uint32_t(type)]) continue;
                const VecDotRowsTokensFn multi = kernelTable(v).rowsTokens[uint32_t(type)];
                const VecDotRowsFn rows = kernelTable(v).rows[uint32_t(type)];
                QVERIFY2(rows, "a variant with a several-token kernel must have the rows kernel");
                std::mt19937 rng(uint32_t(type) * 31u + uint32_t(v));
                for (int64_t units : {0, 1, 3, 8, 9, 18}) {
                    const int64_t n = units * dtypeTraits(type).blockSize;
                    const Matrix w = randomWeights(type, units, kRowsMax, rng);
                    const size_t actRow = rowBytes(vecDotType(type), n) + 40; // odd stride
                    std::vector<uint8_t> acts(actRow * kRowsMax + 8, 0);
                    for (int t = 0; t < kRowsMax; ++t) {
                        const float sigma = t == 3 ? 0.0f : 0.5f + float(t);
                        const Activation a = randomActivation(type, n, sigma, uint32_t(n + 17 * t), 0);
                        std::memcpy(acts.data() + 3 + size_t(t) * actRow, a.data(), rowBytes(vecDotType(type), n));
                    }
                    const uint8_t* a0 = acts.data() + 3;
                    for (int nRows = 1; nRows <= kRowsMax; ++nRows) {
                        // The rows kernel's results of these nRows rows, per token.
                        float want[kRowsMax][kRowsMax];
                        for (int t = 0; t < kRowsMax; ++t)
                            rows(n, w.row(0), w.stride, nRows, a0 + size_t(t) * actRow, want[t]);
                        for (int nTokens = 1; nTokens <= kRowsMax; ++nTokens) {
                            const size_t outStride = size_t(nRows) + 3;
                            std::vector<float> out(outStride * size_t(nTokens) + 2, kGuard);
                            multi(n, w.row(0), w.stride, nRows, a0, actRow, nTokens, out.data() + 1, outStride);
                            for (size_t i = 0; i < out.size(); ++i) {
                                const int64_t cell = int64_t(i) - 1;
                                const int t = int(cell / int64_t(outStride)), r = int(cell % int64_t(outStride));
                                if (cell < 0 || t >= nTokens || r >= nRows) {
                                    QVERIFY2(out[i] == kGuard, qPrintable(QString("%1 %2: wrote outside the outputs")
                                                                              .arg(kernelVariantName(v)).arg(dtypeName(type).data())));
                                    continue;
                                }
                                QVERIFY2(out[i] == want[t][r],
                                         qPrintable(QString("%1 %2 n=%3 %4 rows %5 tokens: row %6 token %7: %8, rows kernel %9")
                                                        .arg(kernelVariantName(v)).arg(dtypeName(type).data()).arg(n)
                                                        .arg(nRows).arg(nTokens).arg(r).arg(t)
                                                        .arg(double(out[i]), 0, 'g', 9).arg(double(want[t][r]), 0, 'g', 9)));
                                ++checked;
                            }
                        }
                    }
                }
            }
            // The pick for the best ISA is a variant's own kernel (or none).
            const VecDotRowsTokensFn best = vecDotRowsTokensFn(type);
            if (best) {
                bool own = false;
                for (KernelVariant v : kAllKernelVariants)
                    own = own || (kernelVariantSupported(v) && kernelTable(v).rowsTokens[uint32_t(type)] == best);
                QVERIFY(own);
            }
        }
        if (checked == 0) QSKIP("this CPU has no several-token kernel (they need AVX-512)");
    }
};

QTEST_APPLESS_MAIN(TestQuantRows)
#include "tst_quant_rows.moc"
