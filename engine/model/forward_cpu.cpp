// The generic decoder on the CPU: one forward pass over a batch of tokens (one or several
// sequences) against a paged KV cache, switched by the architecture table (model/arch.h)
// and the bound weights.
#include "core/thread_pool.h"
#include "cpu/attention.h"
#include "cpu/ops.h"
#include "deepwell/error.h"
#include "deepwell/thread_guard.h"
#include "model/cpu_blocks.h"
#include "model/forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace dw::model {

uint64_t cpuKvBytesPerToken(const HParams& hp) {
    uint64_t total = 0;
    for (int il = 0; il < hp.nLayer; ++il) {
        if (hp.mla.enabled)
            total += uint64_t(hp.mla.kvLoraRank + hp.mla.ropeDim) * sizeof(float);
        else
            total += uint64_t(hp.nHeadKv[size_t(il)]) * (hp.headDimK + hp.headDimV) * sizeof(float);
    }
    return total;
}

namespace {

class CpuForward final : public Forward {
public:
    CpuForward(const Model::Impl& md, const KvConfig& kvc, int nThreads)
        : md(md), hp(md.hp), arch(archInfo(hp.arch)),
          pool(nThreads > 0 ? nThreads : ThreadPool::hardwareThreads()), kvc(kvc) {
        DW_ASSERT(kvc.nBlocks > 0 && kvc.blockSize > 0);
        const size_t rows = size_t(kvc.nBlocks) * size_t(kvc.blockSize);
        kCache.resize(size_t(hp.nLayer));
        vCache.resize(size_t(hp.nLayer));
        try {
            for (int il = 0; il < hp.nLayer; ++il) {
                kCache[size_t(il)].assign(rows * kvRowK(il), 0.0f);
                vCache[size_t(il)].assign(rows * kvRowV(il), 0.0f);
            }
        } catch (const std::bad_alloc&) {
            throw Error(ErrorCode::OutOfMemory,
                        "the KV cache for " + std::to_string(rows) + " tokens needs " +
                            std::to_string((cpuKvBytesPerToken(hp) * rows) >> 20) +
                            " MB, which could not be allocated; use a smaller context (-c)");
        }
        identity.resize(size_t(kvc.nBlocks));
        std::iota(identity.begin(), identity.end(), 0);
        for (int il = 0; il < hp.nLayer; ++il) ropes.push_back(ropeConfigForLayer(md, il));
        counts.resize(size_t(hp.nLayer));
        for (int il = 0; il < hp.nLayer; ++il)
            if (hp.isMoeLayer(il)) counts[size_t(il)].assign(size_t(hp.moe.nExpert), 0);
    }

    void run(const int32_t* tokens, int64_t T, int64_t pos0) override {
        single.seqs.assign(1, BatchSeq{identity.data(), 0, 0});
        single.tokens.resize(size_t(T));
        for (int64_t t = 0; t < T; ++t) single.tokens[size_t(t)] = {tokens[t], pos0 + t, 0, true};
        runBatch(single);
    }

    bool supportsBatch() const override { return true; }

    void runBatch(const Batch& b) override { // run() comes through here too
        noteEngineWork("CpuForward::runBatch");
        const int64_t T = int64_t(b.tokens.size());
        const int64_t E = hp.nEmbd;
        DW_ASSERT(T > 0);
        prepareSlots(b);
        ensure(x, size_t(T * E));
        ensure(a, size_t(T * E));
        const float embScale = hp.embedScale ? std::sqrt(float(E)) : 1.0f;
        for (int64_t t = 0; t < T; ++t) {
            cpu::getRow(md.weights.tokenEmbd, b.tokens[size_t(t)].token, x.data() + t * E);
            if (embScale != 1.0f)
                for (int64_t i = 0; i < E; ++i) x[size_t(t * E + i)] *= embScale;
        }
        for (int il = 0; il < hp.nLayer; ++il) layer(il, T);
        // Keep the final-normed hidden states of the tokens whose logits are wanted.
        nOut = 0;
        ensure(xOut, size_t(T * E));
        for (int64_t t = 0; t < T; ++t) {
            if (!b.tokens[size_t(t)].logits) continue;
            cpu::rmsNorm(x.data() + t * E, md.weights.outputNorm.data(), xOut.data() + nOut * E, E, hp.rmsEps);
            ++nOut;
        }
    }

    void logits(int64_t r0, int64_t r1, float* out) override {
        DW_ASSERT(r0 >= 0 && r1 <= nOut && r0 < r1);
        matmul(md.weights.output, xOut.data() + r0 * hp.nEmbd, r1 - r0, out);
        if (hp.finalSoftcap > 0.0f) {
            const float c = hp.finalSoftcap;
            const int64_t n = (r1 - r0) * hp.nVocab;
            for (int64_t i = 0; i < n; ++i) out[i] = c * std::tanh(out[i] / c);
        }
    }

    std::string deviceName() const override { return "cpu"; }
    int nThreads() const override { return pool.size(); }
    std::vector<std::vector<uint64_t>> expertCounts() const override { return counts; }
    uint64_t scratchBytes() const override {
        return capacityBytes(x, a, q, k, v, attn, o, g, u, xOut, mm.act, mm.actOffset, mm.pieces, slots.pos,
                             slots.row, slots.queries) +
               moeScratch.bytes() + mlaScratch.bytes();
    }
    void resetExpertCounts() override {
        for (auto& c : counts) std::fill(c.begin(), c.end(), 0);
    }

private:
    // KV-cache row widths: MLA keeps [latent | rope key] in the K rows and no V rows.
    size_t kvRowK(int il) const {
        if (hp.mla.enabled) return size_t(hp.mla.kvLoraRank + hp.mla.ropeDim);
        return size_t(hp.nHeadKv[size_t(il)]) * size_t(hp.headDimK);
    }
    size_t kvRowV(int il) const {
        if (hp.mla.enabled) return 0;
        return size_t(hp.nHeadKv[size_t(il)]) * size_t(hp.headDimV);
    }

    // Positions, physical KV rows and attention queries of the batch's tokens.
    void prepareSlots(const Batch& b) {
        const int64_t B = kvc.blockSize;
        const size_t T = b.tokens.size();
        slots.blockSize = kvc.blockSize;
        slots.pos.resize(T);
        slots.row.resize(T);
        slots.queries.resize(T);
        for (size_t t = 0; t < T; ++t) {
            const BatchToken& bt = b.tokens[t];
            DW_ASSERT(bt.seq >= 0 && size_t(bt.seq) < b.seqs.size());
            const BatchSeq& s = b.seqs[size_t(bt.seq)];
            const int32_t block = s.blocks[bt.pos / B];
            DW_ASSERT_MSG(block >= 0 && block < kvc.nBlocks, "a token's KV block must be allocated");
            slots.pos[t] = bt.pos;
            slots.row[t] = int64_t(block) * B + bt.pos % B;
            slots.queries[t] = cpu::PagedQuery{bt.pos, s.blocks, s.sinkTokens, s.window};
        }
    }

    void ensure(std::vector<float>& b, size_t n) {
        if (b.size() < n) b.resize(n);
    }

    void matmul(const cpu::MatView& w, const float* in, int64_t T, float* out) {
        cpu::matmul(w, in, T, out, pool, mm);
    }

    static void addBias(float* y, const Vec& b, int64_t T) {
        if (b.empty()) return;
        const int64_t n = int64_t(b.size());
        for (int64_t t = 0; t < T; ++t)
            for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[size_t(i)];
    }

    void normRows(const float* in, const Vec& w, float* out, int64_t T, int64_t n) {
        for (int64_t t = 0; t < T; ++t) cpu::rmsNorm(in + t * n, w.data(), out + t * n, n, hp.rmsEps);
    }

    void layer(int il, int64_t T) {
        const auto& L = md.weights.layers[size_t(il)];
        const int64_t E = hp.nEmbd;
        ensure(o, size_t(T * E));
        normRows(x.data(), L.attnNorm, a.data(), T, E);
        if (hp.mla.enabled) {
            CpuExec ex{pool, mm};
            mlaAttention(L, hp, ropes[size_t(il)], a.data(), T, slots, kCache[size_t(il)].data(),
                         o.data(), ex, mlaScratch);
        } else {
            attention(il, L, T);
        }
        if (!L.postAttnNorm.empty()) normRows(o.data(), L.postAttnNorm, o.data(), T, E);
        for (int64_t i = 0; i < T * E; ++i) x[size_t(i)] += o[size_t(i)];

        normRows(x.data(), L.ffnNorm, a.data(), T, E);
        if (hp.isMoeLayer(il)) {
            CpuExec ex{pool, mm};
            moeFeedForward(L, hp, a.data(), T, o.data(), ex, moeScratch, counts[size_t(il)].data());
        } else {
            denseFeedForward(il, L, T);
        }
        if (!L.postFfnNorm.empty()) normRows(o.data(), L.postFfnNorm, o.data(), T, E);
        for (int64_t i = 0; i < T * E; ++i) x[size_t(i)] += o[size_t(i)];
    }

    // Multi-head / grouped-query attention of the normed rows `a` into `o`.
    void attention(int il, const LayerWeights& L, int64_t T) {
        const int nH = hp.nHead[size_t(il)], nKv = hp.nHeadKv[size_t(il)];
        const int dk = hp.headDimK, dv = hp.headDimV;
        const int64_t nq = int64_t(nH) * dk, nk = int64_t(nKv) * dk, nv = int64_t(nKv) * dv;
        ensure(q, size_t(T * nq));
        ensure(k, size_t(T * nk));
        ensure(v, size_t(T * nv));
        ensure(attn, size_t(T * nH * dv));
        CpuExec{pool, mm}.matmuls({{L.wq, a.data(), T, q.data()},
                                   {L.wk, a.data(), T, k.data()},
                                   {L.wv, a.data(), T, v.data()}});
        addBias(q.data(), L.bq, T);
        addBias(k.data(), L.bk, T);
        addBias(v.data(), L.bv, T);
        if (!L.qNorm.empty()) {
            if (hp.qkNormWhole) { // olmoe: over the whole projection, before the head split
                normRows(q.data(), L.qNorm, q.data(), T, nq);
                normRows(k.data(), L.kNorm, k.data(), T, nk);
            } else {
                normRows(q.data(), L.qNorm, q.data(), T * nH, dk);
                normRows(k.data(), L.kNorm, k.data(), T * nKv, dk);
            }
        }
        float* kc = kCache[size_t(il)].data();
        float* vc = vCache[size_t(il)].data();
        for (int64_t t = 0; t < T; ++t) {
            cpu::rope(q.data() + t * nq, nH, dk, slots.pos[size_t(t)], ropes[size_t(il)]);
            cpu::rope(k.data() + t * nk, nKv, dk, slots.pos[size_t(t)], ropes[size_t(il)]);
            std::memcpy(kc + slots.row[size_t(t)] * nk, k.data() + t * nk, sizeof(float) * size_t(nk));
            std::memcpy(vc + slots.row[size_t(t)] * nv, v.data() + t * nv, sizeof(float) * size_t(nv));
        }
        cpu::AttentionParams ap;
        ap.nHead = nH;
        ap.nHeadKv = nKv;
        ap.headDimK = dk;
        ap.headDimV = dv;
        ap.scale = hp.attnScale;
        ap.window = hp.layerIsSwa[size_t(il)] ? hp.slidingWindow : 0;
        ap.softcap = hp.attnSoftcap;
        const cpu::KvPages pages{kc, nk, vc, nv, kvc.blockSize};
        cpu::pagedAttention(q.data(), slots.queries.data(), T, pages, attn.data(), ap, pool);
        matmul(L.wo, attn.data(), T, o.data());
        addBias(o.data(), L.bo, T);
    }

    void denseFeedForward(int il, const LayerWeights& L, int64_t T) {
        const int64_t ff = hp.nFf[size_t(il)];
        ensure(g, size_t(T * ff));
        ensure(u, size_t(T * ff));
        CpuExec{pool, mm}.matmuls({{L.gate, a.data(), T, g.data()}, {L.up, a.data(), T, u.data()}});
        if (arch.act == Activation::GeluTanh)
            cpu::geglu(g.data(), u.data(), g.data(), T * ff);
        else
            cpu::swiglu(g.data(), u.data(), g.data(), T * ff);
        matmul(L.down, g.data(), T, o.data());
    }

    const Model::Impl& md;
    const HParams& hp;
    const ArchInfo& arch;
    ThreadPool pool;
    KvConfig kvc;
    std::vector<std::vector<float>> kCache, vCache; // per layer [row width, nBlocks * blockSize]
    std::vector<int32_t> identity;                   // block table of run()'s single sequence
    std::vector<cpu::RopeConfig> ropes;              // per layer
    Batch single;                                    // run()'s batch (reused)
    TokenSlots slots;
    std::vector<float> x, a, q, k, v, attn, o, g, u, xOut;
    int64_t nOut = 0;
    cpu::MatmulScratch mm;
    MoeScratch moeScratch;
    MlaScratch mlaScratch;
    std::vector<std::vector<uint64_t>> counts; // per layer [nExpert] selections (MoE layers)
};

} // namespace

std::unique_ptr<Forward> makeCpuForward(const Model::Impl& model, const KvConfig& kv, int nThreads) {
    return std::make_unique<CpuForward>(model, kv, nThreads);
}

} // namespace dw::model
