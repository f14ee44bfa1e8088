#pragma once
// Shared pieces of the CUDA test suites: the GPU skip guard, device-buffer helpers,
// output poisoning and error metrics.
#include "cuda/device.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

// Skips the current test (row) with the reason when no usable GPU is found, e.g.
// "no usable GPU: no CUDA driver (cudaErrorInsufficientDriver)".
#define DW_REQUIRE_GPU()                                                                           \
    do {                                                                                           \
        const auto& dwProbe_ = ::dw::cuda::probe();                                                \
        if (!dwProbe_.usable)                                                                      \
            QSKIP(qPrintable(QStringLiteral("no usable GPU: ") +                                   \
                             QString::fromStdString(dwProbe_.reason)));                            \
    } while (0)

namespace dw::cudatest {

// Extra elements after every output buffer, poisoned and checked untouched.
inline constexpr size_t kGuard = 64;
inline constexpr uint8_t kPoison = 0xFF; // NaN as float, -1 as int32

template <typename T> cuda::DeviceBuffer toDevice(const std::vector<T>& v) {
    cuda::DeviceBuffer b(v.size() * sizeof(T));
    b.upload(v.data(), v.size() * sizeof(T));
    return b;
}

template <typename T> std::vector<T> fromDevice(const cuda::DeviceBuffer& b, size_t count) {
    std::vector<T> v(count);
    b.download(v.data(), count * sizeof(T));
    return v;
}

// An output buffer of `count` T plus a guard zone, every byte set to kPoison.
template <typename T> cuda::DeviceBuffer poisonedOutput(size_t count) {
    cuda::DeviceBuffer b((count + kGuard) * sizeof(T));
    b.fill(kPoison);
    return b;
}

// True when the guard zone after `count` T still holds kPoison (nothing written past the end).
template <typename T> bool guardIntact(const cuda::DeviceBuffer& b, size_t count) {
    std::vector<uint8_t> tail(kGuard * sizeof(T));
    b.download(tail.data(), tail.size(), count * sizeof(T));
    for (uint8_t c : tail)
        if (c != kPoison) return false;
    return true;
}

// Index of the first non-finite value, or -1 (a poisoned float left unwritten is NaN).
inline int64_t firstNonFinite(const std::vector<float>& v) {
    for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i])) return int64_t(i);
    return -1;
}

// Normalised mean squared error sum((a - b)^2) / sum(a^2), a = reference.
inline double nmse(const std::vector<double>& ref, const std::vector<float>& got) {
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double d = ref[i] - double(got[i]);
        num += d * d;
        den += ref[i] * ref[i];
    }
    return den > 0.0 ? num / den : num;
}

inline double nmse(const std::vector<float>& ref, const std::vector<float>& got) {
    return nmse(std::vector<double>(ref.begin(), ref.end()), got);
}

// max |a - b| / max |a|.
inline double maxRelError(const std::vector<double>& ref, const std::vector<float>& got) {
    double maxDiff = 0.0, maxRef = 0.0;
    for (size_t i = 0; i < ref.size(); ++i) {
        maxDiff = std::max(maxDiff, std::fabs(ref[i] - double(got[i])));
        maxRef = std::max(maxRef, std::fabs(ref[i]));
    }
    return maxRef > 0.0 ? maxDiff / maxRef : maxDiff;
}

inline double maxRelError(const std::vector<float>& ref, const std::vector<float>& got) {
    return maxRelError(std::vector<double>(ref.begin(), ref.end()), got);
}

// Check (3) of the product tests: a GPU product against the CPU engine's (cpu::matmul),
// whose activations are rounded differently (Q8_0 / Q8_K blocks on the CPU, Q8_1 or BF16
// on the GPU). Two roundings of about 0.5-3% (in norm; Q8_K's 256-value blocks with an
// outlier are the coarsest) give an NMSE of ~1e-3, so with at least kFewOutputs outputs
// NMSE < 3e-3 is required. With fewer, NMSE means little (one output that nearly cancels
// dominates it), so each output must instead satisfy
//   |gpu - cpu| <= 1e-2 * ||w_row|| * ||x_token||
// (Cauchy-Schwarz: the difference is w . (x_gpu - x_cpu), and each rounding moves x by a
// few per cent of ||x|| at worst). y and cpu are [n, nTokens]: y[t * n + r].
inline constexpr size_t kFewOutputs = 16;
inline QString vsCpuEngine(const std::vector<float>& cpu, const std::vector<float>& got, int64_t n,
                           const std::vector<double>& wNorms, const std::vector<double>& xNorms) {
    if (cpu.size() >= kFewOutputs) {
        const double e = nmse(cpu, got);
        return e < 3e-3 ? QString() : QString("NMSE vs cpu::matmul %1 >= 3e-3").arg(e);
    }
    for (size_t i = 0; i < cpu.size(); ++i) {
        const size_t r = i % size_t(n), t = i / size_t(n);
        const double bound = 1e-2 * wNorms[r] * xNorms[t];
        const double diff = std::fabs(double(got[i]) - double(cpu[i]));
        if (!(diff <= bound))
            return QString("output %1 (row %2, token %3): |gpu - cpu| = %4 > 1e-2 ||w|| ||x|| = %5")
                .arg(i)
                .arg(r)
                .arg(t)
                .arg(diff)
                .arg(bound);
    }
    return QString();
}

inline bool bitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace dw::cudatest
