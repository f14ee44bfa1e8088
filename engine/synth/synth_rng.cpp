#include "synth/synth_rng.h"

#include <cmath>

namespace dw::synth {

uint64_t SplitMix64::next() {
    m_state += 0x9e3779b97f4a7c15ull;
    uint64_t z = m_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double SplitMix64::uniform() {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); // / 2^53
}

double portableLog(double x) {
    // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(z), z = (m - 1) / (m + 1),
    // |z| <= 0.1716, so 13 terms of the odd series reach double precision.
    int e = 0;
    double m = std::frexp(x, &e); // exact; m in [0.5, 1)
    if (m < 0.70710678118654752) {
        m *= 2.0;
        e -= 1;
    }
    const double z = (m - 1.0) / (m + 1.0);
    const double z2 = z * z;
    double term = z;
    double sum = 0;
    for (int k = 0; k < 13; ++k) {
        sum += term / static_cast<double>(2 * k + 1);
        term *= z2;
    }
    return static_cast<double>(e) * 0.69314718055994531 + 2.0 * sum;
}

double NormalStream::next() {
    if (m_hasSpare) {
        m_hasSpare = false;
        return m_spare;
    }
    for (;;) {
        const double u = 2.0 * m_rng.uniform() - 1.0;
        const double v = 2.0 * m_rng.uniform() - 1.0;
        const double s = u * u + v * v;
        if (s <= 0.0 || s >= 1.0) continue;
        const double f = std::sqrt(-2.0 * portableLog(s) / s); // sqrt is correctly rounded
        m_spare = v * f;
        m_hasSpare = true;
        return u * f;
    }
}

uint64_t tensorSeed(uint64_t seed, std::string_view name) {
    uint64_t h = 0xcbf29ce484222325ull; // FNV-1a 64
    for (char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    SplitMix64 mix(seed ^ (h * 0x9e3779b97f4a7c15ull));
    return mix.next();
}

} // namespace dw::synth
