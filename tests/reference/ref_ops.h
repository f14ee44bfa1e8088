#pragma once
// Plain reference operations in double precision: the formulas of
// ../shared/reference/ENGINE_FACTS.md section 4.0 written as obvious loops. Nothing here
// depends on the engine's kernels; the engine is checked against these.
#include "deepwell/dtype.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace dw::ref {

using Vec = std::vector<double>;

// ---- Element formats -------------------------------------------------------------------

// IEEE half bits -> double (exact).
double halfToDouble(uint16_t h);

// Dequantizes one row of n elements of type t at src into dst (resized to n). Handles F32,
// F16 and Q8_0 with our own few lines (independent of dw::quant); any other type throws
// dw::Error(Unsupported) naming the type.
void dequantizeRowBuiltin(DType t, const void* src, int64_t n, Vec& dst);

// Hook for other types: same signature as dw::quant::dequantizeRow, so that function can be
// passed directly (`ref::Options{.dequantizer = dw::quant::dequantizeRow}`).
using RowDequantizer = std::function<void(DType t, const void* src, float* dst, int64_t n)>;

// ---- Norms and activations ---------------------------------------------------------------

// y = x / sqrt(mean(x^2) + eps) * w (w empty: no weight). Mean over all of x.
Vec rmsNorm(const Vec& x, const Vec& w, double eps);
double silu(double x);     // x * sigmoid(x)
double geluTanh(double x); // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
// Softmax over all of x (max-subtracted; -inf entries get probability 0).
Vec softmax(const Vec& x);

// ---- RoPE ---------------------------------------------------------------------------------

enum class RopeStyle { Norm, Neox }; // Norm: pairs (x[2i], x[2i+1]); Neox: (x[i], x[i+nRot/2])

// Everything that decides the rotation angle and magnitude of one pair.
struct RopeParams {
    RopeStyle style = RopeStyle::Norm;
    int64_t nRot = 0;      // rotated dims per head (even, <= head dim)
    double base = 10000.0; // theta base
    double factor = 1.0;   // scaling factor s (linear and YaRN); freq_scale = 1/s
    // YaRN (active when extFactor != 0; ENGINE_FACTS 4.0):
    double extFactor = 0.0;  // 1 for YaRN, 0 for none/linear
    double attnFactor = 1.0; // extra magnitude multiplier
    int64_t nCtxOrig = 0;    // original training context
    double betaFast = 32.0;
    double betaSlow = 1.0;
    Vec freqFactors; // optional [nRot/2] divisors of theta (rope_freqs); empty = 1
};

// YaRN correction range of pair indices: low = max(0, floor(corr(betaFast))),
// high = min(nRot - 1, ceil(corr(betaSlow))), corr(r) = nRot ln(nCtxOrig / (2 pi r)) / (2 ln base).
struct YarnRange {
    double low = 0;
    double high = 0;
};
YarnRange yarnCorrDims(int64_t nRot, int64_t nCtxOrig, double base, double betaFast,
                       double betaSlow);

// HF get_mscale: s <= 1 -> 1, else 1 + 0.1 m ln(s).
double yarnGetMscale(double s, double m);

// Angle and magnitude of pair i (0 <= i < nRot/2) at position pos.
struct RopeAngle {
    double theta = 0;
    double mscale = 1; // cos and sin are multiplied by this
};
RopeAngle ropeAngle(int64_t pairIndex, double pos, const RopeParams& p);

// Rotates one head vector (length >= nRot) in place at position pos.
void applyRope(double* head, double pos, const RopeParams& p);

// ---- Matrices ----------------------------------------------------------------------------

// A weight [k, n] (n rows of k values) as stored in the GGUF; rows are dequantized on use so
// a big matrix (a 262144-row embedding) is never held in double.
struct Matrix {
    DType type = DType::F32;
    int64_t k = 0; // row length (ne[0])
    int64_t n = 0; // rows (ne[1])
    const uint8_t* data = nullptr;
    RowDequantizer dequantizer; // for types other than F32/F16/Q8_0; may be empty

    bool valid() const { return data != nullptr; }
    Vec row(int64_t r) const; // row r, dequantized
};

// ys[t] = W * xs[t] for every t (each xs[t] of length k; each row dequantized once).
std::vector<Vec> matmul(const Matrix& w, const std::vector<Vec>& xs);

} // namespace dw::ref
