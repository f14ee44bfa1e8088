// Tiled dot products (VecDotTileFn): kernel selection, the scalar tile against the scalar
// dots (exactly), and every tile kernel the CPU supports — each variant's own and the one
// vecDotTileFn picks per ISA — against the scalar single dots, for every type with a dot
// product, 1..32 rows x 1..19 columns, lengths from none to many blocks (across the
// kernels' chunk boundaries), padded strides and an output with guard values around it.
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
constexpr int kCols = 19;          // activation rows in the test matrices
constexpr size_t kWeightPad = 13;  // bytes after every weight row (odd: unaligned rows)
constexpr size_t kActPad = 7;      // bytes after every activation row
constexpr float kGuard = -7777.0f; // output cells a tile must not write

// Row-major matrix of `rows` rows at `stride` bytes; the padding holds bytes no kernel may use.
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

// Activation rows in vecDotType(t), from the scalar quantizers.
Matrix randomActivations(DType t, int64_t n, int cols, uint32_t seed) {
    const DType at = vecDotType(t);
    const KernelTable& ref = kernelTable(KernelVariant::Scalar);
    Matrix m;
    m.stride = rowBytes(at, n) + kActPad;
    m.bytes.assign(m.stride * size_t(cols), 0x5a);
    for (int c = 0; c < cols; ++c) {
        // Rows of different scales, one of them all zero.
        auto x = gaussian(n, seed + uint32_t(c), c == 3 ? 0.0f : float(1 + c % 5));
        uint8_t* dst = m.bytes.data() + size_t(c) * m.stride;
        if (n == 0) continue;
        if (at == DType::F32)
            std::memcpy(dst, x.data(), x.size() * 4);
        else if (at == DType::Q8_0)
            ref.quantizeQ8_0(x.data(), dst, n);
        else if (at == DType::Q8_1)
            ref.quantizeQ8_1(x.data(), dst, n);
        else
            ref.quantizeQ8_K(x.data(), dst, n);
    }
    return m;
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
    if (!dtypeTraits(t).quantized) return {0, 1, 7, 15, 16, 17, 33, 100, 640};
    if (dtypeTraits(t).blockSize == 32) return {0, 1, 2, 7, 8, 9, 17, 20}; // chunks of 8 blocks
    return {0, 1, 2, 3, 5, 8};
}

std::vector<KernelCandidate<VecDotTileFn>> candidates(DType t) {
    return kernelCandidates(t, &KernelTable::tile, &vecDotTileFn);
}

} // namespace

class TestQuantTile : public QObject {
    Q_OBJECT
private slots:
    void selection() {
        VecDotTileFn (*best)(DType) = &vecDotTileFn;
        checkKernelSelection(kDotTypes, &KernelTable::tile, static_cast<VecDotTileFn (*)(DType, Isa)>(&vecDotTileFn), best);
    }

    void tileMatchesScalar_data() {
        QTest::addColumn<DType>("type");
        for (DType t : kDotTypes) QTest::newRow(dtypeName(t).data()) << t;
    }
    // Same integer sums as the scalar dots, other float summation order: within a few ulps of
    // sum |terms|. The scalar tile loops the scalar dot and must equal it exactly. Guard
    // cells around every output block must survive, and a result must not depend on the
    // tile it was computed in (matmul's bit-identical results for any thread count rest on
    // that).
    void tileMatchesScalar() {
        QFETCH(DType, type);
        const VecDotFn scalarDot = kernelTable(KernelVariant::Scalar).dot[uint32_t(type)];
        const auto kernels = candidates(type);
        std::mt19937 rng(uint32_t(type) * 131u + 5);
        int checked = 0;
        for (int64_t units : unitsFor(type)) {
            const int64_t n = units * dtypeTraits(type).blockSize;
            const Matrix w = randomWeights(type, units, kTileMaxRows, rng);
            const Matrix a = randomActivations(type, n, kCols, uint32_t(n) + 17);
            std::vector<float> want(size_t(kTileMaxRows) * kCols);
            std::vector<double> tol(want.size());
            for (int c = 0; c < kCols; ++c) {
                for (int r = 0; r < kTileMaxRows; ++r) {
                    const size_t i = size_t(c) * kTileMaxRows + size_t(r);
                    want[i] = scalarDot(n, w.row(r), a.row(c));
                    tol[i] = 2e-6 * magnitude(type, n, w.row(r), a.row(c)) + 1e-30;
                }
            }
            for (const auto& k : kernels) {
                const bool exact = k.name.endsWith("scalar");
                std::vector<float> full(want.size(), kGuard);
                k.fn(n, w.bytes.data(), w.stride, kTileMaxRows, a.bytes.data(), a.stride, kCols,
                     full.data(), kTileMaxRows);
                for (int nRows = 1; nRows <= kTileMaxRows; ++nRows) {
                    for (int nCols : {1, 2, 3, 4, 5, 8, 9, 17, kCols}) {
                        // Rows 32 - nRows .. 31 and columns 19 - nCols .. 18: the bottom right,
                        // written with nRows + 3 floats per column and guards around it.
                        const int r0 = kTileMaxRows - nRows, c0 = kCols - nCols;
                        const size_t outStride = size_t(nRows) + 3;
                        std::vector<float> out(outStride * size_t(nCols) + 4, kGuard);
                        k.fn(n, w.row(r0), w.stride, nRows, a.row(c0), a.stride, nCols,
                             out.data() + 2, outStride);
                        QString error;
                        for (size_t i = 0; i < out.size() && error.isEmpty(); ++i) {
                            const int64_t cell = int64_t(i) - 2;
                            const int c = int(cell / int64_t(outStride));
                            const int r = int(cell % int64_t(outStride));
                            if (cell < 0 || c >= nCols || r >= nRows) {
                                if (out[i] != kGuard)
                                    error = QString("wrote outside the tile at %1").arg(i);
                                continue;
                            }
                            const size_t ref = size_t(c0 + c) * kTileMaxRows + size_t(r0 + r);
                            const float got = out[i];
                            const bool ok = exact ? got == want[ref]
                                                  : std::fabs(double(got) - want[ref]) <= tol[ref];
                            if (!ok || got != full[ref]) {
                                error = QString("row %1 col %2: %3, scalar dot %4 (tol %5), in the "
                                                "full tile %6")
                                            .arg(r0 + r)
                                            .arg(c0 + c)
                                            .arg(double(got), 0, 'g', 9)
                                            .arg(double(want[ref]), 0, 'g', 9)
                                            .arg(exact ? 0.0 : tol[ref])
                                            .arg(double(full[ref]), 0, 'g', 9);
                            }
                            ++checked;
                        }
                        QVERIFY2(error.isEmpty(), qPrintable(QString("%1 n=%2 %3x%4: %5")
                                                                 .arg(k.name)
                                                                 .arg(n)
                                                                 .arg(nRows)
                                                                 .arg(nCols)
                                                                 .arg(error)));
                    }
                }
            }
        }
        QVERIFY(checked > 0);
    }

    // A tile whose rows are not a whole number of vectors and whose columns are one short of a
    // register tile, on long rows: the path of the last band of a real matrix.
    void longRows_data() { tileMatchesScalar_data(); }
    void longRows() {
        QFETCH(DType, type);
        const auto& tr = dtypeTraits(type);
        const int64_t units = tr.quantized ? 16384 / tr.blockSize : 4099;
        const int64_t n = units * tr.blockSize;
        std::mt19937 rng(7);
        const Matrix w = randomWeights(type, units, 21, rng);
        const Matrix a = randomActivations(type, n, 7, 3);
        const VecDotFn scalarDot = kernelTable(KernelVariant::Scalar).dot[uint32_t(type)];
        for (const auto& k : candidates(type)) {
            std::vector<float> out(21 * 7);
            k.fn(n, w.bytes.data(), w.stride, 21, a.bytes.data(), a.stride, 7, out.data(), 21);
            for (int c = 0; c < 7; ++c) {
                for (int r = 0; r < 21; ++r) {
                    const double want = scalarDot(n, w.row(r), a.row(c));
                    const double tol = 2e-6 * magnitude(type, n, w.row(r), a.row(c)) + 1e-30;
                    QVERIFY2(std::fabs(out[size_t(c * 21 + r)] - want) <= tol,
                             qPrintable(QString("%1 row %2 col %3: %4 vs %5")
                                            .arg(k.name)
                                            .arg(r)
                                            .arg(c)
                                            .arg(double(out[size_t(c * 21 + r)]), 0, 'g', 9)
                                            .arg(want, 0, 'g', 9)));
                }
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestQuantTile)
#include "tst_quant_tile.moc"
