// Dequantization of hand-built blocks. Each test writes block bytes at the byte offsets of
// ENGINE_FACTS.md 2.1/2.2 (not through our structs), and computes every expected element
// from the formulas as written there, one element at a time. The chosen scales are small
// dyadic numbers, so every expected value is exact and the comparison is exact.
#include "quant/quant.h"
#include "quant_test_util.h"

#include <QtTest>

#include <functional>

using namespace dw;
using namespace dw::quant;
using namespace dw::quant::test;

namespace {

// Deterministic "chosen" byte values covering all nibbles / bit patterns.
uint8_t pattern(int i, int block) {
    return uint8_t((i * 37 + 11 + block * 53) & 0xff);
}

using Expected = std::function<float(const std::vector<uint8_t>& blk, int e)>;

// Dequantizes `bytes` (nBlocks blocks of t) and compares with expected(block bytes, e).
void checkAgainst(DType t, const std::vector<uint8_t>& bytes, const Expected& expected) {
    const auto& tr = dtypeTraits(t);
    const int64_t nBlocks = int64_t(bytes.size() / tr.blockBytes);
    const int64_t n = nBlocks * tr.blockSize;
    std::vector<float> out(size_t(n), -12345.0f);
    dequantizeRow(t, bytes.data(), out.data(), n);
    for (int64_t b = 0; b < nBlocks; ++b) {
        const std::vector<uint8_t> blk(bytes.begin() + b * tr.blockBytes,
                                       bytes.begin() + (b + 1) * tr.blockBytes);
        for (int e = 0; e < int(tr.blockSize); ++e) {
            const float want = expected(blk, e);
            const float got = out[size_t(b * tr.blockSize + e)];
            if (got != want) {
                QFAIL(qPrintable(QString("%1 block %2 element %3: got %4, want %5")
                                     .arg(QString::fromLatin1(dtypeName(t).data()))
                                     .arg(b)
                                     .arg(e)
                                     .arg(double(got))
                                     .arg(double(want))));
            }
        }
    }
}

// nBlocks blocks of `bytesPerBlock` pattern bytes with the half fields overwritten.
std::vector<uint8_t> patternBlocks(int nBlocks, size_t bytesPerBlock) {
    std::vector<uint8_t> bytes(size_t(nBlocks) * bytesPerBlock);
    for (int b = 0; b < nBlocks; ++b) {
        for (size_t i = 0; i < bytesPerBlock; ++i)
            bytes[b * bytesPerBlock + i] = pattern(int(i), b);
    }
    return bytes;
}

uint32_t u32At(const std::vector<uint8_t>& blk, size_t off) {
    return uint32_t(blk[off]) | uint32_t(blk[off + 1]) << 8 | uint32_t(blk[off + 2]) << 16 |
           uint32_t(blk[off + 3]) << 24;
}

// Q4_K / Q5_K 6-bit scale and min of sub-block j from the 12 bytes at K (ENGINE_FACTS 2.2).
void scaleMinK(const std::vector<uint8_t>& blk, size_t kOff, int j, int& sc, int& m) {
    const uint8_t* K = blk.data() + kOff;
    if (j < 4) {
        sc = K[j] & 63;
        m = K[j + 4] & 63;
    } else {
        sc = (K[j + 4] & 0xF) | ((K[j - 4] >> 6) << 4);
        m = (K[j + 4] >> 4) | ((K[j] >> 6) << 4);
    }
}

} // namespace

class TestQuantDequant : public QObject {
    Q_OBJECT
private slots:
    void plainTypes() {
        const std::vector<float> src = {0.0f, -1.5f, 3.25f, 65504.0f, 1e-3f, -7.0f, 0.1f, 2.0f};
        std::vector<float> out(src.size());
        dequantizeRow(DType::F32, src.data(), out.data(), int64_t(src.size()));
        for (size_t i = 0; i < src.size(); ++i) QCOMPARE(out[i], src[i]);

        std::vector<uint16_t> h(src.size()), b(src.size());
        for (size_t i = 0; i < src.size(); ++i) {
            h[i] = fp32ToFp16(src[i]);
            b[i] = fp32ToBf16(src[i]);
        }
        dequantizeRow(DType::F16, h.data(), out.data(), int64_t(src.size()));
        for (size_t i = 0; i < src.size(); ++i) QCOMPARE(out[i], fp16ToFp32(h[i]));
        dequantizeRow(DType::BF16, b.data(), out.data(), int64_t(src.size()));
        // bf16 is the top half of the f32 bit pattern.
        for (size_t i = 0; i < src.size(); ++i) {
            const uint32_t bits = uint32_t(b[i]) << 16;
            float f;
            std::memcpy(&f, &bits, 4);
            QCOMPARE(out[i], f);
        }
    }

    void q4_0() {
        auto bytes = patternBlocks(2, 18);
        putHalf(bytes, 0, 0.5f);
        putHalf(bytes, 18, -1.25f);
        checkAgainst(DType::Q4_0, bytes, [](const auto& blk, int j) {
            const float d = getHalf(blk, 0);
            const int q = j < 16 ? (blk[2 + j] & 0xF) - 8 : (blk[2 + j - 16] >> 4) - 8;
            return d * float(q);
        });
    }

    void q4_1() {
        auto bytes = patternBlocks(2, 20);
        putHalf(bytes, 0, 0.75f);
        putHalf(bytes, 2, -3.5f);
        putHalf(bytes, 20, 0.125f);
        putHalf(bytes, 22, 2.0f);
        checkAgainst(DType::Q4_1, bytes, [](const auto& blk, int j) {
            const int q = j < 16 ? blk[4 + j] & 0xF : blk[4 + j - 16] >> 4;
            return getHalf(blk, 0) * float(q) + getHalf(blk, 2);
        });
    }

    void q5_0() {
        auto bytes = patternBlocks(2, 22);
        putHalf(bytes, 0, 0.25f);
        putHalf(bytes, 22, 1.5f);
        checkAgainst(DType::Q5_0, bytes, [](const auto& blk, int j) {
            const int nib = j < 16 ? blk[6 + j] & 0xF : blk[6 + j - 16] >> 4;
            const int bit = (u32At(blk, 2) >> j) & 1;
            return getHalf(blk, 0) * float((nib | bit << 4) - 16);
        });
    }

    void q5_1() {
        auto bytes = patternBlocks(2, 24);
        putHalf(bytes, 0, 0.5f);
        putHalf(bytes, 2, -4.0f);
        putHalf(bytes, 24, 0.375f);
        putHalf(bytes, 26, 1.0f);
        checkAgainst(DType::Q5_1, bytes, [](const auto& blk, int j) {
            const int nib = j < 16 ? blk[8 + j] & 0xF : blk[8 + j - 16] >> 4;
            const int bit = (u32At(blk, 4) >> j) & 1;
            return getHalf(blk, 0) * float(nib | bit << 4) + getHalf(blk, 2);
        });
    }

    void q8_0AndQ8_1() {
        auto bytes = patternBlocks(2, 34);
        putHalf(bytes, 0, 0.0625f);
        putHalf(bytes, 34, -2.5f);
        checkAgainst(DType::Q8_0, bytes, [](const auto& blk, int j) {
            return getHalf(blk, 0) * float(int8_t(blk[2 + j]));
        });
        auto b1 = patternBlocks(2, 36);
        putHalf(b1, 0, 0.5f);
        putHalf(b1, 36, 3.0f);
        checkAgainst(DType::Q8_1, b1, [](const auto& blk, int j) { // s (bytes 2-3) not used
            return getHalf(blk, 0) * float(int8_t(blk[4 + j]));
        });
    }

    void q2_K() {
        auto bytes = patternBlocks(2, 84);
        putHalf(bytes, 80, 0.5f);
        putHalf(bytes, 82, 0.25f);
        putHalf(bytes, 84 + 80, -1.5f);
        putHalf(bytes, 84 + 82, 0.125f);
        checkAgainst(DType::Q2_K, bytes, [](const auto& blk, int e) {
            const int h = e / 128, r = e % 128, g = r / 32, l = r % 32;
            const int q = (blk[16 + 32 * h + l] >> (2 * g)) & 3;
            const int s = 8 * h + 2 * g + (l >= 16 ? 1 : 0);
            const uint8_t sc = blk[s];
            return getHalf(blk, 80) * float(sc & 0xF) * float(q) -
                   getHalf(blk, 82) * float(sc >> 4);
        });
    }

    void q3_K() {
        auto bytes = patternBlocks(2, 110);
        putHalf(bytes, 108, 0.5f);
        putHalf(bytes, 110 + 108, -0.25f);
        checkAgainst(DType::Q3_K, bytes, [](const auto& blk, int e) {
            const int h = e / 128, r = e % 128, g = r / 32, l = r % 32;
            const int s = 8 * h + 2 * g + (l >= 16 ? 1 : 0);
            const uint8_t* scales = blk.data() + 96;
            const int low4 = s < 8 ? scales[s] & 0xF : scales[s - 8] >> 4;
            const int high2 = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
            const int scale = (low4 | high2 << 4) - 32;
            const int low2 = (blk[32 + 32 * h + l] >> (2 * g)) & 3;
            const bool highBit = (blk[l] >> (4 * h + g)) & 1;
            const int q = low2 - (highBit ? 0 : 4);
            return getHalf(blk, 108) * float(scale) * float(q);
        });
    }

    void q4_K() {
        auto bytes = patternBlocks(2, 144);
        putHalf(bytes, 0, 0.5f);
        putHalf(bytes, 2, 0.125f);
        putHalf(bytes, 144, 1.5f);
        putHalf(bytes, 146, -0.75f);
        checkAgainst(DType::Q4_K, bytes, [](const auto& blk, int e) {
            const int c = e / 64, r = e % 64;
            const uint8_t byte = blk[16 + 32 * c + (r % 32)];
            const int q = r < 32 ? byte & 0xF : byte >> 4;
            const int j = r < 32 ? 2 * c : 2 * c + 1;
            int sc, m;
            scaleMinK(blk, 4, j, sc, m);
            return getHalf(blk, 0) * float(sc) * float(q) - getHalf(blk, 2) * float(m);
        });
    }

    void q5_K() {
        auto bytes = patternBlocks(2, 176);
        putHalf(bytes, 0, 0.25f);
        putHalf(bytes, 2, 0.5f);
        putHalf(bytes, 176, -1.0f);
        putHalf(bytes, 178, 0.375f);
        checkAgainst(DType::Q5_K, bytes, [](const auto& blk, int e) {
            const int c = e / 64, r = e % 64, l = e % 32;
            const uint8_t byte = blk[48 + 32 * c + (r % 32)];
            const int nib = r < 32 ? byte & 0xF : byte >> 4;
            const int j = r < 32 ? 2 * c : 2 * c + 1;
            const int bit = (blk[16 + l] >> j) & 1;
            int sc, m;
            scaleMinK(blk, 4, j, sc, m);
            return getHalf(blk, 0) * float(sc) * float(nib + 16 * bit) - getHalf(blk, 2) * float(m);
        });
    }

    void q6_K() {
        auto bytes = patternBlocks(2, 210);
        putHalf(bytes, 208, 0.5f);
        putHalf(bytes, 210 + 208, -0.125f);
        checkAgainst(DType::Q6_K, bytes, [](const auto& blk, int e) {
            const int h = e / 128, r = e % 128, g = r / 32, l = r % 32;
            int low = 0;
            if (g == 0) low = blk[64 * h + l] & 0xF;
            if (g == 1) low = blk[64 * h + 32 + l] & 0xF;
            if (g == 2) low = blk[64 * h + l] >> 4;
            if (g == 3) low = blk[64 * h + 32 + l] >> 4;
            const int high = (blk[128 + 32 * h + l] >> (2 * g)) & 3;
            const int q = (low | high << 4) - 32;
            const int idx = 8 * h + 2 * g + l / 16;
            return getHalf(blk, 208) * float(int8_t(blk[192 + idx])) * float(q);
        });
    }

    void q8_K() {
        auto bytes = patternBlocks(2, 292);
        putF32(bytes, 0, 0.0078125f);
        putF32(bytes, 292, -3.0f);
        checkAgainst(DType::Q8_K, bytes, [](const auto& blk, int e) {
            float d;
            std::memcpy(&d, blk.data(), 4);
            return d * float(int8_t(blk[4 + e]));
        });
    }

    void badArguments() {
        std::vector<uint8_t> bytes(1024);
        std::vector<float> out(1024);
        QVERIFY_THROWS_EXCEPTION(Error, dequantizeRow(DType::Q4_K, bytes.data(), out.data(), 100));
        QVERIFY_THROWS_EXCEPTION(Error, dequantizeRow(DType::Q8_0, bytes.data(), out.data(), -32));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 dequantizeRow(DType::IQ2_XXS, bytes.data(), out.data(), 256));
        QVERIFY_THROWS_EXCEPTION(Error, dequantizeRow(DType(4), bytes.data(), out.data(), 32));
        try {
            dequantizeRow(DType::Q4_K, bytes.data(), out.data(), 100);
            QFAIL("no exception for n = 100");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains("100") && msg.contains("256") && msg.contains("Q4_K"), e.what());
        }
        dequantizeRow(DType::Q4_0, bytes.data(), out.data(), 0); // empty row: fine
    }
};

QTEST_APPLESS_MAIN(TestQuantDequant)
#include "tst_quant_dequant.moc"
