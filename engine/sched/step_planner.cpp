#include "sched/step_planner.h"

#include "deepwell/error.h"

#include <algorithm>

namespace dw::sched {

StepPlan planStep(const std::vector<SeqState>& seqs, const PlannerLimits& limits) {
    DW_ASSERT(limits.tokenBudget >= 1 && limits.maxDecode >= 1);
    std::vector<const SeqState*> order;
    order.reserve(seqs.size());
    for (const auto& s : seqs) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(),
                     [](const SeqState* a, const SeqState* b) { return a->arrival < b->arrival; });
    StepPlan plan;
    int64_t budget = limits.tokenBudget;
    int decodes = 0;
    for (const SeqState* s : order) {
        if (s->promptRemaining > 0 || budget == 0 || decodes == limits.maxDecode) continue;
        plan.chunks.push_back({s->id, 1, true});
        --budget;
        ++decodes;
    }
    for (const SeqState* s : order) {
        if (s->promptRemaining == 0 || budget == 0) continue;
        const int64_t n = std::min(budget, s->promptRemaining);
        plan.chunks.push_back({s->id, n, false});
        budget -= n;
    }
    plan.totalTokens = limits.tokenBudget - budget;
    return plan;
}

} // namespace dw::sched
