#pragma once
// Pieces shared by the synth_*.cpp files (not part of the public API).
#include "deepwell/synth.h"

#include <string>
#include <vector>

namespace dw::synth::detail {

[[noreturn]] void badSpec(const std::string& msg); // dw::Error(InvalidArgument), "synth: " + msg
void checkRange(const char* field, int64_t v, int64_t lo, int64_t hi);

// How a tensor's values are drawn.
enum class Init {
    Matrix,    // N(0, (initScale / sqrt(ne0))^2)
    Norm,      // 1 + 0.1 N(0, 1)
    Bias,      // 0.1 initScale N(0, 1)
    RopeFreqs, // divisors 1..5
    ProbsBias, // exp_probs_b: 0.2 N(0, 1), enough to change the top-k of sigmoid scores
    KvBSplitK, // attn_k_b: cut from the joint attn_kv_b values of the same layer
    KvBSplitV, // attn_v_b: likewise
};

struct TensorPlan {
    std::string name;
    std::vector<int64_t> ne;
    Init init = Init::Matrix;
    bool isOutput = false; // the output matrix (or the tied embedding)
    int64_t layer = -1;    // for KvBSplitK/V: whose attn_kv_b to cut
};

// Every tensor of the file for this spec, in file order (synth_plan.cpp).
std::vector<TensorPlan> planTensors(const SynthSpec& s);
// The stored type of a planned tensor (after overrides and fallbacks); throws for a type
// dw::quant cannot produce.
DType tensorType(const SynthSpec& s, const TensorPlan& t);
// The tensor's values in f32 (synth_model.cpp).
std::vector<float> tensorValues(const SynthSpec& s, const TensorPlan& t);

// Metadata (synth_meta.cpp).
void setHyperParams(gguf::Writer& w, const SynthSpec& s);
void setTokenizer(gguf::Writer& w, const SynthVocab& v);
uint32_t fileType(DType t); // llama_ftype of a file whose weights are mostly t

// MLA per-head Q/K width of a deepseek2 spec (nope + rope).
inline int64_t mlaQkDim(const SynthSpec& s) {
    return s.qkNopeDim + s.qkRopeDim;
}
// Width of one routed expert: llama (Mixtral) and olmoe use feed_forward_length, the others
// expert_feed_forward_length.
inline int64_t expertWidth(const SynthSpec& s) {
    return s.arch == Arch::Llama || s.arch == Arch::Olmoe ? s.nFf : s.nFfExp;
}
// Width of the shared expert FFN (0 = none): deepseek* n_ff_exp * n_shared, qwen2moe its key.
inline int64_t sharedWidth(const SynthSpec& s) {
    if (s.arch == Arch::DeepSeek || s.arch == Arch::DeepSeek2) return s.nFfExp * s.nExpertShared;
    return s.arch == Arch::Qwen2Moe ? s.nFfShexp : 0;
}

// Official chat templates (synth_templates.cpp), byte for byte as published.
extern const char* const kDeepSeekV2Template; // DeepSeek-V2(-Lite)-Chat, DeepSeek LLM chat
extern const char* const kDeepSeekV3Template; // DeepSeek-V3

} // namespace dw::synth::detail
