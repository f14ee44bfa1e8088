#pragma once
// CUDA kernels of the forward pass: the twins of engine/cpu/ops.h and cpu/attention.h.
//
// Every function is a checked host launcher: it validates its arguments (dw::Error naming
// the field, the value and the limit), enqueues its kernel(s) on `stream` and returns
// without synchronising. All pointers are device pointers unless a comment says otherwise;
// activations are f32 and rows are contiguous. No CUDA type appears here (device.h).
#include "cpu/attention.h"
#include "cpu/ops.h"
#include "cuda/device.h"
#include "deepwell/dtype.h"

#include <cstddef>
#include <cstdint>

struct cublasContext;

namespace dw::cuda {

// A weight matrix [k, n] in device memory: n rows of k values of `type`, row r at
// data + r * rowStride bytes. Mirrors cpu::MatView.
struct MatView {
    DType type = DType::F32;
    int64_t k = 0;
    int64_t n = 0;
    const void* data = nullptr;
    size_t rowStride = 0; // bytes; rowBytes(type, k) for a contiguous matrix
};

// True for the weight types the CUDA kernels handle: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K,
// Q5_K, Q6_K, F16, BF16, F32.
bool isSupportedWeightType(DType t);

// ---- activation quantization (quantize_q8_1.cu) ----------------------------------------

// Q8_1 in its CUDA flavour (CUDA_FACTS 2.2): blocks of 32 values {half d, half s, int8 q[32]}
// with d = amax / 127, q = round-to-nearest-even(x / d), s = sum of the unquantized x.
inline constexpr int kQ8_1BlockBytes = 36;
// Bytes of one quantized row of k values (k a multiple of 32).
inline size_t q8_1RowBytes(int64_t k) {
    return size_t(k / 32) * kQ8_1BlockBytes;
}

// x: [k, nRows] f32 -> q: nRows rows of q8_1RowBytes(k) bytes. k % 32 == 0.
void quantizeQ8_1(const float* x, void* q, int64_t k, int64_t nRows, Stream stream);

// The same values in the split layout the fast mat-vec reads: per row the k int8 quants,
// then k/32 (half d, half s) pairs, the row padded to q8_1SplitRowBytes(k) (a multiple of
// 16). q must be 16-byte aligned. Block j's d, s and q equal quantizeQ8_1's to the bit.
size_t q8_1SplitRowBytes(int64_t k);
void quantizeQ8_1Split(const float* x, void* q, int64_t k, int64_t nRows, Stream stream);

// ---- mat-vec for decode (mat_vec.cu, mat_vec_q.cu, mat_vec_split.cu) ------------------

inline constexpr int kMatVecMaxTokens = 8;

// y[t * w.n + r] = sum_j W[r][j] * x[t * w.k + j] for t < nTokens (1..8), r < w.n.
// Quantized types: xq holds the nTokens activation rows already quantized by quantizeQ8_1
// (each row q8_1RowBytes(w.k) bytes, rows contiguous). Integer dp4a products per block.
// The first kernel (4-byte weight loads), kept as the comparison point of bench_cuda and
// as matVec's path for matrices that are not 16-byte aligned.
void matVecQ8_1(const MatView& w, const void* xq, int64_t nTokens, float* y, Stream stream);
// The fast kernel (mat_vec_split.cu): xq holds nTokens rows quantized by quantizeQ8_1Split
// (q8_1SplitRowBytes(w.k) bytes apart, 16-byte aligned); w.data must be 16-byte aligned.
// Same products as matVecQ8_1 (same offset/min conventions), summed in another order, and
// each token's result is the same bits whatever nTokens is.
void matVecQ8_1Split(const MatView& w, const void* xq, int64_t nTokens, float* y, Stream stream);
// Float weights (F32, F16, BF16): x is [w.k, nTokens] f32; fp32 accumulation.
void matVecFloat(const MatView& w, const float* x, int64_t nTokens, float* y, Stream stream);

// Both in one: quantizes x into `actScratch` (matVecScratchBytes bytes, 16-byte aligned)
// when the weight is quantized, then multiplies: the split kernel when w.data is 16-byte
// aligned, else quantizeQ8_1 + matVecQ8_1.
size_t matVecScratchBytes(const MatView& w, int64_t nTokens);
void matVec(const MatView& w, const float* x, int64_t nTokens, float* y, void* actScratch,
            size_t actScratchBytes, Stream stream);

// ---- prefill matrix product (matmul.cu) ------------------------------------------------

// A cuBLAS handle (owned). One per stream: results are reproducible when a handle and its
// workspace are not shared between streams (CUDA_FACTS 11.3).
// The workspace size cuBLAS recommends for Hopper (the largest of its recommendations).
inline constexpr size_t kBlasWorkspaceBytes = size_t(32) << 20;

class Blas {
public:
    Blas();
    ~Blas();
    Blas(const Blas&) = delete;
    Blas& operator=(const Blas&) = delete;
    cublasContext* handle() const { return m_handle; }
    // Gives cuBLAS a workspace of ours (device memory, 256-byte aligned, owned by the
    // caller), so it allocates nothing while a forward pass runs (cublasSetWorkspace).
    void setWorkspace(void* ptr, size_t bytes);
    // Makes the handle work on `stream` (cublasSetStream only when it changes, then the
    // workspace again: cublasSetStream resets it to cuBLAS's own pool).
    void bind(Stream stream);

private:
    cublasContext* m_handle = nullptr;
    Stream m_stream = nullptr;
    bool m_bound = false;
    void* m_workspace = nullptr;
    size_t m_workspaceBytes = 0;
};

// Scratch for matmul: the activations in BF16 plus a slab of dequantized weight rows.
// Bytes needed to dequantize the whole matrix at once (the fastest); less works as long as
// one row fits, and the product is then done slab by slab.
size_t matmulScratchBytes(const MatView& w, int64_t nTokens);

// Y = X * W^T: y[t * w.n + r] = sum_j W[r][j] * x[t * w.k + j], any nTokens >= 1.
// Quantized/F16/BF16 weights are dequantized to BF16, activations converted to BF16, and
// cublasGemmEx runs with FP32 accumulation (CUDA_FACTS 3.5). F32 weights use an FP32 GEMM.
void matmul(Blas& blas, const MatView& w, const float* x, int64_t nTokens, float* y, void* scratch,
            size_t scratchBytes, Stream stream);

// ---- rows of a matrix (get_rows.cu) ----------------------------------------------------

// out[i * w.k + j] = W[ids[i]][j] dequantized to f32, for i < nIds. ids is a device array
// of int32. An id outside [0, w.n) yields a row of NaN (no out-of-bounds read).
void getRows(const MatView& w, const int32_t* ids, int64_t nIds, float* out, Stream stream);

// Rows [row0, row0 + nRows) of W dequantized to BF16 (uint16 bit patterns), out[i * w.k + j].
void dequantizeRowsBf16(const MatView& w, int64_t row0, int64_t nRows, uint16_t* out,
                        Stream stream);

// ---- per-row and element-wise ops (rms_norm.cu, rope.cu, glu.cu, softmax.cu, ...) ------

// Each of nRows rows of n values: y = x / sqrt(mean(x^2) + eps) * w (w may be nullptr).
// x may equal y.
void rmsNorm(const float* x, const float* w, float* y, int64_t n, int64_t nRows, float eps,
             Stream stream);

using RopeStyle = cpu::RopeStyle;
// Same meaning as the CPU's; cfg.freqFactors, when set, must point to device memory.
using RopeConfig = cpu::RopeConfig;

// x: [headDim, nHeads, nTokens], rotated in place; token t at position pos[t] (device int32
// array, so a captured graph can replay with new positions).
void rope(float* x, int64_t nTokens, int nHeads, int headDim, const int32_t* pos,
          const RopeConfig& cfg, Stream stream);

// n values: out = silu(gate) * up, out = gelu_tanh(gate) * up, y = gelu_tanh(x).
// out may alias gate or up.
void swiglu(const float* gate, const float* up, float* out, int64_t n, Stream stream);
void geglu(const float* gate, const float* up, float* out, int64_t n, Stream stream);
void gelu(const float* x, float* y, int64_t n, Stream stream);

// In place, each of nRows rows of n values (max-subtracted, f32).
void softmax(float* x, int64_t n, int64_t nRows, Stream stream);

// out = a + b; out = x * s (n values; out may alias an input).
void add(const float* a, const float* b, float* out, int64_t n, Stream stream);
void scale(const float* x, float s, float* out, int64_t n, Stream stream);
// y[r * n + i] += b[i] for nRows rows of n values (a bias added to every token's row).
void addRows(float* y, const float* b, int64_t n, int64_t nRows, Stream stream);
// x = cap * tanh(x / cap), n values in place (gemma's final-logit soft-capping); cap > 0.
void softcap(float* x, float cap, int64_t n, Stream stream);

// out[r] = index of the largest value of row r (nRows rows of n values). Ties -> the
// lowest index; NaN values are ignored; a row without a non-NaN value gives 0.
void argmax(const float* x, int64_t n, int64_t nRows, int32_t* out, Stream stream);

// ---- attention (attention.cu) ----------------------------------------------------------

using AttentionParams = cpu::AttentionParams;

// Device buffers of one attention call. Layouts as cpu::attention:
//   q:   [nHead * headDimK, nTokens] f32       query t sits at position pos0 + t
//   k:   [nHeadKv * headDimK, >= pos0+nTokens] kvType (F32 or F16), row j = position j,
//        kStride elements between rows
//   v:   [nHeadKv * headDimV, >= pos0+nTokens] kvType, vStride elements between rows
//   out: [nHead * headDimV, nTokens] f32
struct AttentionBuffers {
    const float* q = nullptr;
    int64_t nTokens = 1;
    int64_t pos0 = 0;
    const void* k = nullptr;
    int64_t kStride = 0;
    const void* v = nullptr;
    int64_t vStride = 0;
    DType kvType = DType::F16;
    float* out = nullptr;
    void* scratch = nullptr; // attentionScratchBytes() bytes for the split-KV partials
    size_t scratchBytes = 0;
};

// Keys per split of the flash-decoding kernel (fixed so results do not depend on the GPU).
inline constexpr int kAttentionChunk = 128;
size_t attentionScratchBytes(const AttentionParams& p, int64_t nTokens, int64_t pos0);

// Causal (and sliding-window) attention with GQA, head dims up to 256, as cpu::attention:
// split-KV partials (m, l, o) per chunk of keys, then a combine kernel (CUDA_FACTS 5.2).
void attention(const AttentionBuffers& b, const AttentionParams& p, Stream stream);

} // namespace dw::cuda
