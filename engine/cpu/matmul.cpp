// Matrix products of quantized weights with f32 activations (see ops.h).
//
// Activation rows are quantized once to the weight type's dot format, then each thread
// takes a band of weight rows and multiplies every token with it: a band of a few KB stays
// in L1/L2 while the tokens stream past, so prefill reads each weight row from memory once.
#include "cpu/ops.h"

#include "core/thread_pool.h"
#include "deepwell/error.h"
#include "quant/quant.h"

#include <algorithm>

namespace dw::cpu {

void matmul(const MatView& w, const float* x, int64_t nTokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
    DW_ASSERT(w.data != nullptr && w.k > 0 && w.n > 0 && nTokens > 0);
    const DType actType = quant::vecDotType(w.type);
    const quant::VecDotFn dot = quant::vecDotFn(w.type);
    DW_ASSERT_MSG(dot != nullptr, "weight type has no dot product");
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
