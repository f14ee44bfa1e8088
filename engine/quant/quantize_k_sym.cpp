// Weight quantizers of the K-quants with signed scales and no min: Q3_K and Q6_K.
//   y = d * sc_s * q,   q in [qmin, qmax], sc_s in [scMin, scMax] (16 sub-blocks of 16)
//
// Same plan as quantize_k_min.cpp: a float scale per sub-block (quant_fit.h), then d from
// the largest |scale| mapped onto either end of the signed integer range (both tried), the
// floor/ceil integer per sub-block with the lower error, and least-squares refits of d
// with the integers fixed while the error goes down.
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/quant_fit.h"
#include "quant/quantizers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dw::quant {
namespace {

constexpr int kSub = 16; // elements per sub-block (both formats)

struct SymFormat {
    int qmin, qmax;   // quant range
    int scMin, scMax; // sub-block scale range
};
constexpr SymFormat kQ3K{-4, 3, -32, 31};
constexpr SymFormat kQ6K{-32, 31, -128, 127};

struct SuperBlock {
    float d = 0.0f; // half-representable
    int8_t sc[16] = {};
    int8_t q[kQkK] = {};
};

float assignIntegers(const float* x, const SymFormat& f, const float* a, SuperBlock& sb) {
    float total = 0.0f;
    int8_t cand[kSub];
    for (int s = 0; s < 16; ++s) {
        const float* xs = x + s * kSub;
        const float ideal = sb.d != 0.0f ? a[s] / sb.d : 0.0f;
        const int lo = std::clamp(int(std::floor(ideal)), f.scMin, f.scMax);
        const int hi = std::min(lo + 1, f.scMax);
        float best = INFINITY;
        for (int sc = lo; sc <= hi; ++sc) {
            const float err =
                quantizeScaled(xs, nullptr, kSub, sb.d * float(sc), f.qmin, f.qmax, cand);
            if (err < best) {
                best = err;
                sb.sc[s] = static_cast<int8_t>(sc);
                std::copy(cand, cand + kSub, sb.q + s * kSub);
            }
        }
        total += best;
    }
    return total;
}

void quantizeSuperBlock(const float* x, const SymFormat& f, SuperBlock& out) {
    float a[16];
    float aExt = 0.0f; // the sub-block scale of largest magnitude
    for (int s = 0; s < 16; ++s) {
        int8_t q[kSub];
        a[s] = fitScale(x + s * kSub, nullptr, kSub, f.qmin, f.qmax, q);
        if (std::fabs(a[s]) > std::fabs(aExt)) aExt = a[s];
    }
    float err = INFINITY;
    for (const int end : {f.scMin, f.scMax}) {
        SuperBlock trial;
        trial.d = roundToHalf(aExt / float(end));
        const float e = assignIntegers(x, f, a, trial);
        if (e < err) {
            err = e;
            out = trial;
        }
    }
    for (int it = 0; it < 3; ++it) {
        double suu = 0, sux = 0; // x ~ D * u, u = sc_s * q
        for (int i = 0; i < kQkK; ++i) {
            const double u = double(out.sc[i / kSub]) * out.q[i];
            suu += u * u;
            sux += u * x[i];
        }
        if (suu == 0.0) break;
        SuperBlock trial;
        trial.d = roundToHalf(float(sux / suu));
        if (trial.d == out.d) break;
        const float e = assignIntegers(x, f, a, trial);
        if (!(e < err)) break;
        err = e;
        out = trial;
    }
}

} // namespace

void quantizeRowQ3_K(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ3_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        SuperBlock sb;
        quantizeSuperBlock(x, kQ3K, sb);
        y[i].d = fp32ToFp16(sb.d);
        packScalesQ3K(sb.sc, y[i].scales);
        std::memset(y[i].qs, 0, sizeof(y[i].qs));
        std::memset(y[i].hmask, 0, sizeof(y[i].hmask));
        for (int e = 0; e < kQkK; ++e) { // q >= 0: high bit set, low2 = q; else low2 = q + 4
            const int h = e / 128, g = (e % 128) / 32, l = e % 32;
            const int q = sb.q[e];
            const int low2 = q >= 0 ? q : q + 4;
            y[i].qs[32 * h + l] |= static_cast<uint8_t>(low2 << (2 * g));
            if (q >= 0) y[i].hmask[l] |= static_cast<uint8_t>(1 << (4 * h + g));
        }
    }
}

void quantizeRowQ6_K(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ6_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i, x += kQkK) {
        SuperBlock sb;
        quantizeSuperBlock(x, kQ6K, sb);
        y[i].d = fp32ToFp16(sb.d);
        std::memcpy(y[i].scales, sb.sc, 16);
        std::memset(y[i].ql, 0, sizeof(y[i].ql));
        std::memset(y[i].qh, 0, sizeof(y[i].qh));
        for (int e = 0; e < kQkK; ++e) {
            const int h = e / 128, g = (e % 128) / 32, l = e % 32;
            const int u = sb.q[e] + 32; // 0..63
            y[i].ql[64 * h + 32 * (g & 1) + l] |= static_cast<uint8_t>((u & 15) << (g < 2 ? 0 : 4));
            y[i].qh[32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * g));
        }
    }
}

} // namespace dw::quant
