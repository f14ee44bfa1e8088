#pragma once
// The sampler chain (ENGINE_FACTS section 7), in llama.cpp's order:
// penalties -> top-k -> top-p -> min-p -> temperature -> draw. Greedy when temperature <= 0.
// Seeded and reproducible: the same seed, logits and history give the same tokens on every
// machine (our own uniform draw from a 64-bit Mersenne Twister).
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace dw {

struct SamplingParams {
    float temperature = 0.8f;
    int topK = 40;            // <= 0: off
    float topP = 0.95f;       // >= 1: off
    float minP = 0.05f;       // <= 0: off
    float repeatPenalty = 1.0f;
    float presencePenalty = 0.0f;
    float frequencyPenalty = 0.0f;
    int penaltyLastN = 64;    // tokens of history the penalties look at
    uint64_t seed = 0x5eed5eedull; // fixed default so runs are reproducible unless a seed is given
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);

    // Picks the next token from nVocab logits (not modified).
    int32_t sample(const float* logits, int64_t nVocab);
    // Records a token of the sequence (prompt and generated) for the penalties.
    void accept(int32_t token);
    void reset();
    const SamplingParams& params() const { return m_params; }

private:
    struct Candidate {
        int32_t id;
        float logit;
        float p;
    };
    void applyPenalties(std::vector<Candidate>& c) const;

    SamplingParams m_params;
    std::mt19937_64 m_rng;
    std::deque<int32_t> m_history;
    std::vector<Candidate> m_cand; // reused between calls
};

} // namespace dw
