// The MoE feed-forward on the CPU in four steps: route, group tokens by expert, expert FFN,
// weighted combine (ENGINE_FACTS 4.0; shared experts 4.4/4.6). Only the selected experts'
// weights are read.
#include "model/cpu_blocks.h"
#include "model/router.h"

#include <algorithm>
#include <cmath>

namespace dw::model {
namespace {

void resize(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
}

} // namespace

void moeFeedForward(const LayerWeights& l, const HParams& hp, const float* x, int64_t T,
                    float* out, CpuExec& ex, MoeScratch& s, uint64_t* counts) {
    const MoeParams& m = hp.moe;
    const int64_t E = hp.nEmbd, F = m.nFfExpert;
    const int k = m.nExpertUsed;

    // 1. route every token
    resize(s.logits, size_t(T * m.nExpert));
    ex.matmul(l.gateInp, x, T, s.logits.data());
    s.ids.resize(size_t(T * k));
    s.weights.resize(size_t(T * k));
    const RouterConfig rc = routerConfig(m, l.expProbsBias.empty() ? nullptr : l.expProbsBias.data());
    for (int64_t t = 0; t < T; ++t)
        routeToken(s.logits.data() + t * m.nExpert, rc, s.ids.data() + t * k, s.weights.data() + t * k, s.route);

    // 2. group the (token, slot) pairs by expert, in ascending slot order
    s.perExpert.resize(size_t(m.nExpert));
    for (auto& v : s.perExpert) v.clear();
    for (int64_t i = 0; i < T * k; ++i) s.perExpert[size_t(s.ids[size_t(i)])].push_back(int32_t(i));

    // 3. each selected expert: one product over all of its tokens
    resize(s.slots, size_t(T * k * E));
    for (int e = 0; e < m.nExpert; ++e) {
        const auto& slots = s.perExpert[size_t(e)];
        if (slots.empty()) continue;
        if (counts) counts[e] += slots.size();
        const int64_t n = int64_t(slots.size());
        resize(s.xe, size_t(n * E));
        resize(s.ge, size_t(n * F));
        resize(s.ue, size_t(n * F));
        resize(s.de, size_t(n * E));
        for (int64_t i = 0; i < n; ++i)
            std::copy_n(x + (slots[size_t(i)] / k) * E, E, s.xe.data() + i * E);
        ex.matmul(l.gateExps.at(e), s.xe.data(), n, s.ge.data());
        ex.matmul(l.upExps.at(e), s.xe.data(), n, s.ue.data());
        cpu::swiglu(s.ge.data(), s.ue.data(), s.ge.data(), n * F);
        ex.matmul(l.downExps.at(e), s.ge.data(), n, s.de.data());
        for (int64_t i = 0; i < n; ++i)
            std::copy_n(s.de.data() + i * E, E, s.slots.data() + int64_t(slots[size_t(i)]) * E);
    }

    // 4. weighted combine in slot order, plus the shared expert
    for (int64_t t = 0; t < T; ++t) {
        float* o = out + t * E;
        std::fill_n(o, E, 0.0f);
        for (int j = 0; j < k; ++j) {
            const float w = s.weights[size_t(t * k + j)];
            const float* d = s.slots.data() + (t * k + j) * E;
            for (int64_t i = 0; i < E; ++i) o[i] += w * d[i];
        }
    }
    if (m.nFfShared > 0) {
        const int64_t FS = m.nFfShared;
        resize(s.ge, size_t(T * FS));
        resize(s.ue, size_t(T * FS));
        resize(s.shared, size_t(T * E));
        ex.matmul(l.gateShexp, x, T, s.ge.data());
        ex.matmul(l.upShexp, x, T, s.ue.data());
        cpu::swiglu(s.ge.data(), s.ue.data(), s.ge.data(), T * FS);
        ex.matmul(l.downShexp, s.ge.data(), T, s.shared.data());
        for (int64_t t = 0; t < T; ++t) {
            float gate = 1.0f;
            if (m.sharedGated) { // qwen2moe: sigmoid(gate_inp_shexp . x)
                double dot = 0.0;
                for (int64_t i = 0; i < E; ++i) dot += double(l.gateInpShexp[size_t(i)]) * x[t * E + i];
                gate = float(1.0 / (1.0 + std::exp(-dot)));
            }
            for (int64_t i = 0; i < E; ++i) out[t * E + i] += gate * s.shared[size_t(t * E + i)];
        }
    }
}

} // namespace dw::model
