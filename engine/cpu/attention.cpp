#include "cpu/attention.h"

#include "core/thread_pool.h"
#include "deepwell/error.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dw::cpu {

void attention(const float* q, int64_t nTokens, int64_t pos0, const float* k, int64_t kStride,
               const float* v, int64_t vStride, float* out, const AttentionParams& p,
               ThreadPool& pool) {
    DW_ASSERT(p.nHead > 0 && p.nHeadKv > 0 && p.nHead % p.nHeadKv == 0);
    const int group = p.nHead / p.nHeadKv;
    const int64_t qStride = int64_t(p.nHead) * p.headDimK;
    const int64_t oStride = int64_t(p.nHead) * p.headDimV;
    const int64_t units = nTokens * p.nHead; // one unit = (token, head)

    pool.parallelFor(units, 1, [&](int64_t u0, int64_t u1) {
        std::vector<float> scores;
        for (int64_t u = u0; u < u1; ++u) {
            const int64_t t = u / p.nHead;
            const int h = int(u % p.nHead);
            const int kvh = h / group;
            const int64_t qPos = pos0 + t;
            const int64_t first = p.window > 0 ? std::max<int64_t>(0, qPos - p.window + 1) : 0;
            const int64_t count = qPos - first + 1;
            scores.resize(size_t(count));
            const float* qv = q + t * qStride + int64_t(h) * p.headDimK;
            float maxs = -INFINITY;
            for (int64_t j = 0; j < count; ++j) {
                const float* kv = k + (first + j) * kStride + int64_t(kvh) * p.headDimK;
                float s = 0.0f;
                for (int d = 0; d < p.headDimK; ++d) s += qv[d] * kv[d];
                s *= p.scale;
                if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
                scores[size_t(j)] = s;
                maxs = std::max(maxs, s);
            }
            float sum = 0.0f;
            for (auto& s : scores) {
                s = std::exp(s - maxs);
                sum += s;
            }
            const float inv = 1.0f / sum;
            float* o = out + t * oStride + int64_t(h) * p.headDimV;
            std::fill(o, o + p.headDimV, 0.0f);
            for (int64_t j = 0; j < count; ++j) {
                const float w = scores[size_t(j)] * inv;
                const float* vv = v + (first + j) * vStride + int64_t(kvh) * p.headDimV;
                for (int d = 0; d < p.headDimV; ++d) o[d] += w * vv[d];
            }
        }
    });
}

} // namespace dw::cpu
