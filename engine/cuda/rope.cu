// RoPE, Norm and Neox styles with YaRN (cpu::rope's twin; ENGINE_FACTS 4.0, CUDA_FACTS 6.2).
// One CTA per token, one thread per rotated pair: the thread builds its angle once and
// rotates that pair in every head. Positions come from a device array (graph replay).
// The angle is built exactly as the CPU builds it (pos times thetaScale, i times, in
// float), so both sides rotate by the same float angle; the YaRN corrections are computed
// on the host with the CPU's expressions.
#include "cuda/common.cuh"
#include "cuda/ops.h"

#include <algorithm>
#include <cmath>

namespace dw::cuda {

namespace {

constexpr int kThreads = 128;

struct RopeArgs {
    int nHeads, headDim, nPairs;
    bool neox;
    float thetaScale, freqScale, extFactor, lowCorr, highCorr, mscale;
    const float* freqFactors; // device [nPairs] or null
};

__global__ void __launch_bounds__(kThreads)
    ropeKernel(float* __restrict__ x, const int32_t* __restrict__ pos, RopeArgs a) {
    const int64_t t = blockIdx.x;
    float* xt = x + t * int64_t(a.nHeads) * a.headDim;
    const float p = float(pos[t]);
    for (int i = threadIdx.x; i < a.nPairs; i += kThreads) {
        float te = p;
        for (int j = 0; j < i; ++j) te *= a.thetaScale;
        if (a.freqFactors) te /= a.freqFactors[i];
        const float ti = a.freqScale * te;
        float theta = ti;
        if (a.extFactor != 0.0f) {
            const float y = (float(i) - a.lowCorr) / fmaxf(0.001f, a.highCorr - a.lowCorr);
            const float ramp = (1.0f - fminf(fmaxf(y, 0.0f), 1.0f)) * a.extFactor;
            // __fmul_rn/__fadd_rn: no FMA contraction, so theta is the CPU's to the bit.
            theta = __fadd_rn(__fmul_rn(ti, 1.0f - ramp), __fmul_rn(te, ramp));
        }
        float s, c;
        sincosf(theta, &s, &c);
        c *= a.mscale;
        s *= a.mscale;
        const int ia = a.neox ? i : 2 * i;
        const int ib = a.neox ? i + a.nPairs : 2 * i + 1;
        for (int h = 0; h < a.nHeads; ++h) {
            float* v = xt + int64_t(h) * a.headDim;
            const float x0 = v[ia], x1 = v[ib];
            v[ia] = x0 * c - x1 * s;
            v[ib] = x0 * s + x1 * c;
        }
    }
}

float yarnCorrDim(int nRot, int nCtxOrig, float r, float base) {
    return float(nRot) * std::log(float(nCtxOrig) / (r * 2.0f * float(M_PI))) /
           (2.0f * std::log(base));
}

} // namespace

void rope(float* x, int64_t nTokens, int nHeads, int headDim, const int32_t* pos,
          const RopeConfig& cfg, Stream stream) {
    DW_CUDA_REQUIRE(x != nullptr && pos != nullptr, "rope", "x and pos must not be null");
    DW_CUDA_REQUIRE(nTokens > 0 && nTokens <= detail::kMaxGridX, "rope",
                    "nTokens = " + std::to_string(nTokens) + " out of range");
    DW_CUDA_REQUIRE(nHeads > 0 && headDim > 0, "rope",
                    "nHeads = " + std::to_string(nHeads) +
                        " and headDim = " + std::to_string(headDim) + " must be positive");
    DW_CUDA_REQUIRE(cfg.nRot > 0 && cfg.nRot % 2 == 0 && cfg.nRot <= headDim, "rope",
                    "cfg.nRot = " + std::to_string(cfg.nRot) + " must be even and in 2.." +
                        std::to_string(headDim) + " (headDim)");
    DW_CUDA_REQUIRE(cfg.freqBase > 0.0f && cfg.freqScale > 0.0f, "rope",
                    "cfg.freqBase and cfg.freqScale must be positive");
    DW_CUDA_REQUIRE(cfg.extFactor == 0.0f || cfg.nCtxOrig > 0, "rope",
                    "YaRN (cfg.extFactor = " + std::to_string(cfg.extFactor) +
                        ") needs cfg.nCtxOrig > 0, got " + std::to_string(cfg.nCtxOrig));

    RopeArgs a{};
    a.nHeads = nHeads;
    a.headDim = headDim;
    a.nPairs = cfg.nRot / 2;
    a.neox = cfg.style == RopeStyle::Neox;
    a.freqScale = cfg.freqScale;
    a.extFactor = cfg.extFactor;
    a.mscale = cfg.attnFactor;
    a.freqFactors = cfg.freqFactors;
    if (cfg.extFactor != 0.0f) {
        a.lowCorr = std::max(
            0.0f, std::floor(yarnCorrDim(cfg.nRot, cfg.nCtxOrig, cfg.betaFast, cfg.freqBase)));
        a.highCorr =
            std::min(float(cfg.nRot - 1),
                     std::ceil(yarnCorrDim(cfg.nRot, cfg.nCtxOrig, cfg.betaSlow, cfg.freqBase)));
        a.mscale *= 1.0f + 0.1f * std::log(1.0f / cfg.freqScale);
    }
    a.thetaScale = std::pow(cfg.freqBase, -2.0f / float(cfg.nRot));
    ropeKernel<<<unsigned(nTokens), kThreads, 0, stream>>>(x, pos, a);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
