#pragma once
// Internal: least-squares fitting of one (sub-)block's scale, or scale and offset, to its
// values; the building block of the weight quantizers (quantize_legacy.cpp, quantize_k*.cpp).
//
// All fits minimise the weighted squared error sum_i w_i (x_i - y_i)^2 where y_i is the
// dequantized value; w == nullptr means w_i = 1 (plain RMS error, what we measure). A
// weight vector is accepted so that an importance matrix can be passed in later.
#include <bit>
#include <cstdint>

namespace dw::quant {

// Round to nearest, ties to even, clamped to [lo, hi]; exact for |v| < 2^22.
inline int roundClamp(float v, int lo, int hi) {
    v = v < float(lo) ? float(lo) : v;
    v = v > float(hi) ? float(hi) : v;
    // Adding 1.5 * 2^23 puts the integer part in the low mantissa bits with the FPU's
    // round-to-nearest-even; NaN falls through the comparisons and ends up clamped below.
    const float magic = 12582912.0f;
    int q = (std::bit_cast<int32_t>(v + magic) & 0x007fffff) - 0x00400000;
    q = q < lo ? lo : q;
    return q > hi ? hi : q;
}

// x ~ a * q with integer q in [qmin, qmax]: searches a grid of scales that put the largest
// |x| near either end of the range, refits a by least squares for each candidate and
// iterates the best one (requantize, refit) until it stops improving. Writes q[0..n) and
// returns a (0 when all x are 0).
float fitScale(const float* x, const float* w, int n, int qmin, int qmax, int8_t* q);

struct AffineFit {
    float scale = 0.0f;  // a >= 0
    float offset = 0.0f; // b
};
// x ~ a * q + b with integer q in [0, qmax]: grid over the step (x range / qmax times a
// factor), a weighted linear regression of (a, b) per candidate, then refinement as above.
// With nonPositiveOffset, b is constrained to <= 0 (the K-quants store -b as an unsigned min).
AffineFit fitAffine(const float* x, const float* w, int n, int qmax, bool nonPositiveOffset,
                    uint8_t* q);

// Weighted squared error of a fixed affine quantization x ~ a * q + b, q = round((x-b)/a).
float quantizeAffine(const float* x, const float* w, int n, float a, float b, int qmax, uint8_t* q);
// Same for a symmetric one, x ~ a * q.
float quantizeScaled(const float* x, const float* w, int n, float a, int qmin, int qmax, int8_t* q);

// The float nearest to f that an IEEE half can hold (fp16 storage of scales).
float roundToHalf(float f);

} // namespace dw::quant
