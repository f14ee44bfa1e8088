#include "cpu/attention.h"

#include "core/thread_pool.h"
#include "deepwell/error.h"
#include "quant/quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dw::cpu {

// One work unit is (token, KV head): the query heads that share the KV head (the GQA group,
// all nHead heads for MLA's single latent head) are scored together, so every key row is
// read once per group. Scores come from the f32 tile kernel (key rows x query columns),
// the weighted value sum is a vectorisable axpy per key.
void attention(const float* q, int64_t nTokens, int64_t pos0, const float* k, int64_t kStride,
               const float* v, int64_t vStride, float* out, const AttentionParams& p,
               ThreadPool& pool) {
    DW_ASSERT(p.nHead > 0 && p.nHeadKv > 0 && p.nHead % p.nHeadKv == 0);
    const int group = p.nHead / p.nHeadKv;
    const int64_t qStride = int64_t(p.nHead) * p.headDimK;
    const int64_t oStride = int64_t(p.nHead) * p.headDimV;
    const int64_t units = nTokens * p.nHeadKv;
    const quant::VecDotTileFn tile = quant::vecDotTileFn(DType::F32);
    constexpr int kRows = quant::kTileMaxRows;

    pool.parallelFor(units, 1, [&](int64_t u0, int64_t u1) {
        std::vector<float> scores; // [group][count]
        for (int64_t u = u0; u < u1; ++u) {
            const int64_t t = u / p.nHeadKv;
            const int kvh = int(u % p.nHeadKv);
            const int64_t qPos = pos0 + t;
            const int64_t first = p.window > 0 ? std::max<int64_t>(0, qPos - p.window + 1) : 0;
            const int64_t count = qPos - first + 1;
            scores.resize(size_t(count) * size_t(group));
            const float* qg = q + t * qStride + int64_t(kvh) * group * p.headDimK;
            for (int64_t j0 = 0; j0 < count; j0 += kRows) {
                const int rows = int(std::min<int64_t>(kRows, count - j0));
                tile(p.headDimK, k + (first + j0) * kStride + int64_t(kvh) * p.headDimK,
                     size_t(kStride) * sizeof(float), rows, qg, size_t(p.headDimK) * sizeof(float),
                     group, scores.data() + j0, size_t(count));
            }
            for (int c = 0; c < group; ++c) {
                float* s = scores.data() + size_t(c) * size_t(count);
                float maxs = -INFINITY;
                for (int64_t j = 0; j < count; ++j) {
                    float x = s[j] * p.scale;
                    if (p.softcap > 0.0f) x = p.softcap * std::tanh(x / p.softcap);
                    s[j] = x;
                    maxs = std::max(maxs, x);
                }
                float sum = 0.0f;
                for (int64_t j = 0; j < count; ++j) {
                    s[j] = std::exp(s[j] - maxs);
                    sum += s[j];
                }
                const float inv = 1.0f / sum;
                float* o = out + t * oStride + int64_t(kvh * group + c) * p.headDimV;
                std::fill(o, o + p.headDimV, 0.0f);
                for (int64_t j = 0; j < count; ++j) {
                    const float w = s[j] * inv;
                    const float* vv = v + (first + j) * vStride + int64_t(kvh) * p.headDimV;
                    for (int d = 0; d < p.headDimV; ++d) o[d] += w * vv[d];
                }
            }
        }
    });
}

} // namespace dw::cpu
