#pragma once
// Internal: the frame of the multi-row decode kernels (VecDotRowsFn, quant.h) shared by
// rows_legacy.h, rows_float.h, rows_k_avx512.h and the AVX2 K-quant rows in dot_avx2_k.cpp:
// the final transpose-and-add of the per-row accumulators, the split of a call into
// kernels of 8, 4, 2 and 1 rows, and the software prefetch of the rows that follow.
// Compiled into the AVX2 and AVX-512 files; internal linkage throughout (see simd_avx2.h).
#include "quant/simd_avx2.h"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace dw::quant {
namespace {

// v, made to live in a register: GCC otherwise folds the load of a value used twice into
// both instructions that use it, which doubles the loads of a weight block (and splits
// both across cache lines).
template <class T> inline T inRegister(T v) {
    asm("" : "+x"(v));
    return v;
}

// [sum of a0's lanes, ..., sum of a7's lanes] by one transpose-and-add tree. Every row is
// summed in the same order, ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), whatever its
// slot and whatever the other rows hold, so a row's result does not depend on the rows that
// share its call.
inline __m256 laneSums8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6,
                        __m256 a7) {
    const __m256 h01 = _mm256_hadd_ps(a0, a1); // a0 01 23, a1 01 23 | a0 45 67, a1 45 67
    const __m256 h23 = _mm256_hadd_ps(a2, a3);
    const __m256 h45 = _mm256_hadd_ps(a4, a5);
    const __m256 h67 = _mm256_hadd_ps(a6, a7);
    const __m256 q0 = _mm256_hadd_ps(h01, h23); // a0..a3 0123 | a0..a3 4567
    const __m256 q1 = _mm256_hadd_ps(h45, h67);
    return _mm256_add_ps(_mm256_permute2f128_ps(q0, q1, 0x20),
                         _mm256_permute2f128_ps(q0, q1, 0x31));
}

// out[r] = lane sum of acc[r] (+ extra[r] when given), r < R. (Element by element, and the
// kernels initialise their accumulators as `acc[R] = {}`: an accumulator array whose
// address escaped, or that GCC zeroes with one wide store, is kept on the stack and stored
// there on every iteration of the kernel's loop.)
template <int R> inline void storeRowSums(const __m256 (&acc)[R], float* out, const float* extra) {
    const __m256 z = _mm256_setzero_ps();
    auto at = [&](int r) { return r < R ? acc[r < R ? r : 0] : z; };
    alignas(32) float sums[8];
    _mm256_store_ps(sums, laneSums8(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)));
    for (int r = 0; r < R; ++r) out[r] = extra ? sums[r] + extra[r] : sums[r];
}

// storeRowSums for a run-time count of rows (nRows in 1..8; acc[r] for r >= nRows is
// ignored): the same sums bit for bit, stored with a masked store (a loop of scalar stores
// of run-time length became a memcpy call per token in the several-token kernels).
inline void storeRowSumsMasked(const __m256 (&acc)[8], int nRows, const float* extra, float* out) {
    const __m256 z = _mm256_setzero_ps();
    __m256 a[8];
    for (int r = 0; r < 8; ++r) a[r] = r < nRows ? acc[r] : z;
    __m256 sums = laneSums8(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    if (extra) sums = _mm256_add_ps(sums, _mm256_loadu_ps(extra));
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(nRows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(out, mask, sums);
}

// The rows after the current ones, fetched into L2 while these are summed: a kernel over R
// rows of `stride` bytes in `steps` steps requests, at step i, the i-th part of the R rows
// that start `ahead` calls further down (a matrix is walked top to bottom, R rows per call;
// `ahead` covers at least kRowsPrefetchBytes and two calls). The hardware prefetchers see R
// interleaved streams of a few lines each here and fall behind: without this, 8-row calls
// on 640-value Q8_0 rows read memory at a third of the single-row dots' rate. Measured on
// Zen 4 (bench_quant): into L2 (T1) beats into L1 (T0), one call ahead is too little lead
// on short rows. In the engine (Gemma 3 270M decode, 2 threads) the least lead, two calls or
// 4 KB (quant.h rowsPrefetchLead), beat 16 KB by ~5 % while the VM delivered ~47 GB/s and
// 64 KB was worse still; with no software prefetch, or into L1, decode lost 35-45 %.
// Prefetching past the end of a matrix is harmless (a prefetch never faults) and costs at
// most the lead in extra reads per matrix and thread; within a matrix the lines belong to
// rows that are read next anyway.

class RowPrefetch {
public:
    RowPrefetch(const uint8_t* rows, int nRows, size_t stride, int64_t steps) {
        const size_t group = size_t(nRows) * stride;
        m_base = reinterpret_cast<uintptr_t>(rows) + rowsPrefetchLead(group);
        m_perStep = (group + size_t(steps) - 1) / size_t(steps > 0 ? steps : 1);
    }
    void step(int64_t i) const {
        uintptr_t p = (m_base + uintptr_t(i) * m_perStep) & ~uintptr_t(63);
        const uintptr_t end = m_base + uintptr_t(i + 1) * m_perStep;
        for (; p < end; p += 64) _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1);
    }

private:
    uintptr_t m_base = 0;
    uintptr_t m_perStep = 0;
};

// A VecDotRowsFn from a kernel K::run<R>(n, rows, stride, activation, out) of R = 8, 4, 2
// or 1 rows: nRows is covered by calls of those sizes, top to bottom.
template <class K>
void rowsBySplit(int64_t n, const void* w, size_t stride, int nRows, const void* a, float* out) {
    const auto* rows = static_cast<const uint8_t*>(w);
    int r = 0;
    for (; nRows - r >= 8; r += 8)
        K::template run<8>(n, rows + size_t(r) * stride, stride, a, out + r);
    if (nRows - r >= 4) {
        K::template run<4>(n, rows + size_t(r) * stride, stride, a, out + r);
        r += 4;
    }
    if (nRows - r >= 2) {
        K::template run<2>(n, rows + size_t(r) * stride, stride, a, out + r);
        r += 2;
    }
    if (nRows - r >= 1) K::template run<1>(n, rows + size_t(r) * stride, stride, a, out + r);
}

} // namespace
} // namespace dw::quant
