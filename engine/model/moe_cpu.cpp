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

// (token, slot) pairs per group of experts in step 3: all of a decode step, and a bound on
// the gathered inputs and outputs of a prefill chunk.
constexpr int64_t kMoeGroupSlots = 256;

} // namespace

void moeFeedForward(const LayerWeights& l, const HParams& hp, const float* x, int64_t T,
                    float* out, CpuExec& ex, MoeScratch& s, uint64_t* counts) {
    const MoeParams& m = hp.moe;
    const int64_t E = hp.nEmbd, F = m.nFfExpert;
    const int k = m.nExpertUsed;

    // 1. route every token (with the shared expert's gate and up: same input, one batch)
    resize(s.logits, size_t(T * m.nExpert));
    const int64_t FS = m.nFfShared;
    if (FS > 0) {
        resize(s.sharedGate, size_t(T * FS));
        resize(s.sharedUp, size_t(T * FS));
        ex.matmuls({{l.gateInp, x, T, s.logits.data()},
                    {l.gateShexp, x, T, s.sharedGate.data()},
                    {l.upShexp, x, T, s.sharedUp.data()}});
    } else {
        ex.matmul(l.gateInp, x, T, s.logits.data());
    }
    s.ids.resize(size_t(T * k));
    s.weights.resize(size_t(T * k));
    const RouterConfig rc = routerConfig(m, l.expProbsBias.empty() ? nullptr : l.expProbsBias.data());
    for (int64_t t = 0; t < T; ++t)
        routeToken(s.logits.data() + t * m.nExpert, rc, s.ids.data() + t * k, s.weights.data() + t * k, s.route);

    // 2. group the (token, slot) pairs by expert, in ascending slot order
    s.perExpert.resize(size_t(m.nExpert));
    for (auto& v : s.perExpert) v.clear();
    for (int64_t i = 0; i < T * k; ++i) s.perExpert[size_t(s.ids[size_t(i)])].push_back(int32_t(i));

    // 3. the selected experts, in groups of up to kMoeGroupSlots (token, slot) pairs: gate and
    //    up of all experts of a group in one batch, then down in one (two dispatches instead
    //    of three per expert). An expert chosen by every token (every selected expert in
    //    decode) reads x itself, so that the group's experts share one quantized input.
    resize(s.slots, size_t(T * k * E));
    int64_t slotsLeft = T * k; // (token, slot) pairs not yet in a group
    for (int e0 = 0; e0 < m.nExpert;) {
        s.group.clear();
        int64_t groupSlots = 0;
        for (; e0 < m.nExpert; ++e0) {
            const int64_t n = int64_t(s.perExpert[size_t(e0)].size());
            if (n == 0) continue;
            if (groupSlots > 0 && groupSlots + n > kMoeGroupSlots) break;
            s.group.push_back(e0);
            groupSlots += n;
        }
        if (s.group.empty()) break;
        slotsLeft -= groupSlots;
        resize(s.xe, size_t(groupSlots * E));
        resize(s.ge, size_t(groupSlots * F));
        resize(s.ue, size_t(groupSlots * F));
        resize(s.de, size_t(groupSlots * E));
        s.jobs.clear();
        int64_t off = 0;
        for (int e : s.group) {
            const auto& slots = s.perExpert[size_t(e)];
            const int64_t n = int64_t(slots.size());
            if (counts) counts[e] += slots.size();
            const float* in = x;
            if (n != T) {
                for (int64_t i = 0; i < n; ++i)
                    std::copy_n(x + (slots[size_t(i)] / k) * E, E, s.xe.data() + (off + i) * E);
                in = s.xe.data() + off * E;
            }
            s.jobs.push_back({l.gateExps.at(e), in, n, s.ge.data() + off * F});
            s.jobs.push_back({l.upExps.at(e), in, n, s.ue.data() + off * F});
            off += n;
        }
        ex.matmuls(s.jobs);
        cpu::swiglu(s.ge.data(), s.ue.data(), s.ge.data(), groupSlots * F);
        s.jobs.clear();
        off = 0;
        for (int e : s.group) {
            const int64_t n = int64_t(s.perExpert[size_t(e)].size());
            s.jobs.push_back({l.downExps.at(e), s.ge.data() + off * F, n, s.de.data() + off * E});
            off += n;
        }
        if (FS > 0 && slotsLeft == 0) { // the last group: the shared expert's down as well
            resize(s.shared, size_t(T * E));
            cpu::swiglu(s.sharedGate.data(), s.sharedUp.data(), s.sharedGate.data(), T * FS);
            s.jobs.push_back({l.downShexp, s.sharedGate.data(), T, s.shared.data()});
        }
        ex.matmuls(s.jobs);
        off = 0;
        for (int e : s.group) {
            const auto& slots = s.perExpert[size_t(e)];
            for (size_t i = 0; i < slots.size(); ++i)
                std::copy_n(s.de.data() + (off + int64_t(i)) * E, E,
                            s.slots.data() + int64_t(slots[i]) * E);
            off += int64_t(slots.size());
        }
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
    if (FS > 0) {
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
