// Weight quantizers of the K-quants with a scale and a min per sub-block: Q2_K, Q4_K, Q5_K.
//   y = d * sc_j * q - dmin * m_j,   q in [0, qmax], sc_j and m_j in [0, scaleMax]
//
// 1. Each sub-block gets its own float fit x ~ a_j * q - m_j (grid + least squares,
//    quant_fit.h).
// 2. d = max a_j / scaleMax and dmin = max m_j / scaleMax (rounded to half), and each
//    sub-block picks the best of the floor/ceil integers of a_j / d and m_j / dmin,
//    judged by its squared error with the quants redone for those integers.
// 3. With the integers fixed, (d, dmin) is refitted by least squares over the whole
//    super-block (x ~ d * (sc_j q) - dmin * m_j), and step 2's integer choice is redone
//    around the new pair; kept while the error goes down.
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/quant_fit.h"
#include "quant/quantizers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dw::quant {
namespace {

struct MinFormat {
    int subSize;  // elements per sub-block
    int qmax;     // largest quant
    int scaleMax; // largest sub-block scale / min integer
};
constexpr MinFormat kQ2K{16, 3, 15};
constexpr MinFormat kQ4K{32, 15, 63};
constexpr MinFormat kQ5K{32, 31, 63};

struct SuperBlock {
    float d = 0.0f, dmin = 0.0f; // half-representable
    uint8_t sc[16] = {};
    uint8_t m[16] = {};
    uint8_t q[kQkK] = {};
};

// Step 2 for a given (d, dmin): integers per sub-block and quants; returns the error.
float assignIntegers(const float* x, const MinFormat& f, const float* a, const float* mins,
                     SuperBlock& sb) {
    const int nSub = kQkK / f.subSize;
    float total = 0.0f;
    uint8_t cand[32];
    for (int j = 0; j < nSub; ++j) {
        const float* xs = x + j * f.subSize;
        const float scIdeal = sb.d > 0.0f ? a[j] / sb.d : 0.0f;
        const float mIdeal = sb.dmin > 0.0f ? mins[j] / sb.dmin : 0.0f;
        const int sc0 = std::clamp(int(std::floor(scIdeal)), 0, f.scaleMax);
        const int m0 = std::clamp(int(std::floor(mIdeal)), 0, f.scaleMax);
        float best = INFINITY;
        for (int sc = sc0; sc <= std::min(sc0 + 1, f.scaleMax); ++sc) {
            for (int m = m0; m <= std::min(m0 + 1, f.scaleMax); ++m) {
                const float err = quantizeAffine(xs, nullptr, f.subSize, sb.d * float(sc),
                                                 -sb.dmin * float(m), f.qmax, cand);
                if (err < best) {
                    best = err;
                    sb.sc[j] = static_cast<uint8_t>(sc);
                    sb.m[j] = static_cast<uint8_t>(m);
                    std::copy(cand, cand + f.subSize, sb.q + j * f.subSize);
                }
            }
        }
        total += best;
    }
    return total;
}

void quantizeSuperBlock(const float* x, const MinFormat& f, SuperBlock& out) {
    const int nSub = kQkK / f.subSize;
    float a[16], mins[16];
    float maxA = 0.0f, maxM = 0.0f;
    for (int j = 0; j < nSub; ++j) {
        uint8_t q[32];
        const AffineFit fit = fitAffine(x + j * f.subSize, nullptr, f.subSize, f.qmax, true, q);
        a[j] = fit.scale;
        mins[j] = -fit.offset;
        maxA = std::max(maxA, a[j]);
        maxM = std::max(maxM, mins[j]);
    }
    out.d = roundToHalf(maxA / float(f.scaleMax));
    out.dmin = roundToHalf(maxM / float(f.scaleMax));
    float err = assignIntegers(x, f, a, mins, out);

    for (int it = 0; it < 3; ++it) {
        // Least squares for (D, M) in x ~ D*u - M*v, u = sc_j * q, v = m_j.
        double suu = 0, suv = 0, svv = 0, sux = 0, svx = 0;
        for (int i = 0; i < kQkK; ++i) {
            const int j = i / f.subSize;
            const double u = double(out.sc[j]) * out.q[i];
            const double v = out.m[j];
            suu += u * u;
            suv += u * v;
            svv += v * v;
            sux += u * x[i];
            svx += v * x[i];
        }
        const double det = suu * svv - suv * suv;
        double dNew, mNew;
        if (svv == 0.0) { // no mins in use: d alone
            if (suu == 0.0) break;
            dNew = sux / suu;
            mNew = 0.0;
        } else {
            if (det <= 0.0) break;
            dNew = (sux * svv - svx * suv) / det;
            mNew = (sux * suv - svx * suu) / det;
        }
        if (!(dNew >= 0.0) || !(mNew >= 0.0)) break;
        SuperBlock trial;
        trial.d = roundToHalf(float(dNew));
        trial.dmin = roundToHalf(float(mNew));
        if (trial.d == out.d && trial.dmin == out.dmin) break;
        const float trialErr = assignIntegers(x, f, a, mins, trial);
        if (!(trialErr < err)) break;
        err = trialErr;
        out = trial;
    }
}

} // namespace

void quantizeRowQ2_K(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ2_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        SuperBlock sb;
        quantizeSuperBlock(x, kQ2K, sb);
        y[i].d = fp32ToFp16(sb.d);
        y[i].dmin = fp32ToFp16(sb.dmin);
        for (int s = 0; s < 16; ++s) y[i].scales[s] = static_cast<uint8_t>(sb.sc[s] | sb.m[s] << 4);
        std::memset(y[i].qs, 0, sizeof(y[i].qs));
        for (int e = 0; e < kQkK; ++e) { // e = 128h + 32g + l -> bits 2g of qs[32h + l]
            const int h = e / 128, g = (e % 128) / 32, l = e % 32;
            y[i].qs[32 * h + l] |= static_cast<uint8_t>(sb.q[e] << (2 * g));
        }
    }
}

void quantizeRowQ4_K(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ4_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        SuperBlock sb;
        quantizeSuperBlock(x, kQ4K, sb);
        y[i].d = fp32ToFp16(sb.d);
        y[i].dmin = fp32ToFp16(sb.dmin);
        packScalesMinsK(sb.sc, sb.m, y[i].scales);
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                y[i].qs[32 * c + l] =
                    static_cast<uint8_t>(sb.q[64 * c + l] | sb.q[64 * c + 32 + l] << 4);
            }
        }
    }
}

void quantizeRowQ5_K(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ5_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        SuperBlock sb;
        quantizeSuperBlock(x, kQ5K, sb);
        y[i].d = fp32ToFp16(sb.d);
        y[i].dmin = fp32ToFp16(sb.dmin);
        packScalesMinsK(sb.sc, sb.m, y[i].scales);
        std::memset(y[i].qh, 0, sizeof(y[i].qh));
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t lo = sb.q[64 * c + l], hi = sb.q[64 * c + 32 + l];
                y[i].qs[32 * c + l] = static_cast<uint8_t>((lo & 15) | (hi & 15) << 4);
                y[i].qh[l] |= static_cast<uint8_t>((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
            }
        }
    }
}

} // namespace dw::quant
