// Dot products: the activation-format mapping, kernel selection, every SIMD kernel against
// the scalar one, and the scalar one against a double-precision product of dequantized rows.
#include "quant/kernels.h"
#include "quant/quant.h"
#include "quant_test_util.h"

#include <QtTest>

#include <cstdlib>

using namespace dw;
using namespace dw::quant;
using namespace dw::quant::test;

Q_DECLARE_METATYPE(dw::DType)

namespace {

const DType kDotTypes[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                           DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                           DType::Q4_K, DType::Q5_K, DType::Q6_K};

bool isOffsetType(DType t) {
    return t == DType::Q4_1 || t == DType::Q5_1;
}

// An activation row in vecDotType(t) (scalar quantizer) and its dequantized values.
struct Activation {
    std::vector<uint8_t> bytes;
    std::vector<float> values; // as the kernels see them
};

Activation makeActivation(DType weightType, const std::vector<float>& x) {
    Activation a;
    const DType at = vecDotType(weightType);
    const int64_t n = int64_t(x.size());
    a.bytes.resize(rowBytes(at, n));
    const KernelTable& ref = kernelTable(KernelVariant::Scalar);
    switch (at) {
    case DType::F32:
        std::memcpy(a.bytes.data(), x.data(), x.size() * 4);
        break;
    case DType::Q8_0:
        ref.quantizeQ8_0(x.data(), a.bytes.data(), n);
        break;
    case DType::Q8_1:
        ref.quantizeQ8_1(x.data(), a.bytes.data(), n);
        break;
    case DType::Q8_K:
        ref.quantizeQ8_K(x.data(), a.bytes.data(), n);
        break;
    default:
        break;
    }
    a.values.resize(x.size());
    dequantizeRow(at, a.bytes.data(), a.values.data(), n);
    return a;
}

// sum |w_i * a_i| (+ sum |m_w * s_a| for the offset types): the scale of the float rounding.
double magnitude(DType t, const std::vector<uint8_t>& w, const std::vector<float>& wv,
                 const Activation& a) {
    double m = 0;
    for (size_t i = 0; i < wv.size(); ++i) m += std::fabs(double(wv[i]) * a.values[i]);
    if (isOffsetType(t)) {
        const size_t wb = dtypeTraits(t).blockBytes;
        for (size_t b = 0; b < wv.size() / 32; ++b) {
            m += std::fabs(double(getHalf(w, b * wb + 2)) * getHalf(a.bytes, b * 36 + 2));
        }
    }
    return m;
}

std::vector<int64_t> lengthsFor(DType t) {
    if (!dtypeTraits(t).quantized) return {1, 7, 16, 33, 100, 640, 1000};
    if (dtypeTraits(t).blockSize == 32) return {1, 2, 3, 4, 5, 7, 8, 20, 33, 64, 101};
    return {1, 2, 3, 5, 8, 11};
}

} // namespace

class TestQuantDot : public QObject {
    Q_OBJECT
private slots:
    void vecDotTypes() {
        QCOMPARE(vecDotType(DType::F32), DType::F32);
        QCOMPARE(vecDotType(DType::F16), DType::F32);
        QCOMPARE(vecDotType(DType::BF16), DType::F32);
        for (DType t : {DType::Q4_0, DType::Q5_0, DType::Q8_0})
            QCOMPARE(vecDotType(t), DType::Q8_0);
        for (DType t : {DType::Q4_1, DType::Q5_1}) QCOMPARE(vecDotType(t), DType::Q8_1);
        for (DType t : {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
            QCOMPARE(vecDotType(t), DType::Q8_K);
        }
        QVERIFY_THROWS_EXCEPTION(Error, vecDotType(DType::IQ2_XXS));
        QVERIFY_THROWS_EXCEPTION(Error, vecDotType(DType::Q8_K));
    }

    void kernelSelection() {
        QVERIFY(isaSupported(Isa::Scalar));
        QVERIFY(isaSupported(bestIsa()));
        QCOMPARE(QString(isaName(Isa::Avx512)), QString("avx512"));
        for (DType t : kDotTypes) {
            for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
                QVERIFY(vecDotFn(t, isa) != nullptr);
            QVERIFY(vecDotFn(t, Isa::Scalar) ==
                    kernelTable(KernelVariant::Scalar).dot[uint32_t(t)]);
            QVERIFY(vecDotFn(t) == vecDotFn(t, bestIsa()));
            if (isaSupported(Isa::Avx512)) {
                QVERIFY(vecDotFn(t, Isa::Avx512) ==
                        kernelTable(kernelVariantFor(Isa::Avx512)).dot[uint32_t(t)]);
            }
        }
        QVERIFY(vecDotFn(DType::IQ4_XS, Isa::Scalar) == nullptr);
        QVERIFY(vecDotFn(DType::Q8_K, Isa::Avx2) == nullptr); // activation-only
        // VNNI is used exactly when the CPU has it.
        if (isaSupported(Isa::Avx512)) {
            QCOMPARE(kernelVariantFor(Isa::Avx512) == KernelVariant::Avx512Vnni,
                     kernelVariantSupported(KernelVariant::Avx512Vnni));
        }
    }

    // ctest also runs this suite with DEEPWELL_ISA=scalar and =avx2 (tests/.../CMakeLists.txt).
    void environmentLowersIsa() {
        const char* env = std::getenv("DEEPWELL_ISA");
        const QString wanted = env ? QString(env) : QString();
        if (wanted == "scalar")
            QCOMPARE(bestIsa(), Isa::Scalar);
        else if (wanted == "avx2")
            QCOMPARE(bestIsa(), isaSupported(Isa::Avx2) ? Isa::Avx2 : Isa::Scalar);
        else
            QCOMPARE(bestIsa(), isaSupported(Isa::Avx512) ? Isa::Avx512
                                : isaSupported(Isa::Avx2) ? Isa::Avx2
                                                          : Isa::Scalar);
        QVERIFY(vecDotFn(DType::Q4_K) == vecDotFn(DType::Q4_K, bestIsa()));
    }

    void simdMatchesScalar_data() {
        QTest::addColumn<DType>("type");
        for (DType t : kDotTypes) QTest::newRow(dtypeName(t).data()) << t;
    }
    // Same integer sums, different float summation order: the difference is bounded by a
    // few ulps of the sum of |terms|.
    void simdMatchesScalar() {
        QFETCH(DType, type);
        const VecDotFn scalar = kernelTable(KernelVariant::Scalar).dot[uint32_t(type)];
        QVERIFY(scalar);
        std::mt19937 rng(uint32_t(type) * 7919u + 1);
        int checked = 0;
        for (int64_t units : lengthsFor(type)) {
            const int64_t n = units * dtypeTraits(type).blockSize;
            const auto w = randomWeightRow(type, units, rng);
            std::vector<float> wv(static_cast<size_t>(n));
            dequantizeRow(type, w.data(), wv.data(), n);
            const Activation a = makeActivation(type, gaussian(n, uint32_t(n) + 3));
            const float want = scalar(n, w.data(), a.bytes.data());
            const double tol = 2e-6 * magnitude(type, w, wv, a) + 1e-30;
            for (KernelVariant v : kAllKernelVariants) {
                if (v == KernelVariant::Scalar || !kernelVariantSupported(v)) continue;
                const VecDotFn f = kernelTable(v).dot[uint32_t(type)];
                if (!f) continue;
                const float got = f(n, w.data(), a.bytes.data());
                ++checked;
                QVERIFY2(std::fabs(double(got) - want) <= tol,
                         qPrintable(QString("%1 n=%2: %3 vs scalar %4 (tol %5)")
                                        .arg(kernelVariantName(v))
                                        .arg(n)
                                        .arg(double(got), 0, 'g', 9)
                                        .arg(double(want), 0, 'g', 9)
                                        .arg(tol)));
            }
        }
        if (!kernelVariantSupported(KernelVariant::Avx2)) QSKIP("no SIMD kernels on this CPU");
        QVERIFY(checked > 0);
    }

    void scalarMatchesDequantized_data() { simdMatchesScalar_data(); }
    // dot(W, quantize(x)) against sum_i w_i x_i in double, with w_i the dequantized weights:
    // the only differences are the activation rounding, bounded by sum |w_i| |x_i - x^_i|,
    // the Q8_1 s rounding (offset types) and float summation.
    void scalarMatchesDequantized() {
        QFETCH(DType, type);
        const int64_t n = dtypeTraits(type).quantized ? 2048 : 1000;
        const auto x = gaussian(n, 99);
        std::vector<uint8_t> w(rowBytes(type, n));
        quantizeRow(type, gaussian(n, 98).data(), w.data(), n);
        std::vector<float> wv(static_cast<size_t>(n));
        dequantizeRow(type, w.data(), wv.data(), n);
        const Activation a = makeActivation(type, x);
        double exact = 0, bound = 0;
        for (int64_t i = 0; i < n; ++i) {
            exact += double(wv[i]) * x[i];
            bound += std::fabs(double(wv[i])) * std::fabs(double(x[i]) - a.values[i]);
        }
        if (isOffsetType(type)) {
            const size_t wb = dtypeTraits(type).blockBytes;
            for (int64_t b = 0; b < n / 32; ++b) {
                double sumQ = 0;
                for (int j = 0; j < 32; ++j) sumQ += int8_t(a.bytes[b * 36 + 4 + j]);
                const double sExact = double(getHalf(a.bytes, b * 36)) * sumQ;
                bound += std::fabs(getHalf(w, b * wb + 2)) *
                         std::fabs(getHalf(a.bytes, b * 36 + 2) - sExact);
            }
        }
        bound += 1e-5 * magnitude(type, w, wv, a);
        for (Isa isa : {Isa::Scalar, bestIsa()}) {
            const float got = vecDotFn(type, isa)(n, w.data(), a.bytes.data());
            QVERIFY2(std::fabs(got - exact) <= bound, qPrintable(QString("%1: %2 vs %3, bound %4")
                                                                     .arg(isaName(isa))
                                                                     .arg(double(got))
                                                                     .arg(exact)
                                                                     .arg(bound)));
        }
        // The bound is tight enough to mean something: far below the size of the product.
        QVERIFY(bound < 0.05 * magnitude(type, w, wv, a));
    }
};

QTEST_APPLESS_MAIN(TestQuantDot)
#include "tst_quant_dot.moc"
