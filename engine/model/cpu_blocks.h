#pragma once
// Feed-forward and attention blocks of the CPU forward pass that only some architectures
// use: the Mixture-of-Experts FFN (moe_cpu.cpp) and DeepSeek's latent attention
// (mla_cpu.cpp). Activations are f32 rows [width, T].
#include "core/thread_pool.h"
#include "cpu/attention.h"
#include "cpu/ops.h"
#include "model/weights.h"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace dw::model {

// Where the tokens of a batch live: positions (for RoPE), the physical KV row each token's
// keys are written to, and the attention query of each token over the paged cache.
struct TokenSlots {
    std::vector<int64_t> pos;
    std::vector<int64_t> row;
    std::vector<cpu::PagedQuery> queries;
    int blockSize = 0;
};

// The thread pool and matmul scratch of one CpuForward.
struct CpuExec {
    ThreadPool& pool;
    cpu::MatmulScratch& mm;
    void matmul(const cpu::MatView& w, const float* x, int64_t T, float* y) {
        cpu::matmul(w, x, T, y, pool, mm);
    }
    // Several products in one call (cpu::matmulBatch): shared inputs quantized once, one
    // dispatch to the pool for the decode-sized ones.
    void matmuls(std::initializer_list<cpu::MatmulJob> jobs) {
        cpu::matmulBatch(jobs.begin(), jobs.size(), pool, mm);
    }
    void matmuls(const std::vector<cpu::MatmulJob>& jobs) {
        cpu::matmulBatch(jobs.data(), jobs.size(), pool, mm);
    }
};

// Reused buffers of the MoE block (sized on first use for the largest chunk).
// Bytes held by vectors (their capacity), for the memory ledger's activations figure.
template <class... V> uint64_t capacityBytes(const V&... v) {
    return (uint64_t(0) + ... + uint64_t(v.capacity() * sizeof(typename V::value_type)));
}

struct MoeScratch {
    std::vector<float> logits, slots, xe, ge, ue, de, shared, route;
    std::vector<float> sharedGate, sharedUp; // the shared expert's [nFfShared, T]
    std::vector<int32_t> ids;
    std::vector<float> weights;
    std::vector<std::vector<int32_t>> perExpert; // slot indices t*k + j, ascending
    std::vector<int> group;                      // experts of one batch
    std::vector<cpu::MatmulJob> jobs;            // the products of one batch

    uint64_t bytes() const {
        uint64_t n = capacityBytes(logits, slots, xe, ge, ue, de, shared, route, sharedGate, sharedUp, ids, weights,
                                   perExpert, group, jobs);
        for (const auto& e : perExpert) n += capacityBytes(e);
        return n;
    }
};

// out[T][nEmbd] = MoE(x) (+ shared experts), x: [nEmbd, T] normalised hidden states.
// Routing, then tokens grouped by expert, then one matrix product per selected expert over
// all of its tokens, then the weighted sum in slot order (deterministic). counts (nExpert)
// is incremented by one per (token, selected expert).
void moeFeedForward(const LayerWeights& l, const HParams& hp, const float* x, int64_t T,
                    float* out, CpuExec& ex, MoeScratch& s, uint64_t* counts);

struct MlaScratch {
    std::vector<float> q, qa, kv, qAbs, lat, gather, part, o;
    std::vector<cpu::MatmulJob> jobs; // the per-head products of one batch

    uint64_t bytes() const { return capacityBytes(q, qa, kv, qAbs, lat, gather, part, o, jobs); }
};

// Latent attention (absorbed form) of a batch of T tokens: cache rows [kvLora + rope, rows]
// hold the normed latent and the roped key per position; the batch's rows are written (at
// slots.row), then out[T][nEmbd] = attn_output(attention over slots.queries).
void mlaAttention(const LayerWeights& l, const HParams& hp, const cpu::RopeConfig& rope,
                  const float* a, int64_t T, const TokenSlots& slots, float* cache, float* out,
                  CpuExec& ex, MlaScratch& s);

} // namespace dw::model
