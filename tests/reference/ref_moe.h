#pragma once
// Mixture-of-experts pieces of the plain reference, as obvious double-precision loops:
// the router (ENGINE_FACTS 4.0 steps 2-8) as a standalone function, the SwiGLU expert FFN,
// and a MoE layer (route, group tokens by expert, expert FFNs, combine, shared experts).
//
//   ref::RouterParams p{.nUsed = 6};
//   ref::Routing r = ref::route(logits, {}, p); // r.ids = {17, 3, ...}, r.weights = {...}
#include "ref_ops.h"

#include <cstdint>
#include <vector>

namespace dw::ref {

// Step 2, by the values of {arch}.expert_gating_func.
enum class Gating {
    Softmax = 1,      // probs = softmax(logits) over all experts
    Sigmoid = 2,      // probs = sigmoid(logits) elementwise
    SqrtSoftplus = 4, // probs = sqrt(softplus(logits)) elementwise
};
const char* gatingName(Gating g);

struct RouterParams {
    int64_t nUsed = 1; // top-k (expert_used_count)
    Gating gating = Gating::Softmax;
    int64_t nGroup = 1;     // expert_group_count; > 1 turns on group-limited selection
    int64_t topkGroup = 1;  // expert_group_used_count: groups kept (1..nGroup)
    bool normalize = false; // expert_weights_norm: divide by max(sum of weights, 2^-14)
    double scale = 0.0;     // expert_weights_scale: multiplies the weights unless 0 or 1
};

// One token's choice.
struct Routing {
    std::vector<int32_t> ids; // chosen experts, best selection score first
    Vec weights;              // their mixing weights, in the same order
};

// The floor of the renormalisation denominator: llama.cpp clamps the weight sum to
// 6.103515625e-5 (2^-14, the smallest normal fp16; ENGINE_FACTS rounds it to 6.1035e-5).
inline constexpr double kRenormFloor = 6.103515625e-5;

// Step 2 alone.
Vec gatingProbs(const Vec& logits, Gating g);

// Steps 2-8 for one token: probs = gating(logits); selection scores = probs + bias (bias
// empty: none; it never enters the weights); with nGroup > 1 each group of nExpert/nGroup
// consecutive experts is scored by the sum of its 2 best selection scores (its only score
// when a group has one expert), the topkGroup best groups are kept (ties: lower group
// index) and the others' experts excluded; the nUsed best remaining experts are chosen
// (ties: lower expert index); weights = probs of the chosen; renormalised and scaled as the
// params say. Throws dw::Error(InvalidArgument) naming the parameter for inconsistent
// sizes (k > experts, groups that do not divide the experts, too few experts left).
Routing route(const Vec& logits, const Vec& bias, const RouterParams& p);

// SwiGLU FFN of every token: down * (silu(gate * x) . (up * x)).
std::vector<Vec> swiglu(const Matrix& gate, const Matrix& up, const Matrix& down,
                        const std::vector<Vec>& xs);

// The weights of one MoE FFN. Stacked GGUF expert tensors {K, N, nExpert} are viewed as
// one Matrix per expert (expert e's rows start at e * N rows: ENGINE_FACTS 4.0).
struct MoeWeights {
    Matrix router;                           // [nEmbd, nExpert] ffn_gate_inp
    Vec probsBias;                           // [nExpert] exp_probs_b (empty: none)
    std::vector<Matrix> gate, up, down;      // per expert [nEmbd, nFfExp] x2, [nFfExp, nEmbd]
    Matrix sharedGate, sharedUp, sharedDown; // shared expert (invalid: none)
    Vec sharedGateInp; // qwen2moe [nEmbd]: shared output *= sigmoid(dot(this, x))
};

// out[t] = sum_k w_k FFN_{e_k}(x_t) (+ the shared expert) for every token. Each expert runs
// once over the tokens that chose it; an expert no token chose is skipped. When `routing`
// is given it receives every token's choice ([T]).
std::vector<Vec> moeForward(const MoeWeights& w, const RouterParams& p, const std::vector<Vec>& xs,
                            std::vector<Routing>* routing = nullptr);

} // namespace dw::ref
