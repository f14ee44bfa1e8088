#pragma once
// Block formats: dequantization, quantization and dot products against a quantized
// activation row (../shared/reference/ENGINE_FACTS.md section 2).
//
// A dot product pairs a weight row of type W with an activation row that was quantized to
// vecDotType(W): Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, and
// plain F32 for F32/F16/BF16 weights. The scalar functions are the reference; the AVX2 and
// AVX-512 variants are chosen at run time and must match the scalar results up to float
// summation order.
#include "deepwell/dtype.h"

#include <cstddef>
#include <cstdint>

namespace dw::quant {

// Dequantize n elements (a multiple of the block size) of type t. Supports every type with
// dtypeTraits(t).computable, plus Q8_0/Q8_1/Q8_K activations.
void dequantizeRow(DType t, const void* src, float* dst, int64_t n);

// Quantize n floats (a multiple of the block size) into type t; the reference quantizers
// used by `deepwell-cli quantize`, by tests and for activation rows.
bool canQuantize(DType t);
void quantizeRow(DType t, const float* src, void* dst, int64_t n);

// The activation format that weight type t is multiplied with.
DType vecDotType(DType weightType);

enum class Isa { Scalar, Avx2, Avx512 };
const char* isaName(Isa isa);
// The best instruction set this CPU supports (cached; DEEPWELL_ISA=scalar|avx2|avx512
// in the environment lowers it, for testing and comparisons).
Isa bestIsa();
bool isaSupported(Isa isa);

// Dot product of one weight row (type w, n elements) with one activation row already in
// vecDotType(w). Returns nullptr when the type has no dot product at all; an ISA without a
// specialised kernel for the type returns the next lower one's.
using VecDotFn = float (*)(int64_t n, const void* weightRow, const void* activationRow);
VecDotFn vecDotFn(DType weightType, Isa isa);
inline VecDotFn vecDotFn(DType weightType) { return vecDotFn(weightType, bestIsa()); }

// Tiled dot products for prefill: a block of nRows weight rows times nCols activation rows
// in one call,
//   out[c * outStride + r] = vecDotFn(w)(n, w + r * wStride, a + c * aStride)
// for r < nRows (1..kTileMaxRows), c < nCols (>= 1, any number), strides in bytes (w, a)
// and floats (out); n, wStride and the rows as for VecDotFn. The output of one activation
// row is nRows contiguous floats, so a matrix product [k, n] x [k, T] writes y[t * n + r]
// directly. The weights are decoded once per call and reused for every column, which is
// what makes prefill compute-bound rather than decode-bound; equal to the single dots up to
// float summation order (the scalar variant loops the scalar VecDotFn and is the
// reference), and a result does not depend on which rows and columns share its call, so
// any partition of a product into tiles gives the same bits. Every type with a VecDotFn has
// one; a type without a specialised kernel on an ISA gets a loop over that ISA's VecDotFn.
inline constexpr int kTileMaxRows = 32;
using VecDotTileFn = void (*)(int64_t n, const void* w, size_t wStride, int nRows, const void* a,
                              size_t aStride, int nCols, float* out, size_t outStride);
VecDotTileFn vecDotTileFn(DType weightType, Isa isa);
inline VecDotTileFn vecDotTileFn(DType weightType) {
    return vecDotTileFn(weightType, bestIsa());
}

// Multi-row dot products for decode: nRows (1..kRowsMax) consecutive weight rows against one
// activation row in one call,
//   out[r] = vecDotFn(w)(n, w + r * wStride, a)   for r < nRows,
// strides in bytes, n, the rows and the activation as for VecDotFn. A matrix-vector product
// reads every weight byte once, so it is bound by memory bandwidth; what keeps the single
// dots below that bound on short rows (640 values = 20 blocks) is per-row work: the call,
// the horizontal sum, the activation loads and scales. Here the rows share the activation
// (loaded and converted once per block), each row keeps its own vector accumulator, and one
// transpose-and-add reduces all of them at the end; the next rows are prefetched while these
// are summed. Equal to the single dots up to float summation order (the scalar variant loops
// the scalar VecDotFn and is the reference), and a row's result does not depend on nRows or
// on which rows share its call. Every type with a VecDotFn has one; a type without a
// specialised kernel on an ISA gets a loop over that ISA's VecDotFn.
inline constexpr int kRowsMax = 8;
// How far ahead of the rows being summed the multi-row kernels prefetch (rows_simd.h): for
// calls over groups of groupBytes, whole groups covering two calls or kRowsPrefetchBytes,
// whichever is more. (matmul requests that much of a piece of rows itself before its first
// call: the part no kernel call prefetches.)
inline constexpr size_t kRowsPrefetchBytes = 4096;
inline size_t rowsPrefetchLead(size_t groupBytes) {
    if (groupBytes == 0) return 0;
    const size_t groups = (kRowsPrefetchBytes + groupBytes - 1) / groupBytes;
    return (groups < 2 ? 2 : groups) * groupBytes;
}
using VecDotRowsFn = void (*)(int64_t n, const void* w, size_t wStride, int nRows, const void* a,
                              float* out);
VecDotRowsFn vecDotRowsFn(DType weightType, Isa isa);
// For bestIsa(), looked up once per type (matmul asks for every piece of every product).
VecDotRowsFn vecDotRowsFn(DType weightType);

// The multi-row kernel for several tokens (batched decode): nRows (1..kRowsMax) rows times
// nTokens (1..kRowsMax) activation rows aStride bytes apart,
//   out[t * outStride + r] = the VecDotRowsFn result of row r against token t,
// bit for bit; each weight block is unpacked once for all tokens instead of once per token.
// Only where specialised: nullptr otherwise (then call the VecDotRowsFn per token).
using VecDotRowsTokensFn = void (*)(int64_t n, const void* w, size_t wStride, int nRows,
                                    const void* a, size_t aStride, int nTokens, float* out,
                                    size_t outStride);
VecDotRowsTokensFn vecDotRowsTokensFn(DType weightType, Isa isa);
VecDotRowsTokensFn vecDotRowsTokensFn(DType weightType); // bestIsa(), looked up once

} // namespace dw::quant
