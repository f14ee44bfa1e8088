#include "cpu/attention.h"

#include "core/thread_pool.h"
#include "deepwell/error.h"
#include "quant/quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dw::cpu {
namespace {

// The key positions a query attends, as up to two ranges [lo, hi] (sinks, then the rest).
struct KeyRanges {
    int64_t lo[2], hi[2];
    int n = 0;
};

KeyRanges keyRanges(const PagedQuery& q, int layerWindow) {
    KeyRanges r;
    int64_t first = 0;
    if (layerWindow > 0) first = std::max<int64_t>(0, q.pos - layerWindow + 1);
    if (q.window > 0) {
        const int64_t recent = std::max<int64_t>(0, q.pos - q.window + 1);
        const int64_t sinkEnd = std::min(q.sinkTokens, recent); // sinks not already recent
        if (first < sinkEnd) {
            r.lo[r.n] = first;
            r.hi[r.n++] = sinkEnd - 1;
        }
        first = std::max(first, recent);
    }
    r.lo[r.n] = first;
    r.hi[r.n++] = q.pos;
    return r;
}

} // namespace

// One work unit is (token, KV head): the query heads that share the KV head (the GQA group,
// all nHead heads for MLA's single latent head) are scored together, so every key row is
// read once per group. Scores come from the f32 tile kernel (key rows x query columns),
// the weighted value sum is a vectorisable axpy per key.
void pagedAttention(const float* q, const PagedQuery* queries, int64_t nTokens, const KvPages& kv,
                    float* out, const AttentionParams& p, ThreadPool& pool) {
    DW_ASSERT(p.nHead > 0 && p.nHeadKv > 0 && p.nHead % p.nHeadKv == 0 && kv.blockSize > 0);
    const int group = p.nHead / p.nHeadKv;
    const int64_t qStride = int64_t(p.nHead) * p.headDimK;
    const int64_t oStride = int64_t(p.nHead) * p.headDimV;
    const int64_t units = nTokens * p.nHeadKv;
    const quant::VecDotTileFn tile = quant::vecDotTileFn(DType::F32);
    constexpr int kRows = quant::kTileMaxRows;
    const int64_t B = kv.blockSize;

    pool.parallelFor(units, 1, [&](int64_t u0, int64_t u1) {
        std::vector<float> scores;   // [group][count]
        std::vector<int64_t> rows;   // physical row of each attended key
        for (int64_t u = u0; u < u1; ++u) {
            const int64_t t = u / p.nHeadKv;
            const int kvh = int(u % p.nHeadKv);
            const PagedQuery& qi = queries[t];
            const KeyRanges ranges = keyRanges(qi, p.window);
            rows.clear();
            for (int r = 0; r < ranges.n; ++r)
                for (int64_t j = ranges.lo[r]; j <= ranges.hi[r]; ++j) {
                    const int32_t block = qi.blocks[j / B];
                    if (block < 0) { // dropped: skip the rest of the block
                        j = (j / B + 1) * B - 1;
                        continue;
                    }
                    rows.push_back(int64_t(block) * B + j % B);
                }
            const int64_t count = int64_t(rows.size());
            DW_ASSERT_MSG(count > 0, "a query must see at least its own key");
            scores.resize(size_t(count) * size_t(group));
            const float* qg = q + t * qStride + int64_t(kvh) * group * p.headDimK;
            // Runs of consecutive physical rows go to the tile kernel together.
            for (int64_t j0 = 0; j0 < count;) {
                int n = 1;
                while (n < kRows && j0 + n < count && rows[size_t(j0 + n)] == rows[size_t(j0)] + n) ++n;
                tile(p.headDimK, kv.k + rows[size_t(j0)] * kv.kStride + int64_t(kvh) * p.headDimK,
                     size_t(kv.kStride) * sizeof(float), n, qg, size_t(p.headDimK) * sizeof(float),
                     group, scores.data() + j0, size_t(count));
                j0 += n;
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
                    const float* vv = kv.v + rows[size_t(j)] * kv.vStride + int64_t(kvh) * p.headDimV;
                    for (int d = 0; d < p.headDimV; ++d) o[d] += w * vv[d];
                }
            }
        }
    });
}

void attention(const float* q, int64_t nTokens, int64_t pos0, const float* k, int64_t kStride,
               const float* v, int64_t vStride, float* out, const AttentionParams& p,
               ThreadPool& pool) {
    // A contiguous cache is one block holding every position.
    const int32_t identity = 0;
    std::vector<PagedQuery> queries(static_cast<size_t>(nTokens));
    for (int64_t t = 0; t < nTokens; ++t) {
        queries[size_t(t)].pos = pos0 + t;
        queries[size_t(t)].blocks = &identity;
    }
    KvPages kv{k, kStride, v, vStride, int(std::max<int64_t>(1, pos0 + nTokens))};
    pagedAttention(q, queries.data(), nTokens, kv, out, p, pool);
}

} // namespace dw::cpu
