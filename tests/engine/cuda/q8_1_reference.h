#pragma once
// Plain CPU references for the CUDA kernel tests, written from the format descriptions
// (ENGINE_FACTS 2, CUDA_FACTS 2.2/2.3) independently of engine/cuda's block functions:
//   - the CUDA flavour of Q8_1 activation quantization (s = sum of the unquantized values);
//   - the dot product of a weight row with such a Q8_1 row, in double, with the same
//     offset/min terms as the CUDA kernels, so the GPU must match it up to fp32 rounding;
//   - element-wise dequantization (cross-checked against quant::dequantizeRow);
//   - random weight matrices with sane scales.
#include "deepwell/dtype.h"

#include <cstdint>
#include <vector>

namespace dw::cudatest {

// The weight types the CUDA kernels support, quantized ones first.
const std::vector<DType>& quantizedTypes(); // Q4_0 .. Q6_K
const std::vector<DType>& floatTypes();     // F32, F16, BF16

// nRows rows of k values (k % 32 == 0) -> nRows * (k/32) blocks of 36 bytes:
// d = amax / 127 (as half), q = round-half-even(x / d), s = sum of x (as half).
std::vector<uint8_t> quantizeQ8_1(const float* x, int64_t k, int64_t nRows);

// The same blocks in the split layout of cuda::quantizeQ8_1Split: per row the k quants,
// then k/32 (d, s) half pairs, rows `splitRowBytes` apart (padding zero).
std::vector<uint8_t> toSplitLayout(const std::vector<uint8_t>& q8_1, int64_t k, int64_t nRows,
                                   size_t splitRowBytes);
// And back to 36-byte blocks.
std::vector<uint8_t> fromSplitLayout(const std::vector<uint8_t>& split, int64_t k, int64_t nRows,
                                     size_t splitRowBytes);

// Euclidean norms of the n dequantized rows of a weight matrix.
std::vector<double> rowNorms(DType t, const uint8_t* w, int64_t k, int64_t n, size_t rowStride);
// Euclidean norms of nRows rows of k floats.
std::vector<double> rowNorms(const float* x, int64_t k, int64_t nRows);

// sum over the row's 32-element groups of d_a * sum(scale_i * n_i * q_i) + offset term,
// where the offset term is off * s_a for Q4_0/Q4_1/Q5_0/Q5_1 and off * d_a * sum(q_i) for
// the K-quants (CUDA_FACTS 2.3).
double dotQ8_1(DType t, const uint8_t* weightRow, const uint8_t* q8Row, int64_t k);

// Element-wise dequantization of k values (any supported type, float ones included).
void dequantize(DType t, const uint8_t* row, float* out, int64_t k);

// n rows of k values, rowStride bytes apart (>= rowBytes; padding is random too): random
// quants and scale bytes; half scale fields random in +-[1e-3, 0.1]; float types uniform
// in [-1, 1].
std::vector<uint8_t> randomWeights(DType t, int64_t k, int64_t n, size_t rowStride, uint32_t seed);

// Uniform values in [-1, 1] with a few outliers (x 16) so blocks differ in scale.
std::vector<float> randomActivations(int64_t count, uint32_t seed);

} // namespace dw::cudatest
