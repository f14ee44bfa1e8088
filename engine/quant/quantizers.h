#pragma once
// Internal: the weight quantizers behind quantizeRow (n is a checked multiple of the block
// size). The activation formats' quantizers live in kernels.h (one per ISA).
#include <cstdint>

namespace dw::quant {

void quantizeRowQ4_0(const float* x, void* dst, int64_t n); // quantize_legacy.cpp
void quantizeRowQ4_1(const float* x, void* dst, int64_t n);
void quantizeRowQ5_0(const float* x, void* dst, int64_t n);
void quantizeRowQ5_1(const float* x, void* dst, int64_t n);

void quantizeRowQ2_K(const float* x, void* dst, int64_t n); // quantize_k_min.cpp
void quantizeRowQ4_K(const float* x, void* dst, int64_t n);
void quantizeRowQ5_K(const float* x, void* dst, int64_t n);

void quantizeRowQ3_K(const float* x, void* dst, int64_t n); // quantize_k_sym.cpp
void quantizeRowQ6_K(const float* x, void* dst, int64_t n);

} // namespace dw::quant
