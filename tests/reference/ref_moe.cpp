// The MoE reference (ENGINE_FACTS 4.0 "MoE FFN", 4.4 shared-expert gate, 4.6 routing).
#include "ref_moe.h"

#include "deepwell/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace dw::ref {
namespace {

[[noreturn]] void badParam(const std::string& msg) {
    throw Error(ErrorCode::InvalidArgument, "reference router: " + msg);
}

std::string num(int64_t v) {
    return std::to_string(v);
}

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

double softplus(double x) {
    return x > 30.0 ? x : std::log1p(std::exp(x)); // ln(1 + e^x), without overflow
}

// Indices 0..n-1 ordered by score, best first; equal scores keep the lower index first.
std::vector<int32_t> rankDescending(const Vec& score) {
    std::vector<int32_t> idx(score.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](int32_t a, int32_t b) { return score[size_t(a)] > score[size_t(b)]; });
    return idx;
}

void checkParams(int64_t n, const Vec& bias, const RouterParams& p) {
    if (n < 1) badParam("no expert logits");
    if (!bias.empty() && static_cast<int64_t>(bias.size()) != n) {
        badParam("selection bias has " + num(int64_t(bias.size())) + " entries for " + num(n) +
                 " experts");
    }
    if (p.nUsed < 1 || p.nUsed > n) {
        badParam("nUsed = " + num(p.nUsed) + " is outside 1.." + num(n) + " (the expert count)");
    }
    if (p.nGroup < 1 || p.nGroup > n) {
        badParam("nGroup = " + num(p.nGroup) + " is outside 1.." + num(n));
    }
    if (p.nGroup > 1) {
        if (n % p.nGroup != 0) {
            badParam(num(n) + " experts do not divide into nGroup = " + num(p.nGroup) + " groups");
        }
        if (p.topkGroup < 1 || p.topkGroup > p.nGroup) {
            badParam("topkGroup = " + num(p.topkGroup) + " is outside 1.." + num(p.nGroup));
        }
        if (p.nUsed > p.topkGroup * (n / p.nGroup)) {
            badParam("nUsed = " + num(p.nUsed) + " exceeds the " +
                     num(p.topkGroup * (n / p.nGroup)) + " experts of the kept groups");
        }
    }
}

} // namespace

const char* gatingName(Gating g) {
    switch (g) {
    case Gating::Softmax:
        return "softmax";
    case Gating::Sigmoid:
        return "sigmoid";
    case Gating::SqrtSoftplus:
        return "sqrt-softplus";
    }
    return "?";
}

Vec gatingProbs(const Vec& logits, Gating g) {
    if (g == Gating::Softmax) return softmax(logits);
    Vec p(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) {
        p[i] = g == Gating::Sigmoid ? sigmoid(logits[i]) : std::sqrt(softplus(logits[i]));
    }
    return p;
}

Routing route(const Vec& logits, const Vec& bias, const RouterParams& p) {
    const auto n = static_cast<int64_t>(logits.size());
    checkParams(n, bias, p);
    const Vec probs = gatingProbs(logits, p.gating); // step 2
    Vec sel = probs;                                 // step 3: selection scores
    for (size_t i = 0; i < bias.size(); ++i) sel[i] += bias[i];

    if (p.nGroup > 1) { // step 4: group-limited selection
        const int64_t size = n / p.nGroup;
        Vec groupScore(static_cast<size_t>(p.nGroup), 0.0);
        for (int64_t g = 0; g < p.nGroup; ++g) {
            Vec members(sel.begin() + g * size, sel.begin() + (g + 1) * size);
            std::sort(members.begin(), members.end(), std::greater<>());
            for (int64_t j = 0; j < std::min<int64_t>(2, size); ++j) groupScore[g] += members[j];
        }
        const std::vector<int32_t> groups = rankDescending(groupScore);
        std::vector<bool> kept(static_cast<size_t>(p.nGroup), false);
        for (int64_t j = 0; j < p.topkGroup; ++j) kept[size_t(groups[size_t(j)])] = true;
        for (int64_t e = 0; e < n; ++e) {
            if (!kept[size_t(e / size)]) sel[e] = -std::numeric_limits<double>::infinity();
        }
    }

    Routing r; // step 5: top-k by selection score; step 6: un-biased weights
    const std::vector<int32_t> order = rankDescending(sel);
    for (int64_t j = 0; j < p.nUsed; ++j) {
        r.ids.push_back(order[size_t(j)]);
        r.weights.push_back(probs[size_t(order[size_t(j)])]);
    }
    if (p.normalize) { // step 7
        double sum = 0;
        for (double w : r.weights) sum += w;
        const double denom = std::max(sum, kRenormFloor);
        for (double& w : r.weights) w /= denom;
    }
    if (p.scale != 0.0 && p.scale != 1.0) { // step 8
        for (double& w : r.weights) w *= p.scale;
    }
    return r;
}

std::vector<Vec> swiglu(const Matrix& gate, const Matrix& up, const Matrix& down,
                        const std::vector<Vec>& xs) {
    std::vector<Vec> g = matmul(gate, xs); // [T][nFf]
    const std::vector<Vec> u = matmul(up, xs);
    for (size_t t = 0; t < xs.size(); ++t) {
        for (size_t i = 0; i < g[t].size(); ++i) g[t][i] = silu(g[t][i]) * u[t][i];
    }
    return matmul(down, g); // [T][nEmbd]
}

std::vector<Vec> moeForward(const MoeWeights& w, const RouterParams& p, const std::vector<Vec>& xs,
                            std::vector<Routing>* routing) {
    const std::vector<Vec> logits = matmul(w.router, xs); // step 1: [T][nExpert]
    std::vector<Routing> routes;
    for (const Vec& l : logits) routes.push_back(route(l, w.probsBias, p));

    std::vector<Vec> out(xs.size(), Vec(xs.empty() ? 0 : xs[0].size(), 0.0));
    for (size_t e = 0; e < w.gate.size(); ++e) { // step 9, expert by expert
        std::vector<size_t> tokens;              // which tokens chose e ...
        std::vector<double> weight;              // ... and with what weight
        std::vector<Vec> in;
        for (size_t t = 0; t < xs.size(); ++t) {
            for (size_t k = 0; k < routes[t].ids.size(); ++k) {
                if (routes[t].ids[k] != static_cast<int32_t>(e)) continue;
                tokens.push_back(t);
                weight.push_back(routes[t].weights[k]);
                in.push_back(xs[t]);
            }
        }
        if (tokens.empty()) continue;
        const std::vector<Vec> y = swiglu(w.gate[e], w.up[e], w.down[e], in);
        for (size_t j = 0; j < tokens.size(); ++j) {
            for (size_t i = 0; i < y[j].size(); ++i) out[tokens[j]][i] += weight[j] * y[j][i];
        }
    }
    if (w.sharedGate.valid()) { // shared experts: every token, added
        const std::vector<Vec> s = swiglu(w.sharedGate, w.sharedUp, w.sharedDown, xs);
        for (size_t t = 0; t < xs.size(); ++t) {
            double gate = 1.0;
            if (!w.sharedGateInp.empty()) {
                double dot = 0;
                for (size_t i = 0; i < xs[t].size(); ++i) dot += w.sharedGateInp[i] * xs[t][i];
                gate = sigmoid(dot);
            }
            for (size_t i = 0; i < s[t].size(); ++i) out[t][i] += gate * s[t][i];
        }
    }
    if (routing) *routing = std::move(routes);
    return out;
}

} // namespace dw::ref
