#pragma once
// Internal: the per-instruction-set tables of dot products and activation quantizers behind
// quant.h. Each table is filled by one source file compiled with that ISA's flags
// (dot_scalar.cpp, dot_avx2*.cpp, dot_avx512*.cpp); dispatch.cpp picks one at run time.
// Tests use these tables to check every variant the CPU supports against the scalar one.
#include "deepwell/dtype.h"
#include "quant/quant.h"

#include <cstdint>

namespace dw::quant {

// Quantizes n floats (a multiple of the format's block size) into an activation row.
using QuantizeActFn = void (*)(const float* x, void* dst, int64_t n);

// An aggregate without member initialisers, created as `KernelTable t{}` (all nullptr): it
// must not get an inline constructor, whose copy compiled into an AVX-512 file could be the
// one the linker keeps.
struct KernelTable {
    VecDotFn dot[kDTypeIdCount];      // by weight type id; nullptr: not specialised here
    VecDotTileFn tile[kDTypeIdCount]; // likewise (vecDotTileFn then loops vecDotFn's kernel)
    VecDotRowsFn rows[kDTypeIdCount]; // likewise (vecDotRowsFn then loops vecDotFn's kernel)
    VecDotRowsTokensFn rowsTokens[kDTypeIdCount]; // likewise (vecDotRowsTokensFn: nullptr)
    QuantizeActFn quantizeQ8_0;
    QuantizeActFn quantizeQ8_1;
    QuantizeActFn quantizeQ8_K;
};

// Kernel variants: Avx512 needs F, BW and VL; Avx512Vnni adds VNNI (vpdpbusd/vpdpwssd).
enum class KernelVariant { Scalar, Avx2, Avx512, Avx512Vnni };
inline constexpr KernelVariant kAllKernelVariants[] = {
    KernelVariant::Scalar, KernelVariant::Avx2, KernelVariant::Avx512, KernelVariant::Avx512Vnni};

const char* kernelVariantName(KernelVariant v);
bool kernelVariantSupported(KernelVariant v); // by the CPU (ignores DEEPWELL_ISA)
// The variant's own table (entries it does not specialise are nullptr).
const KernelTable& kernelTable(KernelVariant v);
// The variant that vecDotFn/quantizeRow use for an ISA: Avx512 -> Avx512Vnni when the CPU
// has VNNI.
KernelVariant kernelVariantFor(Isa isa);

// The activation quantizer (t = Q8_0, Q8_1 or Q8_K) of the variant bestIsa() selects, or of
// the next lower variant that has one.
QuantizeActFn activationQuantizer(DType t);

// Filled by the per-ISA source files.
const KernelTable& scalarKernelTable();
#if defined(__x86_64__) || defined(_M_X64)
const KernelTable& avx2KernelTable();
const KernelTable& avx512KernelTable();
const KernelTable& avx512VnniKernelTable();
// Parts of the tables filled by the other files of an ISA.
void addAvx2KQuantKernels(KernelTable& t);        // dot_avx2_k.cpp (dots and rows)
void addAvx2ActivationQuantizers(KernelTable& t); // quantize_act_avx2.cpp
void addAvx2TileKernels(KernelTable& t);          // tile_avx2.cpp (after the dots are set)
#endif

// tile[] entry of a type without a tiled kernel: out[c * outStride + r] = dot(row r, column c).
void tileByDots(VecDotFn dot, int64_t n, const void* w, size_t wStride, int nRows, const void* a,
                size_t aStride, int nCols, float* out, size_t outStride);

// rows[] entry of a type without a multi-row kernel: out[r] = dot(row r).
void rowsByDots(VecDotFn dot, int64_t n, const void* w, size_t wStride, int nRows, const void* a,
                float* out);

// The scalar activation quantizers (reference; the SIMD ones produce identical bytes).
void quantizeRowQ8_0Ref(const float* x, void* dst, int64_t n);
void quantizeRowQ8_1Ref(const float* x, void* dst, int64_t n);
void quantizeRowQ8_KRef(const float* x, void* dst, int64_t n);

} // namespace dw::quant
