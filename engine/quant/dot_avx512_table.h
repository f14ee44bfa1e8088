#pragma once
// Internal, included only by dot_avx512.cpp and dot_avx512_vnni.cpp: the AVX-512 table, built
// from the kernels of the headers below (dots, activation quantizers, tiles, multi-row
// kernels) as compiled in the including file.
#include "quant/dot_avx512_float.h"
#include "quant/dot_avx512_k.h"
#include "quant/dot_legacy_simd.h"
#include "quant/kernels.h"
#include "quant/quantize_act_avx512.h"
#include "quant/rows_float.h"
#include "quant/rows_k_avx512.h"
#include "quant/rows_legacy.h"
#include "quant/tile_float.h"

namespace dw::quant {
namespace {

KernelTable makeAvx512Table() {
    KernelTable t{};
    auto set = [&t](DType type, VecDotFn f) { t.dot[static_cast<uint32_t>(type)] = f; };
    set(DType::F32, dotF32Avx512);
    set(DType::F16, dot16Avx512<false>);
    set(DType::BF16, dot16Avx512<true>);
    set(DType::Q4_0, dotSymmetricSimd<BlockQ4_0, sumsQ4_0>);
    set(DType::Q5_0, dotSymmetricSimd<BlockQ5_0, sumsQ5_0>);
    set(DType::Q8_0, dotSymmetricSimd<BlockQ8_0, sumsQ8_0>);
    set(DType::Q4_1, dotOffsetSimd<BlockQ4_1, sumsQ4_1>);
    set(DType::Q5_1, dotOffsetSimd<BlockQ5_1, sumsQ5_1>);
    set(DType::Q2_K, dotQ23KAvx512<false>);
    set(DType::Q3_K, dotQ23KAvx512<true>);
    set(DType::Q4_K, dotQ45KAvx512<BlockQ4_K, false>);
    set(DType::Q5_K, dotQ45KAvx512<BlockQ5_K, true>);
    set(DType::Q6_K, dotQ6KAvx512);
    t.quantizeQ8_0 = quantizeQ8_0Avx512;
    t.quantizeQ8_1 = quantizeQ8_1Avx512;
    t.quantizeQ8_K = quantizeQ8_KAvx512;
    addTileKernels<Vec512>(t);
    addLegacyRowKernels(t);
    addFloatRowKernels<Vec512>(t);
    addKQuantRowKernelsAvx512(t);
    return t;
}

} // namespace
} // namespace dw::quant
