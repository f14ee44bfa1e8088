#include "model/router.h"

#include "deepwell/error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dw::model {
namespace {

std::vector<char>& takenScratch(int n) {
    thread_local std::vector<char> taken;
    taken.assign(size_t(n), 0);
    return taken;
}

} // namespace

RouterConfig routerConfig(const MoeParams& m, const float* bias) {
    RouterConfig c;
    c.nExpert = m.nExpert;
    c.nUsed = m.nExpertUsed;
    c.gating = m.gating;
    c.bias = bias;
    c.nGroup = m.nGroup;
    c.nGroupUsed = m.nGroupUsed;
    c.norm = m.normTopK;
    c.scale = m.weightsScale;
    return c;
}

void routeToken(const float* logits, const RouterConfig& cfg, int32_t* ids, float* weights,
                std::vector<float>& scratch) {
    const int n = cfg.nExpert;
    DW_ASSERT(n > 0 && cfg.nUsed >= 1 && cfg.nUsed <= n);
    scratch.resize(size_t(2 * n));
    float* probs = scratch.data();
    float* sel = probs + n;
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();

    // 1. scores
    switch (cfg.gating) {
    case ExpertGating::Softmax: {
        float maxv = kNegInf;
        for (int e = 0; e < n; ++e) maxv = std::max(maxv, logits[e]);
        double sum = 0.0;
        for (int e = 0; e < n; ++e) {
            probs[e] = std::exp(logits[e] - maxv);
            sum += probs[e];
        }
        for (int e = 0; e < n; ++e) probs[e] = float(probs[e] / sum);
        break;
    }
    case ExpertGating::Sigmoid:
        for (int e = 0; e < n; ++e) probs[e] = 1.0f / (1.0f + std::exp(-logits[e]));
        break;
    case ExpertGating::SqrtSoftplus:
        for (int e = 0; e < n; ++e) {
            const float x = logits[e];
            const float softplus = x > 20.0f ? x : std::log1p(std::exp(x));
            probs[e] = std::sqrt(softplus);
        }
        break;
    }
    // 2. selection scores: the bias steers the choice only; NaN never wins
    for (int e = 0; e < n; ++e) {
        const float s = probs[e] + (cfg.bias ? cfg.bias[e] : 0.0f);
        sel[e] = std::isnan(s) ? kNegInf : s;
    }
    // 3. group-limited: a group scores the sum of its two best; keep the nGroupUsed best
    if (cfg.nGroup > 1) {
        const int size = n / cfg.nGroup;
        std::vector<std::pair<float, int>> groups(size_t(cfg.nGroup));
        for (int g = 0; g < cfg.nGroup; ++g) {
            float best = kNegInf, second = kNegInf;
            for (int e = g * size; e < (g + 1) * size; ++e) {
                if (sel[e] > best) {
                    second = best;
                    best = sel[e];
                } else if (sel[e] > second) {
                    second = sel[e];
                }
            }
            groups[size_t(g)] = {size > 1 ? best + second : best, g};
        }
        std::stable_sort(groups.begin(), groups.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (int i = cfg.nGroupUsed; i < cfg.nGroup; ++i) {
            const int g = groups[size_t(i)].second;
            for (int e = g * size; e < (g + 1) * size; ++e) sel[e] = kNegInf;
        }
    }
    // 4. top-k by selection score, ties to the lower id; 5. weights are the unbiased scores
    std::vector<char>& taken = takenScratch(n);
    for (int j = 0; j < cfg.nUsed; ++j) {
        int best = -1;
        for (int e = 0; e < n; ++e)
            if (!taken[size_t(e)] && (best < 0 || sel[e] > sel[best])) best = e;
        taken[size_t(best)] = 1;
        ids[j] = best;
        weights[j] = probs[best];
    }
    // 6. renormalise, 7. scale
    if (cfg.norm) {
        double sum = 0.0;
        for (int j = 0; j < cfg.nUsed; ++j) sum += weights[j];
        const float inv = float(1.0 / std::max(sum, 6.1035e-5));
        for (int j = 0; j < cfg.nUsed; ++j) weights[j] *= inv;
    }
    if (cfg.scale != 0.0f && cfg.scale != 1.0f)
        for (int j = 0; j < cfg.nUsed; ++j) weights[j] *= cfg.scale;
}

} // namespace dw::model
