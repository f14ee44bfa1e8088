#pragma once
// CPU kernels of the forward pass. These are the reference twins of engine/cuda: every CUDA
// op is tested against the function of the same name here. All activations are f32.
#include "deepwell/dtype.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dw {
class ThreadPool;
}

namespace dw::cpu {

// y = x / sqrt(mean(x^2) + eps) * w over n values; w == nullptr means no weight. x may equal y.
void rmsNorm(const float* x, const float* w, float* y, int64_t n, float eps);

enum class RopeStyle { Norm, Neox }; // Norm: pairs (x[2i], x[2i+1]); Neox: (x[i], x[i+nRot/2])

struct RopeConfig {
    RopeStyle style = RopeStyle::Norm;
    int nRot = 0;                // rotated dims per head (<= headDim); the rest pass through
    float freqBase = 10000.0f;
    float freqScale = 1.0f;      // 1 / scaling factor (linear and YaRN)
    // YaRN (ENGINE_FACTS 4.0); active when extFactor != 0.
    float extFactor = 0.0f;
    float attnFactor = 1.0f;     // multiplies the cos/sin magnitude
    int nCtxOrig = 0;
    float betaFast = 32.0f;
    float betaSlow = 1.0f;
    const float* freqFactors = nullptr; // optional [nRot/2] divisors of theta (rope_freqs)
};

// Rotates nHeads consecutive head vectors (headDim values each) at position pos, in place.
void rope(float* x, int nHeads, int headDim, int64_t pos, const RopeConfig& cfg);

// out = silu(gate) * up and out = gelu_tanh(gate) * up, n values (out may alias gate).
void swiglu(const float* gate, const float* up, float* out, int64_t n);
void geglu(const float* gate, const float* up, float* out, int64_t n);
float gelu(float x); // tanh approximation

// In-place softmax over n values (max-subtracted, f32).
void softmax(float* x, int64_t n);

// A weight matrix [k, n] of type `type`: n rows of k values, row r at data + r * rowStride.
struct MatView {
    DType type = DType::F32;
    int64_t k = 0;
    int64_t n = 0;
    const uint8_t* data = nullptr;
    size_t rowStride = 0; // bytes; rowBytes(type, k) for a contiguous matrix
};

// Reusable buffers of matmul / matmulBatch (avoids allocations in the decode loop): the
// quantized activation rows, and the plan of a batch.
struct MatmulScratch {
    std::vector<uint8_t> act;
    std::vector<size_t> actOffset;   // per job of a batch: its activation rows in `act`
    std::vector<int64_t> pieces;     // (job, first row, end row) triples handed to the pool
};

// y[t * w.n + r] = sum_j W[r][j] * x[t * w.k + j] for t < nTokens, r < w.n.
// Activations are quantized to quant::vecDotType(w.type) first (as llama.cpp does), so
// results match a float product up to that rounding. Below a few tokens (decode) the
// multi-row kernels (quant::VecDotRowsFn) run, from a few tokens on the tiled kernels
// (quant::VecDotTileFn): the same sums in another float order. The results do not depend
// on the number of threads in the pool.
void matmul(const MatView& w, const float* x, int64_t nTokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch);

// One product of a batch: y = W x over nTokens activation rows, as matmul(w, x, nTokens, y).
struct MatmulJob {
    MatView w;
    const float* x = nullptr; // [w.k, nTokens]
    int64_t nTokens = 0;
    float* y = nullptr;       // [w.n, nTokens]; must not overlap any job's x
};

// Several products at once, with the same results as matmul per job. An input shared by
// several jobs (same x, nTokens, k and activation format: Q/K/V, gate/up) is quantized
// once, and the decode-sized jobs (fewer than a few tokens) go to the pool as one job
// whose pieces (runs of rows of any of the matrices) the threads take in turn: one
// dispatch instead of one per matrix, and no split of a small matrix across threads. A
// batch below kMatmulSerialBytes of weights runs on the calling thread alone.
inline constexpr size_t kMatmulSerialBytes = 64 * 1024;
void matmulBatch(const MatmulJob* jobs, size_t nJobs, ThreadPool& pool, MatmulScratch& scratch);

// One dequantized row of a matrix (embedding look-up): out[0..w.k).
void getRow(const MatView& w, int64_t row, float* out);

} // namespace dw::cpu
