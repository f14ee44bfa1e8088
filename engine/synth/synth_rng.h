#pragma once
// Deterministic random numbers for synthetic weights: bit-identical on every IEEE-754
// machine. splitmix64 for uniform bits; normal deviates by the polar Box-Muller (Marsaglia)
// method with our own natural logarithm, so no libm call is involved (this file is compiled
// with -ffp-contract=off so no FMA changes a rounding).
#include <cstdint>
#include <string_view>

namespace dw::synth {

// splitmix64 (Steele, Lea, Flood 2014): state += golden gamma, then a mix of the state.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}
    uint64_t next();
    // Uniform in [0, 1) with 53 random bits.
    double uniform();

private:
    uint64_t m_state;
};

// Standard normal deviates from one splitmix64 stream.
class NormalStream {
public:
    explicit NormalStream(uint64_t seed) : m_rng(seed) {}
    double next();

private:
    SplitMix64 m_rng;
    double m_spare = 0;
    bool m_hasSpare = false;
};

// ln(x) for finite x > 0 using only exact scaling and +,-,*,/ (error ~1 ulp).
double portableLog(double x);

// A per-tensor seed: FNV-1a of the name mixed with the spec seed.
uint64_t tensorSeed(uint64_t seed, std::string_view name);

} // namespace dw::synth
