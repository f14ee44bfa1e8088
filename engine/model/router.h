#pragma once
// MoE routing for one token (ENGINE_FACTS 4.0 steps 2-8): score the experts, optionally add
// the selection-only bias, keep the best groups, pick the top k, take the unbiased scores as
// weights, optionally renormalise and scale. Shared by every backend as the reference.
#include "deepwell/model.h"

#include <cstdint>
#include <vector>

namespace dw::model {

struct RouterConfig {
    int nExpert = 0;
    int nUsed = 0;
    ExpertGating gating = ExpertGating::Softmax;
    const float* bias = nullptr; // [nExpert] selection bias (DeepSeek-V3), or nullptr
    int nGroup = 1;              // group-limited routing when > 1
    int nGroupUsed = 1;
    bool norm = false;           // renormalise the k weights (floor 6.1035e-5)
    float scale = 0.0f;          // applied unless 0 or 1
};

RouterConfig routerConfig(const MoeParams& m, const float* bias);

// logits: [nExpert] router outputs. ids/weights: [nUsed], best first (ties -> lower id).
// scratch is resized as needed (reused across calls to avoid allocations).
void routeToken(const float* logits, const RouterConfig& cfg, int32_t* ids, float* weights,
                std::vector<float>& scratch);

} // namespace dw::model
