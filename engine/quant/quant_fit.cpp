// Scale and scale+offset fitting for the weight quantizers (see quant_fit.h).
//
// Why a grid plus refits: for a fixed assignment of integers q the best scale (and offset)
// is a closed-form least-squares solution, but the assignment itself depends on the scale.
// Mapping the largest |x| exactly onto the last level (the classic "absmax" rule) wastes
// levels on a single outlier; a short grid of stretch factors finds assignments that clip it
// a little, and alternating requantize/refit then settles on a local optimum. The search
// is 16-20 candidates of one pass over the block each: cheap next to reading the model.
#include "quant/quant_fit.h"

#include "core/fp16.h"
#include "deepwell/error.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace dw::quant {
namespace {

constexpr int kGridSteps = 16;
constexpr int kMaxRefits = 4;

// w == nullptr becomes this array of ones, so that the loops below have no branch in them
// and vectorise.
constexpr int kMaxN = 256;
const float* weightsOrOnes(const float* w, int n) {
    static const auto ones = [] {
        std::array<float, kMaxN> a;
        a.fill(1.0f);
        return a;
    }();
    DW_ASSERT(n >= 0 && n <= kMaxN);
    return w ? w : ones.data();
}

// Best a for x ~ a*q over fixed q, and the reduction of error it achieves
// ((sum w q x)^2 / sum w q^2; larger is better, error = sum w x^2 - gain).
struct ScaleGain {
    float scale = 0.0f;
    float gain = 0.0f;
};

template <class Q> ScaleGain bestScaleFor(const float* x, const float* w, int n, const Q* q) {
    w = weightsOrOnes(w, n);
    float sqx = 0.0f, sqq = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float wq = w[i] * float(q[i]);
        sqx += wq * x[i];
        sqq += wq * float(q[i]);
    }
    if (sqq <= 0.0f) return {};
    return {sqx / sqq, sqx * sqx / sqq};
}

// Weighted regression x ~ a*q + b (b <= 0 when nonPositive); returns the squared error.
float regress(const float* x, const float* w, int n, const uint8_t* q, bool nonPositive, float& a,
              float& b) {
    w = weightsOrOnes(w, n);
    double sw = 0, sq = 0, sx = 0, sqq = 0, sqx = 0;
    for (int i = 0; i < n; ++i) {
        const double wi = w[i];
        sw += wi;
        sq += wi * q[i];
        sx += wi * x[i];
        sqq += wi * q[i] * q[i];
        sqx += wi * q[i] * x[i];
    }
    const double det = sw * sqq - sq * sq;
    if (det > 0.0) {
        a = float((sw * sqx - sq * sx) / det);
        b = float((sqq * sx - sq * sqx) / det);
    } else { // every q equal: the offset alone carries the block
        a = 0.0f;
        b = sw > 0.0 ? float(sx / sw) : 0.0f;
    }
    if (nonPositive && b > 0.0f) {
        b = 0.0f;
        a = sqq > 0.0 ? float(sqx / sqq) : 0.0f;
    }
    if (a < 0.0f) { // a decreasing fit cannot be stored; fall back to the offset only
        a = 0.0f;
        b = sw > 0.0 ? float(sx / sw) : 0.0f;
        if (nonPositive && b > 0.0f) b = 0.0f;
    }
    float err = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float e = x[i] - (a * float(q[i]) + b);
        err += w[i] * e * e;
    }
    return err;
}

} // namespace

float roundToHalf(float f) {
    return fp16ToFp32(fp32ToFp16(f));
}

float quantizeScaled(const float* x, const float* w, int n, float a, int qmin, int qmax,
                     int8_t* q) {
    w = weightsOrOnes(w, n);
    const float ia = a != 0.0f ? 1.0f / a : 0.0f;
    float err = 0.0f;
    for (int i = 0; i < n; ++i) {
        q[i] = static_cast<int8_t>(roundClamp(x[i] * ia, qmin, qmax));
        const float e = x[i] - a * float(q[i]);
        err += w[i] * e * e;
    }
    return err;
}

float quantizeAffine(const float* x, const float* w, int n, float a, float b, int qmax,
                     uint8_t* q) {
    w = weightsOrOnes(w, n);
    const float ia = a > 0.0f ? 1.0f / a : 0.0f;
    float err = 0.0f;
    for (int i = 0; i < n; ++i) {
        q[i] = static_cast<uint8_t>(roundClamp((x[i] - b) * ia, 0, qmax));
        const float e = x[i] - (a * float(q[i]) + b);
        err += w[i] * e * e;
    }
    return err;
}

float fitScale(const float* x, const float* w, int n, int qmin, int qmax, int8_t* q) {
    float amax = 0.0f, xm = 0.0f; // largest |x| and its signed value
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            xm = x[i];
        }
    }
    if (amax == 0.0f) {
        std::fill(q, q + n, int8_t(0));
        return 0.0f;
    }
    int8_t cand[kMaxN];
    ScaleGain best;
    // The extreme value lands on level t, |t| stretched from just inside the end of the
    // range to 40% beyond it (clipping); on the negative end (qmin) and the positive (qmax).
    for (int side = 0; side < 2; ++side) {
        const float end = side == 0 ? float(qmin) : float(qmax);
        if (end == 0.0f) continue;
        for (int k = 0; k < kGridSteps; ++k) {
            const float t = end * (0.9f + 0.5f * float(k) / float(kGridSteps - 1));
            const float a = xm / t;
            quantizeScaled(x, w, n, a, qmin, qmax, cand);
            const ScaleGain g = bestScaleFor(x, w, n, cand);
            if (g.gain > best.gain) {
                best = g;
                std::copy(cand, cand + n, q);
            }
        }
    }
    for (int it = 0; it < kMaxRefits && best.scale != 0.0f; ++it) {
        quantizeScaled(x, w, n, best.scale, qmin, qmax, cand);
        const ScaleGain g = bestScaleFor(x, w, n, cand);
        if (!(g.gain > best.gain)) break;
        best = g;
        std::copy(cand, cand + n, q);
    }
    return best.scale;
}

AffineFit fitAffine(const float* x, const float* w, int n, int qmax, bool nonPositiveOffset,
                    uint8_t* q) {
    float xmin = x[0], xmax = x[0];
    for (int i = 1; i < n; ++i) {
        xmin = std::min(xmin, x[i]);
        xmax = std::max(xmax, x[i]);
    }
    if (nonPositiveOffset) xmin = std::min(xmin, 0.0f);
    if (!(xmax > xmin)) { // constant block (or NaN): the offset alone
        std::fill(q, q + n, uint8_t(0));
        AffineFit f;
        f.offset = nonPositiveOffset ? std::min(xmin, 0.0f) : xmin;
        return f;
    }
    uint8_t cand[kMaxN];
    AffineFit best;
    float bestErr = INFINITY;
    // Step = range / (qmax * s) for s in [0.85, 1.35]: s > 1 clips both ends a little.
    for (int k = 0; k < kGridSteps; ++k) {
        const float s = 0.85f + 0.5f * float(k) / float(kGridSteps - 1);
        const float step = (xmax - xmin) / (float(qmax) * s);
        const float centre = 0.5f * (xmax + xmin);
        // Keep the levels centred on the range when stretching.
        float b = centre - 0.5f * float(qmax) * step;
        if (nonPositiveOffset) b = std::min(b, 0.0f);
        quantizeAffine(x, w, n, step, b, qmax, cand);
        float a, off;
        const float err = regress(x, w, n, cand, nonPositiveOffset, a, off);
        if (err < bestErr) {
            bestErr = err;
            best = {a, off};
            std::copy(cand, cand + n, q);
        }
    }
    for (int it = 0; it < kMaxRefits && best.scale > 0.0f; ++it) {
        quantizeAffine(x, w, n, best.scale, best.offset, qmax, cand);
        float a, off;
        const float err = regress(x, w, n, cand, nonPositiveOffset, a, off);
        if (!(err < bestErr)) break;
        bestErr = err;
        best = {a, off};
        std::copy(cand, cand + n, q);
    }
    return best;
}

} // namespace dw::quant
