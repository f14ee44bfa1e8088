#include "ref_ops.h"

#include "deepwell/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>

namespace dw::ref {

double halfToDouble(uint16_t h) {
    const int sign = (h & 0x8000) ? -1 : 1;
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    if (exp == 0) return sign * std::ldexp(static_cast<double>(mant), -24); // zero, subnormal
    if (exp == 31) {
        return mant == 0 ? sign * std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::quiet_NaN();
    }
    return sign * std::ldexp(static_cast<double>(1024 + mant), exp - 25);
}

void dequantizeRowBuiltin(DType t, const void* src, int64_t n, Vec& dst) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    dst.assign(static_cast<size_t>(n), 0.0);
    switch (t) {
    case DType::F32:
        for (int64_t i = 0; i < n; ++i) {
            float f;
            std::memcpy(&f, bytes + 4 * i, 4);
            dst[i] = f;
        }
        return;
    case DType::F16:
        for (int64_t i = 0; i < n; ++i) {
            uint16_t h;
            std::memcpy(&h, bytes + 2 * i, 2);
            dst[i] = halfToDouble(h);
        }
        return;
    case DType::Q8_0: // blocks of 34 bytes: fp16 d, then 32 int8 q; y = d * q
        if (n % 32 != 0) {
            throw Error(ErrorCode::Format, "reference: Q8_0 row of " + std::to_string(n) +
                                               " elements is not a multiple of 32");
        }
        for (int64_t b = 0; b < n / 32; ++b) {
            const uint8_t* block = bytes + 34 * b;
            uint16_t dBits;
            std::memcpy(&dBits, block, 2);
            const double d = halfToDouble(dBits);
            for (int j = 0; j < 32; ++j) {
                dst[32 * b + j] = d * static_cast<int8_t>(block[2 + j]);
            }
        }
        return;
    default:
        throw Error(ErrorCode::Unsupported,
                    "reference: tensor type " + std::string(dtypeName(t)) +
                        " has no built-in dequantizer (F32, F16 and Q8_0 only); pass "
                        "Options::dequantizer (e.g. dw::quant::dequantizeRow) for other types");
    }
}

Vec rmsNorm(const Vec& x, const Vec& w, double eps) {
    double sumSq = 0;
    for (double v : x) sumSq += v * v;
    const double scale = 1.0 / std::sqrt(sumSq / static_cast<double>(x.size()) + eps);
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * scale * (w.empty() ? 1.0 : w[i]);
    return y;
}

double silu(double x) {
    return x / (1.0 + std::exp(-x));
}

double geluTanh(double x) {
    const double c = std::sqrt(2.0 / std::numbers::pi);
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
}

Vec softmax(const Vec& x) {
    double mx = -std::numeric_limits<double>::infinity();
    for (double v : x) mx = std::max(mx, v);
    Vec p(x.size(), 0.0);
    double sum = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        p[i] = std::isinf(x[i]) && x[i] < 0 ? 0.0 : std::exp(x[i] - mx);
        sum += p[i];
    }
    for (double& v : p) v /= sum;
    return p;
}

YarnRange yarnCorrDims(int64_t nRot, int64_t nCtxOrig, double base, double betaFast,
                       double betaSlow) {
    auto corr = [&](double r) {
        return static_cast<double>(nRot) *
               std::log(static_cast<double>(nCtxOrig) / (2.0 * std::numbers::pi * r)) /
               (2.0 * std::log(base));
    };
    YarnRange range;
    range.low = std::max(0.0, std::floor(corr(betaFast)));
    range.high = std::min(static_cast<double>(nRot - 1), std::ceil(corr(betaSlow)));
    return range;
}

double yarnGetMscale(double s, double m) {
    return s <= 1.0 ? 1.0 : 1.0 + 0.1 * m * std::log(s);
}

RopeAngle ropeAngle(int64_t pairIndex, double pos, const RopeParams& p) {
    const double i = static_cast<double>(pairIndex);
    double thetaExtrap = pos * std::pow(p.base, -2.0 * i / static_cast<double>(p.nRot));
    if (!p.freqFactors.empty()) thetaExtrap /= p.freqFactors[static_cast<size_t>(pairIndex)];
    const double thetaInterp = thetaExtrap / p.factor;
    RopeAngle a;
    a.mscale = p.attnFactor;
    if (p.extFactor == 0.0) {
        a.theta = thetaInterp; // none / linear scaling
        return a;
    }
    const YarnRange r = yarnCorrDims(p.nRot, p.nCtxOrig, p.base, p.betaFast, p.betaSlow);
    const double y = (i - r.low) / std::max(0.001, r.high - r.low);
    const double ramp = 1.0 - std::clamp(y, 0.0, 1.0);
    a.theta = thetaInterp * (1.0 - ramp * p.extFactor) + thetaExtrap * (ramp * p.extFactor);
    a.mscale *= 1.0 + 0.1 * std::log(p.factor);
    return a;
}

void applyRope(double* head, double pos, const RopeParams& p) {
    const int64_t half = p.nRot / 2;
    for (int64_t i = 0; i < half; ++i) {
        const RopeAngle a = ropeAngle(i, pos, p);
        const double c = std::cos(a.theta) * a.mscale;
        const double s = std::sin(a.theta) * a.mscale;
        const int64_t ia = p.style == RopeStyle::Norm ? 2 * i : i;
        const int64_t ib = p.style == RopeStyle::Norm ? 2 * i + 1 : i + half;
        const double x0 = head[ia];
        const double x1 = head[ib];
        head[ia] = x0 * c - x1 * s;
        head[ib] = x0 * s + x1 * c;
    }
}

Vec Matrix::row(int64_t r) const {
    const uint8_t* src = data + static_cast<size_t>(r) * rowBytes(type, k);
    Vec out;
    if (type == DType::F32 || type == DType::F16 || type == DType::Q8_0 || !dequantizer) {
        dequantizeRowBuiltin(type, src, k, out);
        return out;
    }
    std::vector<float> tmp(static_cast<size_t>(k));
    dequantizer(type, src, tmp.data(), k);
    out.assign(tmp.begin(), tmp.end());
    return out;
}

std::vector<Vec> matmul(const Matrix& w, const std::vector<Vec>& xs) {
    std::vector<Vec> ys(xs.size(), Vec(static_cast<size_t>(w.n), 0.0));
    for (int64_t r = 0; r < w.n; ++r) {
        const Vec row = w.row(r);
        for (size_t t = 0; t < xs.size(); ++t) {
            double acc = 0;
            for (int64_t j = 0; j < w.k; ++j) acc += row[j] * xs[t][j];
            ys[t][r] = acc;
        }
    }
    return ys;
}

} // namespace dw::ref
