// Weight quantizers of the 32-element formats Q4_0, Q4_1, Q5_0, Q5_1 (Q8_0 weights use the
// absmax activation quantizer: with 255 levels its rounding error is already tiny).
//
// Each block: least-squares fit of the scale (and offset) in float (quant_fit.h), rounding
// of d (and m) to half, then the final quants against the rounded values, so that the
// stored block is the best assignment for the scale actually stored.
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/quant_fit.h"
#include "quant/quantizers.h"

#include <cstring>

namespace dw::quant {
namespace {

// Nibbles of q[0..31] (values 0..31) into qs (element i low, 16+i high), 5th bits into qh.
void packNibbles(const uint8_t* q, uint8_t* qs, uint8_t* qh) {
    uint32_t high = 0;
    for (int j = 0; j < 16; ++j) {
        qs[j] = static_cast<uint8_t>((q[j] & 15) | (q[j + 16] & 15) << 4);
        high |= uint32_t(q[j] >> 4) << j;
        high |= uint32_t(q[j + 16] >> 4) << (j + 16);
    }
    if (qh) std::memcpy(qh, &high, 4);
}

// Symmetric formats: q in [-half, half-1] stored as q + half.
template <class Block> void quantizeSymmetric(const float* x, Block* y, int64_t n, int half) {
    for (int64_t i = 0; i < n / kQk; ++i, x += kQk) {
        int8_t q[kQk];
        const float a = fitScale(x, nullptr, kQk, -half, half - 1, q);
        y[i].d = fp32ToFp16(a);
        quantizeScaled(x, nullptr, kQk, fp16ToFp32(y[i].d), -half, half - 1, q);
        uint8_t u[kQk];
        for (int j = 0; j < kQk; ++j) u[j] = static_cast<uint8_t>(q[j] + half);
        if constexpr (requires { y[i].qh; })
            packNibbles(u, y[i].qs, y[i].qh);
        else
            packNibbles(u, y[i].qs, nullptr);
    }
}

// Offset formats: y = d * q + m, q in [0, qmax].
template <class Block> void quantizeOffset(const float* x, Block* y, int64_t n, int qmax) {
    for (int64_t i = 0; i < n / kQk; ++i, x += kQk) {
        uint8_t q[kQk];
        const AffineFit f = fitAffine(x, nullptr, kQk, qmax, false, q);
        y[i].d = fp32ToFp16(f.scale);
        y[i].m = fp32ToFp16(f.offset);
        quantizeAffine(x, nullptr, kQk, fp16ToFp32(y[i].d), fp16ToFp32(y[i].m), qmax, q);
        if constexpr (requires { y[i].qh; })
            packNibbles(q, y[i].qs, y[i].qh);
        else
            packNibbles(q, y[i].qs, nullptr);
    }
}

} // namespace

void quantizeRowQ4_0(const float* x, void* dst, int64_t n) {
    quantizeSymmetric(x, static_cast<BlockQ4_0*>(dst), n, 8);
}
void quantizeRowQ5_0(const float* x, void* dst, int64_t n) {
    quantizeSymmetric(x, static_cast<BlockQ5_0*>(dst), n, 16);
}
void quantizeRowQ4_1(const float* x, void* dst, int64_t n) {
    quantizeOffset(x, static_cast<BlockQ4_1*>(dst), n, 15);
}
void quantizeRowQ5_1(const float* x, void* dst, int64_t n) {
    quantizeOffset(x, static_cast<BlockQ5_1*>(dst), n, 31);
}

} // namespace dw::quant
