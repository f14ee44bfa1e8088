#include "cpu/attention.h"

#include "core/thread_pool.h"
#include "cpu/fast_math.h"
#include "deepwell/error.h"
#include "quant/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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

// Keys per segment: a (token, KV head) unit whose query sees more keys than this is cut into
// segments scored in parallel (flash-decoding's split over keys), whose partial softmax
// sums are merged at the end. The cut depends only on the unit's own key count, never on
// the batch or the thread count, so a sequence's numbers are the same alone or batched.
constexpr int64_t kSegmentKeys = 128;

// The physical KV rows a query attends, in position order.
void attendedRows(const PagedQuery& qi, int window, int64_t B, std::vector<int64_t>& rows) {
    const KeyRanges ranges = keyRanges(qi, window);
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
}

// The number of keys a query attends (the same count attendedRows lists).
int64_t attendedCount(const PagedQuery& qi, int window, int64_t B) {
    const KeyRanges ranges = keyRanges(qi, window);
    int64_t n = 0;
    for (int r = 0; r < ranges.n; ++r)
        for (int64_t b0 = ranges.lo[r]; b0 <= ranges.hi[r]; b0 = (b0 / B + 1) * B) {
            const int64_t b1 = std::min(ranges.hi[r], (b0 / B + 1) * B - 1);
            if (qi.blocks[b0 / B] >= 0) n += b1 - b0 + 1;
        }
    return n;
}

// The value sums of a segment: o_c[d] = sum_j p_c[j] v_j[d] for the NC query heads c of a
// call, keys j < n (v_j at v + rows[j] * vStride), d < dV. The keys are taken eight at a
// time: their value rows are read front to back side by side (streams the prefetchers
// follow), each 8-float piece of a row loaded once for all NC heads, whose sums for that
// piece stay in registers over the eight keys. GCC vector extensions, lowered to the
// instruction set of the variant that runs (AVX-512, AVX2 + FMA, or the baseline SSE2).
using Float8 = float __attribute__((vector_size(32)));
constexpr int kValueKeys = 8;

template <int NC>
[[gnu::always_inline]] inline void valueSumsOf(const float* p, int64_t pStride, const float* v,
                                               const int64_t* rows, int64_t vStride, int64_t n,
                                               int64_t dV, float* o, int64_t oStride) {
    for (int c = 0; c < NC; ++c) std::fill(o + c * oStride, o + c * oStride + dV, 0.0f);
    for (int64_t j0 = 0; j0 < n; j0 += kValueKeys) {
        const int m = int(std::min<int64_t>(kValueKeys, n - j0));
        const float* vr[kValueKeys];
        float w[kValueKeys][NC];
        for (int i = 0; i < m; ++i) {
            vr[i] = v + rows[j0 + i] * vStride;
            for (int c = 0; c < NC; ++c) w[i][c] = p[c * pStride + j0 + i];
        }
        int64_t d0 = 0;
        for (; d0 + 8 <= dV; d0 += 8) {
            Float8 acc[NC];
            for (int c = 0; c < NC; ++c) std::memcpy(&acc[c], o + c * oStride + d0, sizeof(Float8));
            for (int i = 0; i < m; ++i) {
                Float8 x;
                std::memcpy(&x, vr[i] + d0, sizeof x);
                for (int c = 0; c < NC; ++c) acc[c] += w[i][c] * x;
            }
            for (int c = 0; c < NC; ++c) std::memcpy(o + c * oStride + d0, &acc[c], sizeof(Float8));
        }
        for (; d0 < dV; ++d0) // head dims that are not a multiple of 8
            for (int i = 0; i < m; ++i)
                for (int c = 0; c < NC; ++c) o[c * oStride + d0] += w[i][c] * vr[i][d0];
    }
}

// Every head of a unit, four at a time.
[[gnu::always_inline]] inline void valueSumsAll(int nHeads, const float* p, int64_t pStride,
                                                const float* v, const int64_t* rows, int64_t vStride,
                                                int64_t n, int64_t dV, float* o, int64_t oStride) {
    for (int c0 = 0; c0 < nHeads; c0 += 4) {
        const float* pc = p + c0 * pStride;
        float* oc = o + c0 * oStride;
        switch (std::min(4, nHeads - c0)) {
        case 4: valueSumsOf<4>(pc, pStride, v, rows, vStride, n, dV, oc, oStride); break;
        case 3: valueSumsOf<3>(pc, pStride, v, rows, vStride, n, dV, oc, oStride); break;
        case 2: valueSumsOf<2>(pc, pStride, v, rows, vStride, n, dV, oc, oStride); break;
        default: valueSumsOf<1>(pc, pStride, v, rows, vStride, n, dV, oc, oStride); break;
        }
    }
}

using ValueSumsFn = void (*)(int, const float*, int64_t, const float*, const int64_t*, int64_t,
                             int64_t, int64_t, float*, int64_t);

// The same code compiled for each instruction set that quant::Isa names; picked through
// quant::bestIsa() (so DEEPWELL_ISA lowers it, as for the matrix kernels). Not GCC's
// target_clones: its ifunc resolver runs before a sanitizer's runtime is set up.
void valueSumsBase(int nHeads, const float* p, int64_t pStride, const float* v, const int64_t* rows,
                   int64_t vStride, int64_t n, int64_t dV, float* o, int64_t oStride) {
    valueSumsAll(nHeads, p, pStride, v, rows, vStride, n, dV, o, oStride);
}
#if defined(__x86_64__)
[[gnu::target("avx2,fma")]] void valueSumsAvx2(int nHeads, const float* p, int64_t pStride,
                                               const float* v, const int64_t* rows, int64_t vStride,
                                               int64_t n, int64_t dV, float* o, int64_t oStride) {
    valueSumsAll(nHeads, p, pStride, v, rows, vStride, n, dV, o, oStride);
}
[[gnu::target("avx512f,avx512vl,avx2,fma")]] void valueSumsAvx512(int nHeads, const float* p,
                                                                  int64_t pStride, const float* v,
                                                                  const int64_t* rows, int64_t vStride,
                                                                  int64_t n, int64_t dV, float* o,
                                                                  int64_t oStride) {
    valueSumsAll(nHeads, p, pStride, v, rows, vStride, n, dV, o, oStride);
}
#endif

ValueSumsFn valueSumsFn() {
#if defined(__x86_64__)
    switch (quant::bestIsa()) {
    case quant::Isa::Avx512: return valueSumsAvx512;
    case quant::Isa::Avx2: return valueSumsAvx2;
    case quant::Isa::Scalar: break;
    }
#endif
    return valueSumsBase;
}

} // namespace

// Keys whose rows are requested ahead of the one being scored (16 KB of 256-float rows).
constexpr int64_t kPrefetchKeys = 16;

void prefetchLines(const float* p, size_t bytes) {
    const auto* b = reinterpret_cast<const char*>(p);
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(b + off, 0, 2);
}

// A (token, KV head) unit: the query heads that share the KV head (the GQA group, all nHead
// heads for MLA's single latent head) are scored together, so every key row is read once per
// group. Its keys are taken in segments of kSegmentKeys: scores from the f32 tile kernel
// (key rows x query columns), then per query head the segment's score maximum m, its sum
// of exp(s - m) and its unnormalised value sum (a vectorisable axpy per key). The merge
// rescales the segments to the common maximum, always in segment order, so the numbers are
// the same whether one thread runs a unit's segments in a row or several threads share them
// (flash-decoding's split over keys, used when a batch has too few units for the threads).
class UnitAttention {
public:
    UnitAttention(const float* q, const PagedQuery* queries, const KvPages& kv, const AttentionParams& p)
        : m_q(q), m_queries(queries), m_kv(kv), m_p(p), m_group(p.nHead / p.nHeadKv),
          m_partStride(2 + p.headDimV), m_valueSums(valueSumsFn()) {}

    int64_t partFloats() const { return m_group * m_partStride; }

    // Scores segment seg of unit u into part[group][2 + dV]; rows are the unit's key rows.
    void segment(int64_t u, int64_t seg, const std::vector<int64_t>& rows, float* part) {
        const int64_t t = u / m_p.nHeadKv;
        const int kvh = int(u % m_p.nHeadKv);
        const int64_t k0 = seg * kSegmentKeys, n = std::min(int64_t(rows.size()), k0 + kSegmentKeys) - k0;
        const quant::VecDotTileFn tile = quant::vecDotTileFn(DType::F32);
        constexpr int kRows = quant::kTileMaxRows;
        m_scores.resize(size_t(n) * size_t(m_group));
        const float* qg = m_q + t * int64_t(m_p.nHead) * m_p.headDimK + int64_t(kvh) * m_group * m_p.headDimK;
        // Runs of consecutive physical rows go to the tile kernel together. The key rows
        // kPrefetchKeys ahead and the value rows of the keys being scored are requested as we
        // go: the rows of a paged cache are a gather the hardware prefetchers do not follow
        // far, and the values are read right after the scores.
        const size_t kBytes = size_t(m_p.headDimK) * sizeof(float), vBytes = size_t(m_p.headDimV) * sizeof(float);
        const int64_t kOff = int64_t(kvh) * m_p.headDimK, vOff = int64_t(kvh) * m_p.headDimV;
        const bool ownValues = m_kv.v != m_kv.k; // MLA's values are its key rows (the latent)
        for (int64_t j = 0; j < std::min<int64_t>(n, kPrefetchKeys); ++j)
            prefetchLines(m_kv.k + rows[size_t(k0 + j)] * m_kv.kStride + kOff, kBytes);
        for (int64_t j0 = 0; j0 < n;) {
            const int64_t r0 = rows[size_t(k0 + j0)];
            int m = 1;
            while (m < kRows && j0 + m < n && rows[size_t(k0 + j0 + m)] == r0 + m) ++m;
            for (int64_t j = j0; j < j0 + m; ++j) {
                if (j + kPrefetchKeys < n)
                    prefetchLines(m_kv.k + rows[size_t(k0 + j + kPrefetchKeys)] * m_kv.kStride + kOff, kBytes);
                if (ownValues) prefetchLines(m_kv.v + rows[size_t(k0 + j)] * m_kv.vStride + vOff, vBytes);
            }
            tile(m_p.headDimK, m_kv.k + r0 * m_kv.kStride + int64_t(kvh) * m_p.headDimK,
                 size_t(m_kv.kStride) * sizeof(float), m, qg, size_t(m_p.headDimK) * sizeof(float),
                 m_group, m_scores.data() + j0, size_t(n));
            j0 += m;
        }
        for (int c = 0; c < m_group; ++c) {
            float* s = m_scores.data() + size_t(c) * size_t(n);
            float maxs = -INFINITY;
            for (int64_t j = 0; j < n; ++j) {
                float x = s[j] * m_p.scale;
                if (m_p.softcap > 0.0f) x = m_p.softcap * std::tanh(x / m_p.softcap);
                s[j] = x;
                maxs = std::max(maxs, x);
            }
            float sum = 0.0f;
            for (int64_t j = 0; j < n; ++j) {
                s[j] = expNonPositive(s[j] - maxs);
                sum += s[j];
            }
            float* pc = part + c * m_partStride;
            pc[0] = maxs;
            pc[1] = sum;
        }
        m_valueSums(m_group, m_scores.data(), n, m_kv.v + int64_t(kvh) * m_p.headDimV, rows.data() + k0,
                  m_kv.vStride, n, m_p.headDimV, part + 2, m_partStride);
    }

    // out for unit u from its nSeg segment parts (consecutive, partFloats() each):
    // o = sum_s exp(m_s - M) o_s / sum_s exp(m_s - M) l_s, M the largest m_s.
    void merge(int64_t u, const float* parts, int64_t nSeg, float* out) const {
        const int64_t t = u / m_p.nHeadKv;
        const int kvh = int(u % m_p.nHeadKv);
        const int64_t dV = m_p.headDimV;
        for (int c = 0; c < m_group; ++c) {
            float M = -INFINITY;
            for (int64_t sg = 0; sg < nSeg; ++sg) M = std::max(M, parts[sg * partFloats() + c * m_partStride]);
            float* o = out + t * int64_t(m_p.nHead) * dV + int64_t(kvh * m_group + c) * dV;
            std::fill(o, o + dV, 0.0f);
            float L = 0.0f;
            for (int64_t sg = 0; sg < nSeg; ++sg) {
                const float* pc = parts + sg * partFloats() + c * m_partStride;
                const float w = expNonPositive(pc[0] - M);
                L += w * pc[1];
                for (int64_t d = 0; d < dV; ++d) o[d] += w * pc[2 + d];
            }
            const float inv = 1.0f / L;
            for (int64_t d = 0; d < dV; ++d) o[d] *= inv;
        }
    }

private:
    const float* m_q;
    const PagedQuery* m_queries;
    const KvPages& m_kv;
    const AttentionParams& m_p;
    int m_group;
    int64_t m_partStride;
    ValueSumsFn m_valueSums;
    std::vector<float> m_scores; // [group][keys of the segment]
};

void pagedAttention(const float* q, const PagedQuery* queries, int64_t nTokens, const KvPages& kv,
                    float* out, const AttentionParams& p, ThreadPool& pool) {
    DW_ASSERT(p.nHead > 0 && p.nHeadKv > 0 && p.nHead % p.nHeadKv == 0 && kv.blockSize > 0);
    const int64_t units = nTokens * p.nHeadKv;
    const int64_t B = kv.blockSize;
    std::vector<int64_t> segs(static_cast<size_t>(nTokens));
    int64_t nItems = 0;
    for (int64_t t = 0; t < nTokens; ++t) {
        const int64_t count = attendedCount(queries[t], p.window, B);
        DW_ASSERT_MSG(count > 0, "a query must see at least its own key");
        segs[size_t(t)] = (count + kSegmentKeys - 1) / kSegmentKeys;
        nItems += segs[size_t(t)] * p.nHeadKv;
    }
    const UnitAttention proto(q, queries, kv, p);
    const int64_t partFloats = proto.partFloats();

    if (units >= 2 * int64_t(pool.size()) || nItems == units) {
        // Enough units for the threads: each thread runs whole units.
        pool.parallelFor(units, 1, [&](int64_t u0, int64_t u1) {
            UnitAttention ua(q, queries, kv, p);
            std::vector<int64_t> rows;
            std::vector<float> parts;
            int64_t rowsToken = -1;
            for (int64_t u = u0; u < u1; ++u) {
                const int64_t t = u / p.nHeadKv;
                if (t != rowsToken) attendedRows(queries[t], p.window, B, rows); // once per token
                rowsToken = t;
                parts.resize(size_t(segs[size_t(t)] * partFloats));
                for (int64_t sg = 0; sg < segs[size_t(t)]; ++sg) ua.segment(u, sg, rows, parts.data() + sg * partFloats);
                ua.merge(u, parts.data(), segs[size_t(t)], out);
            }
        });
        return;
    }
    // Few units (decode of a small batch): the threads share the segments, then the merge.
    std::vector<int64_t> firstItem(size_t(units) + 1, 0);
    for (int64_t u = 0; u < units; ++u) firstItem[size_t(u) + 1] = firstItem[size_t(u)] + segs[size_t(u / p.nHeadKv)];
    std::vector<float> parts(size_t(nItems * partFloats));
    pool.parallelFor(nItems, 1, [&](int64_t i0, int64_t i1) {
        UnitAttention ua(q, queries, kv, p);
        std::vector<int64_t> rows;
        int64_t rowsToken = -1;
        for (int64_t item = i0; item < i1; ++item) {
            const int64_t u =
                int64_t(std::upper_bound(firstItem.begin(), firstItem.end(), item) - firstItem.begin()) - 1;
            const int64_t t = u / p.nHeadKv;
            if (t != rowsToken) attendedRows(queries[t], p.window, B, rows);
            rowsToken = t;
            ua.segment(u, item - firstItem[size_t(u)], rows, parts.data() + item * partFloats);
        }
    });
    for (int64_t u = 0; u < units; ++u)
        proto.merge(u, parts.data() + firstItem[size_t(u)] * partFloats, firstItem[size_t(u) + 1] - firstItem[size_t(u)], out);
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
