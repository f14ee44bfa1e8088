// DeepSeek's multi-head latent attention on the CPU, absorbed form (ENGINE_FACTS 4.6 step 7):
// the cache keeps only the normed latent c (kvLora) and the roped shared key (rope) per token;
// queries are moved into latent space (q_abs = k_b[h] . q_nope), scored against [c | k_pe] as
// one MQA head of width kvLora+rope, and the attention-weighted latent is decompressed by
// v_b[h]. No per-token decompression of K or V.
#include "cpu/attention.h"
#include "model/cpu_blocks.h"

#include <algorithm>
#include <cstring>

namespace dw::model {
namespace {

void resize(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
}

// Bound on the gathered per-head inputs (and outputs) of one batch of per-head products.
constexpr int64_t kMlaBatchFloats = int64_t(1) << 21;

} // namespace

void mlaAttention(const LayerWeights& l, const HParams& hp, const cpu::RopeConfig& rope,
                  const float* a, int64_t T, const TokenSlots& slots, float* cache, float* out,
                  CpuExec& ex, MlaScratch& s) {
    const MlaParams& p = hp.mla;
    const int nHead = hp.nHead[0];
    const int nope = p.nopeDim, rd = p.ropeDim, lora = p.kvLoraRank, vd = p.vDim;
    const int64_t qRow = int64_t(nope) + rd;           // per-head query [nope | rope]
    const int64_t cRow = int64_t(lora) + rd;           // cache row [latent | rope key]

    // Queries [nHead * (nope + rope), T], and latent and rope key [kvLora + rope, T] (only the
    // latent is normed); the products of `a` in one batch.
    resize(s.q, size_t(T * nHead * qRow));
    resize(s.kv, size_t(T * cRow));
    if (l.wq.data) {
        ex.matmuls({{l.wq, a, T, s.q.data()}, {l.wkvA, a, T, s.kv.data()}});
    } else {
        resize(s.qa, size_t(T * p.qLoraRank));
        ex.matmuls({{l.wqA, a, T, s.qa.data()}, {l.wkvA, a, T, s.kv.data()}});
        for (int64_t t = 0; t < T; ++t)
            cpu::rmsNorm(s.qa.data() + t * p.qLoraRank, l.qANorm.data(), s.qa.data() + t * p.qLoraRank,
                         p.qLoraRank, hp.rmsEps);
        ex.matmul(l.wqB, s.qa.data(), T, s.q.data());
    }
    cpu::RopeConfig r = rope;
    r.nRot = rd;
    for (int64_t t = 0; t < T; ++t) {
        float* kv = s.kv.data() + t * cRow;
        cpu::rmsNorm(kv, l.kvANorm.data(), kv, lora, hp.rmsEps);
        const int64_t pos = slots.pos[size_t(t)];
        cpu::rope(kv + lora, 1, rd, pos, r);
        for (int h = 0; h < nHead; ++h) cpu::rope(s.q.data() + (t * nHead + h) * qRow + nope, 1, rd, pos, r);
        std::memcpy(cache + slots.row[size_t(t)] * cRow, kv, sizeof(float) * size_t(cRow));
    }
    // Absorbed queries [nHead * (kvLora + rope), T]: q_abs_h = k_b[h] . q_nope_h, then q_pe_h.
    // The per-head products run in batches of `group` heads (one dispatch each): every head's
    // input gathered first ([nope, T] per head). All heads in decode; in a long prefill chunk
    // as many as keep the gathered inputs and outputs within kMlaBatchFloats each.
    resize(s.qAbs, size_t(T * nHead * cRow));
    const int64_t gatherHead = T * std::max(nope, lora), partHead = T * std::max(lora, vd);
    const int group = int(std::clamp<int64_t>(
        kMlaBatchFloats / std::max(gatherHead, partHead), 1, nHead));
    resize(s.gather, size_t(group * gatherHead));
    resize(s.part, size_t(group * partHead));
    // One batch of per-head products: head h's input is its rows of `src` (width inW at
    // offset 0 of each srcRow-wide row), its product goes through `mats`, and `take` gets
    // [outW, T] per head.
    auto perHead = [&](const ExpertMats& mats, const float* src, int64_t srcRow, int inW, auto take) {
        for (int h0 = 0; h0 < nHead; h0 += group) {
            const int h1 = std::min(nHead, h0 + group);
            s.jobs.clear();
            for (int h = h0; h < h1; ++h) {
                float* g = s.gather.data() + (h - h0) * gatherHead;
                for (int64_t t = 0; t < T; ++t) std::copy_n(src + (t * nHead + h) * srcRow, inW, g + t * inW);
                s.jobs.push_back({mats.at(h), g, T, s.part.data() + (h - h0) * partHead});
            }
            ex.matmuls(s.jobs);
            for (int h = h0; h < h1; ++h) take(h, s.part.data() + (h - h0) * partHead);
        }
    };
    perHead(l.kB, s.q.data(), qRow, nope, [&](int h, const float* part) {
        for (int64_t t = 0; t < T; ++t) {
            float* dst = s.qAbs.data() + (t * nHead + h) * cRow;
            std::copy_n(part + t * lora, lora, dst);
            std::copy_n(s.q.data() + (t * nHead + h) * qRow + nope, rd, dst + lora);
        }
    });
    // One shared KV head: keys are whole cache rows, values their first kvLora entries.
    cpu::AttentionParams ap;
    ap.nHead = nHead;
    ap.nHeadKv = 1;
    ap.headDimK = int(cRow);
    ap.headDimV = lora;
    ap.scale = hp.attnScale;
    resize(s.lat, size_t(T * nHead * lora));
    const cpu::KvPages pages{cache, cRow, cache, cRow, slots.blockSize};
    cpu::pagedAttention(s.qAbs.data(), slots.queries.data(), T, pages, s.lat.data(), ap, ex.pool);
    // Decompress per head: o_h = v_b[h] . latent_h -> [nHead * vDim, T], in batches as above.
    resize(s.o, size_t(T * nHead * vd));
    perHead(l.vB, s.lat.data(), lora, lora, [&](int h, const float* part) {
        for (int64_t t = 0; t < T; ++t) std::copy_n(part + t * vd, vd, s.o.data() + (t * nHead + h) * vd);
    });
    ex.matmul(l.wo, s.o.data(), T, out);
}

} // namespace dw::model
