#pragma once
// Host execution of the per-block device functions the CUDA kernels are built from
// (quant_blocks.cuh), so tests check the lane mapping, the 5th-bit merging, the scale
// decoding and the offset/min-term split on any machine, GPU or not. The loops visit
// blocks and slices exactly as the mat-vec kernel's threads do; only the float summation
// order differs from the device.
#include "deepwell/dtype.h"

#include <cstdint>

namespace dw::cuda::emulation {

// Slices per block of a quantized type (the kernel's unit of work per thread and step).
int slicesPerBlock(DType t);

// One weight row (k values of type t, a Q4_0..Q6_K type) times one Q8_1 activation row
// (k / 32 blocks of 36 bytes), summed over every block and slice with Block<t>::load/dot.
float vecDotQ8_1(DType t, const void* weightRow, const void* q8Row, int64_t k);

// Row `row` of a matrix (n rows rowStride bytes apart, starting at `matrix`) times one
// activation row in the split Q8_1 layout (cuda::quantizeQ8_1Split), through the lane
// pieces of the fast mat-vec (quant_lanes.cuh): every lane of every warp step, with the
// kernel's alignment choice and its 16-byte windows taken relative to `matrix` and never
// past the matrix end, as on the device.
float vecDotQ8_1Split(DType t, const void* matrix, size_t rowStride, int64_t n, int64_t row,
                      const void* splitRow, int64_t k);

// k values of a quantized row through Block<t>::dequant32 (the get_rows/GEMM path).
void dequantizeRow(DType t, const void* src, float* dst, int64_t k);

} // namespace dw::cuda::emulation
