#pragma once
// One backend's forward pass over the generic decoder: CPU (forward_cpu.cpp) or CUDA
// (forward_cuda.cpp). A Forward owns its KV cache and activation buffers; Context drives it.
#include "cpu/ops.h"
#include "model/batch.h"
#include "model/model_impl.h"

#include <cstdint>
#include <memory>

namespace dw::model {

class Forward {
public:
    virtual ~Forward() = default;
    // Runs tokens at positions pos0 .. pos0+T-1 (T <= the batch size it was made for),
    // writes their keys and values into the cache and keeps the chunk's final-normed hidden
    // states for logits().
    virtual void run(const int32_t* tokens, int64_t T, int64_t pos0) = 0;
    // Runs a batch of several sequences over the paged cache the Forward was made with
    // (backends that support it; see supportsBatch()). logits() rows are then the tokens
    // with `logits` set, in batch order.
    virtual bool supportsBatch() const { return false; }
    virtual void runBatch(const Batch& batch);
    // Logits of hidden rows [r0, r1) of the last run: out is host memory [nVocab, r1 - r0].
    virtual void logits(int64_t r0, int64_t r1, float* out) = 0;
    // "cpu" or the GPU's name, for logs and benchmarks.
    virtual std::string deviceName() const = 0;
    virtual int nThreads() const { return 1; }
    // Per layer, how often each expert was selected since the last reset (empty rows for
    // dense layers; empty when the backend does not count).
    virtual std::vector<std::vector<uint64_t>> expertCounts() const { return {}; }
    virtual void resetExpertCounts() {}
    // Host bytes of the activations and scratch buffers it holds now (they grow to the
    // largest batch seen), for the memory ledger. The KV cache is not included.
    virtual uint64_t scratchBytes() const { return 0; }
};

// RoPE settings of layer il (gemma3 local layers: their own base, never scaled).
cpu::RopeConfig ropeConfigForLayer(const Model::Impl& model, int il);

// A CPU forward pass over its own paged KV cache. run() treats the cache as one sequence
// with the blocks in order (positions up to nBlocks * blockSize).
std::unique_ptr<Forward> makeCpuForward(const Model::Impl& model, const KvConfig& kv, int nThreads);
// The KV-cache bytes per token position of a model on the CPU (f32).
uint64_t cpuKvBytesPerToken(const HParams& hp);

// Null when this build has no CUDA backend; throws dw::Error when the GPU cannot take the
// model (OutOfMemory naming what does not fit and what to change, Unsupported for a tensor
// type or shape the kernels cannot run). maxBatch: the largest chunk run() gets.
std::unique_ptr<Forward> makeCudaForward(const Model::Impl& model, int64_t nCtx, int64_t maxBatch);
// Why the CUDA backend cannot be used ("" when it can): no build support, no usable GPU
// (cuda::probe()'s reason), or, given a model, a weight type or head size the CUDA kernels
// do not support.
std::string cudaUnavailableReason(const Model::Impl* model = nullptr);

} // namespace dw::model
