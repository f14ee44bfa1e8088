// Quantizers: round-trip error on Gaussian data, exactness on the grid, the activation
// formats' side fields, byte-identical activation quantizers across instruction sets, and
// argument checks.
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant.h"
#include "quant_test_util.h"

#include <QtTest>

using namespace dw;
using namespace dw::quant;
using namespace dw::quant::test;

Q_DECLARE_METATYPE(dw::DType)

namespace {

std::vector<float> roundTrip(DType t, const std::vector<float>& x) {
    const int64_t n = int64_t(x.size());
    std::vector<uint8_t> q(rowBytes(t, n));
    quantizeRow(t, x.data(), q.data(), n);
    std::vector<float> y(x.size());
    dequantizeRow(t, q.data(), y.data(), n);
    return y;
}

double relativeRms(const std::vector<float>& x, const std::vector<float>& y) {
    double err = 0, ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        ref += double(x[i]) * x[i];
    }
    return std::sqrt(err / ref);
}

// A dyadic scale per block (exact in half and in products with small integers).
float gridScale(int block) {
    static const float kScales[] = {0.25f, 0.375f, 0.0625f, 1.5f, 0.125f, 0.5f};
    return kScales[block % 6];
}

int randomInt(std::mt19937& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

} // namespace

class TestQuantQuantize : public QObject {
    Q_OBJECT
private slots:
    void roundTripError_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<double>("bound");
        // Relative RMS error (RMS(x - y) / RMS(x)) measured on 65536 N(0,1) values, seed 7:
        //   F16 0.00021, BF16 0.00165, Q8_0 0.00539, Q8_1 0.00539, Q8_K 0.00710,
        //   Q6_K 0.01666, Q5_1 0.03473, Q5_K 0.03546, Q5_0 0.04040, Q4_1 0.07145,
        //   Q4_K 0.07153, Q4_0 0.08181, Q3_K 0.14397, Q2_K 0.26328.
        // (Q8_* are absmax activation quantizers; Q8_K has one scale per 256 values.)
        // Bounds sit about 5% above, so that a regression of the search shows up.
        QTest::newRow("F32") << DType::F32 << 0.0;
        QTest::newRow("F16") << DType::F16 << 0.00023;
        QTest::newRow("BF16") << DType::BF16 << 0.0018;
        QTest::newRow("Q8_0") << DType::Q8_0 << 0.0057;
        QTest::newRow("Q8_1") << DType::Q8_1 << 0.0057;
        QTest::newRow("Q8_K") << DType::Q8_K << 0.0075;
        QTest::newRow("Q6_K") << DType::Q6_K << 0.0175;
        QTest::newRow("Q5_1") << DType::Q5_1 << 0.0365;
        QTest::newRow("Q5_K") << DType::Q5_K << 0.0372;
        QTest::newRow("Q5_0") << DType::Q5_0 << 0.0425;
        QTest::newRow("Q4_1") << DType::Q4_1 << 0.075;
        QTest::newRow("Q4_K") << DType::Q4_K << 0.075;
        QTest::newRow("Q4_0") << DType::Q4_0 << 0.086;
        QTest::newRow("Q3_K") << DType::Q3_K << 0.151;
        QTest::newRow("Q2_K") << DType::Q2_K << 0.276;
    }
    void roundTripError() {
        QFETCH(DType, type);
        QFETCH(double, bound);
        const auto x = gaussian(65536, 7);
        const double err = relativeRms(x, roundTrip(type, x));
        qInfo("%s relative RMS error %.5f (bound %.4f)", dtypeName(type).data(), err, bound);
        QVERIFY2(err <= bound, qPrintable(QString("error %1 > bound %2").arg(err).arg(bound)));
        QVERIFY(canQuantize(type));
    }

    // The error scales with the data: the same relative error at sigma 1e-3 and 1e3.
    void scaleInvariance() {
        for (DType t : {DType::Q4_K, DType::Q6_K, DType::Q5_0, DType::Q8_0}) {
            const double ref = relativeRms(gaussian(4096, 3), roundTrip(t, gaussian(4096, 3)));
            for (float sigma : {1e-3f, 1e3f}) {
                const auto x = gaussian(4096, 3, sigma);
                const double err = relativeRms(x, roundTrip(t, x));
                QVERIFY2(std::fabs(err - ref) < 0.1 * ref, dtypeName(t).data());
            }
        }
    }

    void zerosStayZero() {
        for (DType t :
             {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q8_1,
              DType::Q8_K, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
            const std::vector<float> x(512, 0.0f);
            for (float v : roundTrip(t, x)) QCOMPARE(v, 0.0f);
        }
    }

    void exactOnGridSymmetric_data() {
        QTest::addColumn<DType>("type");
        QTest::addColumn<int>("qmin");
        QTest::addColumn<int>("qmax");
        QTest::newRow("Q4_0") << DType::Q4_0 << -8 << 7;
        QTest::newRow("Q5_0") << DType::Q5_0 << -16 << 15;
        QTest::newRow("Q8_0") << DType::Q8_0 << -127 << 127;
        QTest::newRow("Q8_1") << DType::Q8_1 << -127 << 127;
        QTest::newRow("Q8_K") << DType::Q8_K << -127 << 127;
    }
    // x = d * q with each block using the end of the range that sets its scale.
    void exactOnGridSymmetric() {
        QFETCH(DType, type);
        QFETCH(int, qmin);
        QFETCH(int, qmax);
        const int bs = int(dtypeTraits(type).blockSize);
        std::mt19937 rng(11);
        std::vector<float> x(size_t(bs) * 8);
        for (int b = 0; b < 8; ++b) {
            for (int j = 0; j < bs; ++j)
                x[b * bs + j] = gridScale(b) * float(randomInt(rng, qmin, qmax));
            x[b * bs + 5] = gridScale(b) * float(b % 2 ? qmin : qmax);
        }
        const auto y = roundTrip(type, x);
        for (size_t i = 0; i < x.size(); ++i) QCOMPARE(y[i], x[i]);
    }

    void exactOnGridOffset() {
        for (DType t : {DType::Q4_1, DType::Q5_1}) {
            const int qmax = t == DType::Q4_1 ? 15 : 31;
            std::mt19937 rng(5);
            std::vector<float> x(32 * 8);
            for (int b = 0; b < 8; ++b) {
                const float m = (b % 2 ? -1.0f : 0.5f) * float(b + 1);
                for (int j = 0; j < 32; ++j)
                    x[b * 32 + j] = gridScale(b) * float(randomInt(rng, 0, qmax)) + m;
                x[b * 32 + 3] = m;                              // q = 0
                x[b * 32 + 9] = gridScale(b) * float(qmax) + m; // q = qmax
            }
            const auto y = roundTrip(t, x);
            for (size_t i = 0; i < x.size(); ++i) QCOMPARE(y[i], x[i]);
        }
    }

    // K-quants with mins: x = d * sc_j * q - dmin * m_j, the largest sc and m at the top of
    // their range and every sub-block using q = 0 and q = qmax.
    void exactOnGridKWithMins() {
        struct Fmt {
            DType t;
            int sub;
            int qmax;
            int scMax;
        };
        for (const Fmt f : {Fmt{DType::Q2_K, 16, 3, 15}, Fmt{DType::Q4_K, 32, 15, 63},
                            Fmt{DType::Q5_K, 32, 31, 63}}) {
            std::mt19937 rng(9);
            std::vector<float> x(512);
            for (int sb = 0; sb < 2; ++sb) {
                const float d = sb ? 0.125f : 0.0078125f, dmin = sb ? 0.0625f : 0.25f;
                for (int j = 0; j < 256 / f.sub; ++j) {
                    const int sc = j == 1 ? f.scMax : randomInt(rng, 1, f.scMax);
                    const int m = j == 2 ? f.scMax : randomInt(rng, 0, f.scMax);
                    float* xs = x.data() + sb * 256 + j * f.sub;
                    for (int l = 0; l < f.sub; ++l)
                        xs[l] = d * float(sc) * float(randomInt(rng, 0, f.qmax)) - dmin * float(m);
                    xs[0] = -dmin * float(m);
                    xs[1] = d * float(sc) * float(f.qmax) - dmin * float(m);
                }
            }
            const auto y = roundTrip(f.t, x);
            for (size_t i = 0; i < x.size(); ++i) QCOMPARE(y[i], x[i]);
        }
    }

    // Signed K-quants: x = d * sc_s * q, one sub-block at the negative end of the scale range
    // and every sub-block using q = qmin.
    void exactOnGridKSigned() {
        struct Fmt {
            DType t;
            int qmin, qmax, scMin, scMax;
        };
        for (const Fmt f :
             {Fmt{DType::Q3_K, -4, 3, -32, 31}, Fmt{DType::Q6_K, -32, 31, -128, 127}}) {
            std::mt19937 rng(13);
            std::vector<float> x(512);
            for (int sb = 0; sb < 2; ++sb) {
                const float d = sb ? 0.25f : 0.001953125f;
                for (int s = 0; s < 16; ++s) {
                    const int sc = s == 3 ? f.scMin : randomInt(rng, f.scMin + 1, f.scMax);
                    float* xs = x.data() + sb * 256 + s * 16;
                    for (int l = 0; l < 16; ++l)
                        xs[l] = d * float(sc) * float(randomInt(rng, f.qmin, f.qmax));
                    xs[7] = d * float(sc) * float(f.qmin);
                }
            }
            const auto y = roundTrip(f.t, x);
            for (size_t i = 0; i < x.size(); ++i) QCOMPARE(y[i], x[i]);
        }
    }

    void plainTypesRoundTrip() {
        const std::vector<float> x = {0.0f, 1.0f, -2.5f, 0.099975586f, 65504.0f, -0.0009765625f};
        QCOMPARE(roundTrip(DType::F32, x), x);
        QCOMPARE(roundTrip(DType::F16, x), x); // all representable in half
        const auto b = roundTrip(DType::BF16, {1.0f, -2.5f, 3.0f, 0.15625f});
        QCOMPARE(b, (std::vector<float>{1.0f, -2.5f, 3.0f, 0.15625f}));
    }

    void activationSideFields() {
        const auto x = gaussian(1024, 21);
        std::vector<BlockQ8_1> q1(32);
        quantizeRow(DType::Q8_1, x.data(), q1.data(), 1024);
        for (const auto& b : q1) {
            int sum = 0;
            for (int8_t v : b.qs) sum += v;
            QCOMPARE(b.s, fp32ToFp16(fp16ToFp32(b.d) * float(sum)));
        }
        std::vector<BlockQ8_K> qk(4);
        quantizeRow(DType::Q8_K, x.data(), qk.data(), 1024);
        for (const auto& b : qk) {
            for (int g = 0; g < 16; ++g) {
                int sum = 0;
                for (int j = 0; j < 16; ++j) sum += b.qs[16 * g + j];
                QCOMPARE(int(b.bsums[g]), sum);
            }
        }
    }

    // Every activation quantizer of every ISA the CPU has writes the scalar one's bytes.
    void activationQuantizersIdentical() {
        auto x = gaussian(4096, 17);
        for (int i = 0; i < 256; ++i) x[i] = 0.0f;               // an all-zero block
        for (int i = 256; i < 512; ++i) x[i] *= 1e-6f;           // tiny values
        for (int i = 512; i < 768; ++i) x[i] = float(i % 5) - 2; // ties at x * id = +-63.5
        for (KernelVariant v : kAllKernelVariants) {
            if (!kernelVariantSupported(v)) continue;
            const KernelTable& k = kernelTable(v);
            const KernelTable& ref = kernelTable(KernelVariant::Scalar);
            struct Case {
                QuantizeActFn fn, refFn;
                DType t;
            };
            for (const Case c : {Case{k.quantizeQ8_0, ref.quantizeQ8_0, DType::Q8_0},
                                 Case{k.quantizeQ8_1, ref.quantizeQ8_1, DType::Q8_1},
                                 Case{k.quantizeQ8_K, ref.quantizeQ8_K, DType::Q8_K}}) {
                if (!c.fn) continue;
                std::vector<uint8_t> got(rowBytes(c.t, 4096)), want(got.size());
                c.fn(x.data(), got.data(), 4096);
                c.refFn(x.data(), want.data(), 4096);
                QVERIFY2(
                    got == want,
                    qPrintable(
                        QString("%1 %2").arg(kernelVariantName(v)).arg(dtypeName(c.t).data())));
            }
        }
    }

    void badArguments() {
        std::vector<float> x(512, 1.0f);
        std::vector<uint8_t> out(4096);
        QVERIFY_THROWS_EXCEPTION(Error, quantizeRow(DType::Q4_K, x.data(), out.data(), 100));
        QVERIFY_THROWS_EXCEPTION(Error, quantizeRow(DType::Q8_0, x.data(), out.data(), 33));
        QVERIFY(!canQuantize(DType::IQ4_NL));
        QVERIFY(!canQuantize(DType::I32));
        try {
            quantizeRow(DType::IQ4_NL, x.data(), out.data(), 32);
            QFAIL("no exception for IQ4_NL");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            QVERIFY2(QString::fromUtf8(e.what()).contains("IQ4_NL"), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestQuantQuantize)
#include "tst_quant_quantize.moc"
