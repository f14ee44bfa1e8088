#pragma once
// Internal: multi-row decode kernels (VecDotRowsFn) of F32 / F16 / BF16 weights against an
// F32 activation row, for one register width V of tile_simd.h (Vec256 in dot_avx2.cpp,
// Vec512 in the AVX-512 files). Per V::kLanes values: one activation load shared by the R
// rows, one converting load and FMA per row into the row's accumulator; the last n %
// kLanes values of a row go through a scalar loop, added after the lane sums.
#include "quant/kernels.h"
#include "quant/rows_simd.h"
#include "quant/tile_float.h"

namespace dw::quant {
namespace {

inline __m256 foldTo256(__m256 v) {
    return v;
}
#if defined(__AVX512F__)
inline __m256 foldTo256(__m512 v) {
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return _mm256_add_ps(_mm512_castps512_ps256(v), hi);
}
#endif

template <class V, FloatKind kKind> struct RowsFloat {
    template <int R>
    static void run(int64_t n, const uint8_t* w, size_t stride, const void* av, float* out) {
        const auto* a = static_cast<const float*>(av);
        constexpr int kLanes = V::kLanes;
        const int64_t steps = n / kLanes;
        const RowPrefetch prefetch(w, R, stride, steps);
        typename V::F acc[R] = {};
        for (int64_t s = 0; s < steps; ++s) {
            prefetch.step(s);
            const typename V::F x = V::loadUF(a + s * kLanes);
            for (int r = 0; r < R; ++r)
                acc[r] =
                    V::fmadd(loadWeights<V, kKind>(w + size_t(r) * stride, s * kLanes), x, acc[r]);
        }
        __m256 folded[R];
        float tails[R];
        for (int r = 0; r < R; ++r) {
            folded[r] = foldTo256(acc[r]);
            tails[r] = 0.0f;
            for (int64_t i = steps * kLanes; i < n; ++i)
                tails[r] += weightAt<kKind>(w + size_t(r) * stride, i) * a[i];
        }
        storeRowSums<R>(folded, out, tails);
    }
};

template <class V, FloatKind kKind>
void rowsFloat(int64_t n, const void* w, size_t stride, int nRows, const void* a, float* out) {
    rowsBySplit<RowsFloat<V, kKind>>(n, w, stride, nRows, a, out);
}

template <class V> void addFloatRowKernels(KernelTable& t) {
    t.rows[uint32_t(DType::F32)] = rowsFloat<V, FloatKind::F32>;
    t.rows[uint32_t(DType::F16)] = rowsFloat<V, FloatKind::F16>;
    t.rows[uint32_t(DType::BF16)] = rowsFloat<V, FloatKind::Bf16>;
}

} // namespace
} // namespace dw::quant
