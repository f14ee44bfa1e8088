#pragma once
// Internal: tiled kernels (VecDotTileFn) of F32 / F16 / BF16 weights against F32 activations,
// and addTileKernels(), which fills a KernelTable's tile entries with the kernels of
// tile_legacy.h, tile_k.h and this file for one register width V of tile_simd.h.
//
// The float formats need no decoding beyond a conversion, so their tile is a plain register
// block: kR weight rows x 4 activation rows of vector accumulators, one load per row and
// column for kR * 4 FMAs, each accumulator reduced horizontally once at the end.
#include "quant/kernels.h"
#include "quant/tile_k.h"

namespace dw::quant {
namespace {

enum class FloatKind { F32, F16, Bf16 };

template <class V, FloatKind kKind> typename V::F loadWeights(const uint8_t* row, int64_t i) {
    if constexpr (kKind == FloatKind::F32)
        return V::loadUF(reinterpret_cast<const float*>(row) + i);
    else if constexpr (kKind == FloatKind::F16)
        return V::loadHalves(reinterpret_cast<const uint16_t*>(row) + i);
    else
        return V::loadBf16s(reinterpret_cast<const uint16_t*>(row) + i);
}

template <FloatKind kKind> float weightAt(const uint8_t* row, int64_t i) {
    if constexpr (kKind == FloatKind::F32) {
        float f;
        std::memcpy(&f, row + 4 * i, 4);
        return f;
    } else {
        uint16_t h;
        std::memcpy(&h, row + 2 * i, 2);
        if constexpr (kKind == FloatKind::F16) return kFp16Table[h];
        const uint32_t bits = uint32_t(h) << 16;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
}

template <class V, FloatKind kKind>
void tileFloat(int64_t n, const void* w, size_t wStride, int nRows, const void* a, size_t aStride,
               int nCols, float* out, size_t outStride) {
    constexpr int L = V::kLanes, kR = L == 16 ? 4 : 2, kC = 4;
    DW_ASSERT(nRows >= 1 && nRows <= kPanelRows && nCols >= 1 && n >= 0);
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto* ab = static_cast<const uint8_t*>(a);
    for (int r0 = 0; r0 < nRows; r0 += kR) {
        for (int c0 = 0; c0 < nCols; c0 += kC) {
            // Rows / columns past the end repeat the last one; their results are dropped.
            const uint8_t* wr[kR];
            const float* ac[kC];
            for (int r = 0; r < kR; ++r) wr[r] = wb + size_t(minOf(r0 + r, nRows - 1)) * wStride;
            for (int c = 0; c < kC; ++c)
                ac[c] =
                    reinterpret_cast<const float*>(ab + size_t(minOf(c0 + c, nCols - 1)) * aStride);
            typename V::F acc[kR][kC];
            for (int r = 0; r < kR; ++r)
                for (int c = 0; c < kC; ++c) acc[r][c] = V::zeroF();
            // While the first column block reads these rows, the next kR rows are requested
            // into L1 a line per row and step (the loads of the weight rows were where the
            // kernel waited: bench_quant --tile 16 --type F32 36-37 -> 38-42 GMAC/s, the
            // scores of V2-Lite's latent attention -9 %).
            const int nextRows = c0 == 0 ? minOf(kR, nRows - r0 - kR) : 0;
            const uint8_t* next = nextRows > 0 ? wb + size_t(r0 + kR) * wStride : wb;
            int64_t i = 0;
            for (; i + L <= n; i += L) {
                const size_t off = size_t(i) * (kKind == FloatKind::F32 ? 4 : 2);
                for (int r = 0; r < nextRows; ++r)
                    _mm_prefetch(reinterpret_cast<const char*>(next + size_t(r) * wStride + off), _MM_HINT_T0);
                typename V::F wv[kR];
                for (int r = 0; r < kR; ++r) wv[r] = loadWeights<V, kKind>(wr[r], i);
                for (int c = 0; c < kC; ++c) {
                    const auto x = V::loadUF(ac[c] + i);
                    for (int r = 0; r < kR; ++r) acc[r][c] = V::fmadd(wv[r], x, acc[r][c]);
                }
            }
            for (int r = 0; r < kR && r0 + r < nRows; ++r) {
                for (int c = 0; c < kC && c0 + c < nCols; ++c) {
                    float s = V::sum(acc[r][c]);
                    for (int64_t j = i; j < n; ++j) s += weightAt<kKind>(wr[r], j) * ac[c][j];
                    out[size_t(c0 + c) * outStride + size_t(r0 + r)] = s;
                }
            }
        }
    }
}

template <class V> void addTileKernels(KernelTable& t) {
    auto set = [&t](DType type, VecDotTileFn f) { t.tile[static_cast<uint32_t>(type)] = f; };
    set(DType::F32, tileFloat<V, FloatKind::F32>);
    set(DType::F16, tileFloat<V, FloatKind::F16>);
    set(DType::BF16, tileFloat<V, FloatKind::Bf16>);
    set(DType::Q4_0, tileLegacy<V, TileQ4_0>);
    set(DType::Q4_1, tileLegacy<V, TileQ4_1>);
    set(DType::Q5_0, tileLegacy<V, TileQ5_0>);
    set(DType::Q5_1, tileLegacy<V, TileQ5_1>);
    set(DType::Q8_0, tileLegacy<V, TileQ8_0>);
    set(DType::Q2_K, tileK<V, TileQ2K>);
    set(DType::Q3_K, tileK<V, TileQ3K>);
    set(DType::Q4_K, tileK<V, TileQ45K<false>>);
    set(DType::Q5_K, tileK<V, TileQ45K<true>>);
    set(DType::Q6_K, tileK<V, TileQ6K>);
}

} // namespace
} // namespace dw::quant
