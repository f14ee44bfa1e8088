#include "deepwell/sampler.h"

#include "deepwell/error.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace dw {

Sampler::Sampler(const SamplingParams& params) : m_params(params), m_rng(params.seed) {}

void Sampler::reset() {
    m_rng.seed(m_params.seed);
    m_history.clear();
}

void Sampler::accept(int32_t token) {
    if (m_params.penaltyLastN <= 0) return;
    m_history.push_back(token);
    while (int(m_history.size()) > m_params.penaltyLastN) m_history.pop_front();
}

void Sampler::applyPenalties(std::vector<Candidate>& c) const {
    const auto& p = m_params;
    if (m_history.empty() ||
        (p.repeatPenalty == 1.0f && p.presencePenalty == 0.0f && p.frequencyPenalty == 0.0f))
        return;
    std::unordered_map<int32_t, int> counts;
    for (int32_t t : m_history) ++counts[t];
    for (const auto& [id, n] : counts) {
        if (id < 0 || id >= int32_t(c.size())) continue;
        float& l = c[size_t(id)].logit; // candidates are still indexed by id here
        if (l <= 0.0f)
            l *= p.repeatPenalty;
        else
            l /= p.repeatPenalty;
        l -= float(n) * p.frequencyPenalty + p.presencePenalty;
    }
}

int32_t Sampler::sample(const float* logits, int64_t nVocab) {
    DW_ASSERT(nVocab > 0);
    auto& c = m_cand;
    c.resize(size_t(nVocab));
    for (int64_t i = 0; i < nVocab; ++i) c[size_t(i)] = {int32_t(i), logits[i], 0.0f};
    applyPenalties(c);

    const auto& p = m_params;
    auto byLogit = [](const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };
    if (p.temperature <= 0.0f) // greedy: first maximum (lowest id on ties)
        return std::min_element(c.begin(), c.end(), byLogit)->id;

    // top-k (also bounds the sort below)
    size_t keep = c.size();
    if (p.topK > 0 && size_t(p.topK) < keep) keep = size_t(p.topK);
    std::partial_sort(c.begin(), c.begin() + std::ptrdiff_t(keep), c.end(), byLogit);
    c.resize(keep);

    auto softmax = [](std::vector<Candidate>& v) {
        const float maxl = v.front().logit; // sorted descending
        double sum = 0.0;
        for (auto& x : v) {
            x.p = std::exp(x.logit - maxl);
            sum += x.p;
        }
        for (auto& x : v) x.p = float(x.p / sum);
    };

    // top-p: smallest prefix whose cumulative probability reaches p
    if (p.topP < 1.0f) {
        softmax(c);
        double cum = 0.0;
        size_t n = 0;
        while (n < c.size()) {
            cum += c[n].p;
            ++n;
            if (cum >= p.topP) break;
        }
        c.resize(std::max<size_t>(1, n));
    }
    // min-p: keep tokens with p >= minP * pmax, i.e. logit >= maxLogit + ln(minP)
    if (p.minP > 0.0f) {
        const float cut = c.front().logit + std::log(p.minP);
        size_t n = 1;
        while (n < c.size() && c[n].logit >= cut) ++n;
        c.resize(n);
    }
    // temperature, then draw
    for (auto& x : c) x.logit /= p.temperature;
    softmax(c);
    const double u = double(m_rng() >> 11) * (1.0 / 9007199254740992.0); // [0, 1)
    double cum = 0.0;
    for (const auto& x : c) {
        cum += x.p;
        if (u < cum) return x.id;
    }
    return c.back().id;
}

} // namespace dw
