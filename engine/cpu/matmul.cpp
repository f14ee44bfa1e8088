// Matrix products of quantized weights with f32 activations (see ops.h).
//
// Activation rows are quantized once to the weight type's dot format. Then:
// - fewer than kMinTileTokens tokens (decode): each thread takes bands of weight rows and
//   runs the single-row dot kernel per (row, token), bound by reading the weights from memory.
// - more tokens (prefill): each thread takes bands of kTileMaxRows weight rows and runs the
//   tiled kernel (quant::VecDotTileFn) on a band against a block of tokens: the band's
//   weights are decoded once per block into a panel that stays in L1, and the block's
//   quantized activations (at most kTokenBlock rows, a few hundred KB) stay in L2 while the
//   bands stream past. The product is then bound by the integer dot throughput.
// Every output is computed by exactly one kernel call whose arithmetic does not depend on
// which band or block it was in, so the results are the same for any number of threads.
#include "cpu/ops.h"

#include "core/thread_pool.h"
#include "deepwell/error.h"
#include "quant/quant.h"

#include <algorithm>

namespace dw::cpu {
namespace {

// Below this many tokens the single dots win: the tiled kernels decode a band of weights
// into their panel first, which costs about two dot passes over it (measured with
// bench_quant --tile T: break-even at 3-4 tokens for Q5_0 and Q4_K).
constexpr int64_t kMinTileTokens = 4;
// Tokens per tiled call: bounds the activation bytes a call sweeps (256 rows of Q8_K for
// k = 2048: 600 KB) while the panel is decoded once per 256 tokens.
constexpr int64_t kTokenBlock = 256;

// The start of the rows of the next band, requested while the tiled kernel works on the
// current one: the kernel prefetches its later chunks itself, but the first one would
// otherwise come from memory through gathers that the hardware prefetchers cannot follow.
void prefetchBandStart(const MatView& w, int64_t r0, int64_t nRows) {
    const size_t bytes = std::min<size_t>(rowBytes(w.type, w.k), 512);
    for (int64_t r = r0; r < r0 + nRows; ++r) {
        const uint8_t* row = w.data + size_t(r) * w.rowStride;
        for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(row + off, 0, 3);
    }
}

} // namespace

void matmul(const MatView& w, const float* x, int64_t nTokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
    DW_ASSERT(w.data != nullptr && w.k > 0 && w.n > 0 && nTokens > 0);
    const DType actType = quant::vecDotType(w.type);
    const quant::VecDotFn dot = quant::vecDotFn(w.type);
    DW_ASSERT_MSG(dot != nullptr, "weight type has no dot product");
    const quant::VecDotTileFn tile =
        nTokens >= kMinTileTokens ? quant::vecDotTileFn(w.type) : nullptr;
    const size_t actRow = rowBytes(actType, w.k);
    if (scratch.act.size() < actRow * size_t(nTokens)) scratch.act.resize(actRow * size_t(nTokens));
    uint8_t* act = scratch.act.data();

    // Quantize the activation rows (in parallel when there are several).
    if (nTokens == 1) {
        quant::quantizeRow(actType, x, act, w.k);
    } else {
        pool.parallelFor(nTokens, 1, [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t)
                quant::quantizeRow(actType, x + t * w.k, act + size_t(t) * actRow, w.k);
        });
    }

    if (tile) {
        const int64_t band = quant::kTileMaxRows;
        pool.parallelFor(w.n, band, [&](int64_t r0, int64_t r1) {
            for (int64_t t0 = 0; t0 < nTokens; t0 += kTokenBlock) {
                const int nt = int(std::min(kTokenBlock, nTokens - t0));
                for (int64_t rb = r0; rb < r1; rb += band) {
                    if (rb + band < r1)
                        prefetchBandStart(w, rb + band, std::min(band, r1 - rb - band));
                    tile(w.k, w.data + size_t(rb) * w.rowStride, w.rowStride,
                         int(std::min(band, r1 - rb)), act + size_t(t0) * actRow, actRow, nt,
                         y + t0 * w.n + rb, size_t(w.n));
                }
            }
        });
        return;
    }

    const int64_t band = nTokens == 1 ? 8 : 16; // rows per hand-out unit
    pool.parallelFor(w.n, band, [&](int64_t r0, int64_t r1) {
        for (int64_t rb = r0; rb < r1; rb += band) {
            const int64_t re = std::min(r1, rb + band);
            for (int64_t t = 0; t < nTokens; ++t) {
                const uint8_t* a = act + size_t(t) * actRow;
                float* yt = y + t * w.n;
                for (int64_t r = rb; r < re; ++r) yt[r] = dot(w.k, w.data + size_t(r) * w.rowStride, a);
            }
        }
    });
}

void getRow(const MatView& w, int64_t row, float* out) {
    DW_ASSERT(row >= 0 && row < w.n);
    quant::dequantizeRow(w.type, w.data + size_t(row) * w.rowStride, out, w.k);
}

} // namespace dw::cpu
