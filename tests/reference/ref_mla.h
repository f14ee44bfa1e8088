#pragma once
// Multi-head latent attention (DeepSeek-V2/V3, ENGINE_FACTS 4.6) in the plain reference, two
// ways that must agree: the NAIVE form (decompress every head's K and V from the latent,
// then standard multi-head attention with head dims nope+rope / v) and the ABSORBED form
// (fold k_b into the query and v_b after the attention, attending over the latent itself,
// as llama.cpp does in MLA mode). Also the DeepSeek YaRN scales (4.0 YaRN, 4.6 step 8).
#include "ref_ops.h"

#include <cstdint>
#include <vector>

namespace dw::ref {

// The per-head up-projections of the latent c [rank], in double, whichever file layout they
// came from:
//   k_nope_h[i] = sum_r k[h][i][r] c[r]   (i < nope)
//   v_h[j]      = sum_r v[h][j][r] c[r]   (j < vDim)
struct MlaKvB {
    int64_t nHead = 0, nope = 0, vDim = 0, rank = 0;
    std::vector<double> k; // [nHead][nope][rank]
    std::vector<double> v; // [nHead][vDim][rank]

    double kAt(int64_t h, int64_t i, int64_t r) const {
        return k[size_t((h * nope + i) * rank + r)];
    }
    double vAt(int64_t h, int64_t j, int64_t r) const {
        return v[size_t((h * vDim + j) * rank + r)];
    }
};

// From the legacy joint attn_kv_b [rank, nHead (nope + vDim)]: row h (nope + vDim) + i is
// k_nope row i of head h for i < nope, then v row i - nope.
MlaKvB mlaKvBFromJoint(const Matrix& kvB, int64_t nHead, int64_t nope, int64_t vDim);
// From the split tensors: attn_k_b {nope, rank, nHead} viewed as [nope, rank * nHead] (row
// h rank + r holds k[h][.][r], the transposed layout), attn_v_b {rank, vDim, nHead} viewed as
// [rank, vDim * nHead] (row h vDim + j is v[h][j][.]).
MlaKvB mlaKvBFromSplit(const Matrix& kB, const Matrix& vB, int64_t nHead);

// The attention inputs of every position, after the projections, the latent norm and RoPE.
struct MlaTokens {
    int64_t nHead = 0, nope = 0, rope = 0;
    std::vector<Vec> q;      // [T][nHead * (nope + rope)]: per head [q_nope | q_pe (roped)]
    std::vector<Vec> latent; // [T][rank]: c = RMSNorm(kv_a[0:rank]) * kv_a_norm
    std::vector<Vec> kPe;    // [T][rope]: the one rotary key all heads share (roped)
};

// Causal attention of every position over positions 0..t; scores are (q . k) * kqScale.
// Both return [T][nHead * vDim] (heads concatenated), mathematically the same thing.
std::vector<Vec> mlaAttentionNaive(const MlaTokens& x, const MlaKvB& kvb, double kqScale);
std::vector<Vec> mlaAttentionAbsorbed(const MlaTokens& x, const MlaKvB& kvb, double kqScale);

// What deepseek2 multiplies into RoPE and into the attention scores (llama.cpp semantics,
// ENGINE_FACTS 4.0 YaRN magnitude and 4.6 step 8).
struct DeepSeekScales {
    double ropeAttnFactor = 1.0; // RopeParams::attnFactor (ropeAngle multiplies in 1 + 0.1 ln s
                                 // itself under YaRN), so the net RoPE magnitude is right
    double kqScale = 0.0;        // mscale^2 / sqrt(headDimK)
};
// factor: rope.scaling.factor s (1 = none); yarn: scaling type yarn; storedLogMul: the
// rope.scaling.yarn_log_multiplier value as stored (0.1 * mscale_all_dim; 0 = absent);
// attnFactorKey: rope.scaling.attn_factor (default 1); headDimK: nope + rope (192).
DeepSeekScales deepseekScales(double factor, bool yarn, double storedLogMul, double attnFactorKey,
                              int64_t headDimK);

} // namespace dw::ref
