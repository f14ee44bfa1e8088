#pragma once
// Internal: float functions in straight-line arithmetic that loops can vectorise (shared by
// ops.cpp and attention.cpp).
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace dw::cpu {

// exp(x) for x <= 0 in straight-line float arithmetic that the compiler vectorises (libm's
// expf / tanhf are calls per element: GeGLU over Gemma 3 270M's 18 x 2048 values was 6% of
// a decode step). x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts), e^r by its degree-6
// Taylor polynomial (relative error below 2e-7 on that interval), 2^n put into the exponent
// bits. Below -87 the result is flushed to 0 (e^-87 ~ 1.6e-38, the smallest normal float).
// The loops calling it vectorise only with -fno-trapping-math (CMakeLists.txt): otherwise
// GCC may not turn the clamp's branch into a select.
inline float expNonPositive(float x) {
    constexpr float kLog2e = 1.44269504088896341f;
    constexpr float kLn2Hi = 0.693145751953125f;    // ln 2 to 16 bits: n * kLn2Hi is exact
    constexpr float kLn2Lo = 1.428606765330187045e-06f;
    const float xc = std::max(x, -87.0f);
    constexpr float kRound = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer
    const float n = (xc * kLog2e + kRound) - kRound; // (nearbyint would not vectorise on SSE2)
    const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (int32_t(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const float e = p * scale;
    return x < -87.0f ? 0.0f : e;
}

} // namespace dw::cpu
