// Element-wise and per-row CPU kernels (see ops.h). Plain loops the compiler vectorises
// (exp and tanh from cpu/fast_math.h, not libm's per-element calls).
#include "cpu/ops.h"

#include "cpu/fast_math.h"
#include "deepwell/error.h"

#include <algorithm>
#include <cmath>

namespace dw::cpu {

void rmsNorm(const float* x, const float* w, float* y, int64_t n, float eps) {
    double sum = 0.0; // double: rows of thousands of values with large outliers
    for (int64_t i = 0; i < n; ++i) sum += double(x[i]) * double(x[i]);
    const float scale = static_cast<float>(1.0 / std::sqrt(sum / double(n) + double(eps)));
    if (w) {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
    } else {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
    }
}

namespace {

// YaRN correction dimension: the pair index whose wavelength spans nCtxOrig / (2*pi*r)
// rotations (ENGINE_FACTS 4.0).
float yarnCorrDim(int nRot, int nCtxOrig, float r, float base) {
    return float(nRot) * std::log(float(nCtxOrig) / (r * 2.0f * float(M_PI))) /
           (2.0f * std::log(base));
}

} // namespace

void rope(float* x, int nHeads, int headDim, int64_t pos, const RopeConfig& cfg) {
    DW_ASSERT(cfg.nRot > 0 && cfg.nRot <= headDim && cfg.nRot % 2 == 0);
    const int nPairs = cfg.nRot / 2;
    float lowCorr = 0.0f, highCorr = 0.0f, mscale = cfg.attnFactor;
    if (cfg.extFactor != 0.0f) {
        lowCorr = std::max(0.0f, std::floor(yarnCorrDim(cfg.nRot, cfg.nCtxOrig, cfg.betaFast,
                                                        cfg.freqBase)));
        highCorr = std::min(float(cfg.nRot - 1),
                            std::ceil(yarnCorrDim(cfg.nRot, cfg.nCtxOrig, cfg.betaSlow,
                                                  cfg.freqBase)));
        mscale *= 1.0f + 0.1f * std::log(1.0f / cfg.freqScale);
    }
    // cos/sin per pair, shared by all heads. Stack buffer: head dims are at most 1024 here.
    float cosv[512], sinv[512];
    DW_ASSERT(nPairs <= 512);
    const float thetaScale = std::pow(cfg.freqBase, -2.0f / float(cfg.nRot));
    float thetaExtrap = float(pos);
    for (int i = 0; i < nPairs; ++i) {
        float te = thetaExtrap;
        if (cfg.freqFactors) te /= cfg.freqFactors[i];
        const float ti = cfg.freqScale * te;
        float theta = ti;
        if (cfg.extFactor != 0.0f) {
            const float y = (float(i) - lowCorr) / std::max(0.001f, highCorr - lowCorr);
            const float ramp = (1.0f - std::clamp(y, 0.0f, 1.0f)) * cfg.extFactor;
            theta = ti * (1.0f - ramp) + te * ramp;
        }
        cosv[i] = std::cos(theta) * mscale;
        sinv[i] = std::sin(theta) * mscale;
        thetaExtrap *= thetaScale;
    }
    for (int h = 0; h < nHeads; ++h) {
        float* v = x + int64_t(h) * headDim;
        for (int i = 0; i < nPairs; ++i) {
            const int a = cfg.style == RopeStyle::Norm ? 2 * i : i;
            const int b = cfg.style == RopeStyle::Norm ? 2 * i + 1 : i + nPairs;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * cosv[i] - x1 * sinv[i];
            v[b] = x0 * sinv[i] + x1 * cosv[i];
        }
    }
}

namespace {

// tanh(y) = sign(y) (1 - e) / (1 + e), e = exp(-2|y|) in (0, 1]: no overflow for any y.
inline float tanhFast(float y) {
    const float e = expNonPositive(-2.0f * std::fabs(y));
    const float t = (1.0f - e) / (1.0f + e);
    return std::copysign(t, y);
}

// x * sigmoid(x) = x / (1 + exp(-x)), with exp of a non-positive argument on both sides.
inline float silu(float x) {
    const float e = expNonPositive(-std::fabs(x));
    const float xe = x * e;
    return (x >= 0.0f ? x : xe) / (1.0f + e);
}

inline float geluTanh(float x) {
    constexpr float kSqrt2OverPi = 0.79788456080286535588f;
    return 0.5f * x * (1.0f + tanhFast(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}

} // namespace

float gelu(float x) {
    return geluTanh(x);
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

void geglu(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = geluTanh(gate[i]) * up[i];
}

void softmax(float* x, int64_t n) {
    if (n <= 0) return;
    float maxv = x[0];
    for (int64_t i = 1; i < n; ++i) maxv = std::max(maxv, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - maxv);
        sum += x[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

} // namespace dw::cpu
