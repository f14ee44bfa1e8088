// Which tensors a synthetic model has, with the names and shapes the real converters write
// (ENGINE_FACTS 4.1-4.7), and the type each is stored in.
#include "deepwell/error.h"
#include "quant/quant.h"
#include "synth/synth_internal.h"

#include <string>

namespace dw::synth::detail {
namespace {

using Plan = std::vector<TensorPlan>;

// Q/K/V/O of the multi-head (GQA) attention of every architecture but deepseek2.
void planMha(const SynthSpec& s, const std::string& p, Plan& t) {
    const int64_t hd = s.headDimOrDefault();
    const int64_t nq = s.nHead * hd;
    const int64_t nkv = s.nHeadKv * hd;
    const bool gemma = s.arch == Arch::Gemma3;
    t.push_back({p + "attn_q.weight", {s.nEmbd, nq}});
    t.push_back({p + "attn_k.weight", {s.nEmbd, nkv}});
    t.push_back({p + "attn_v.weight", {s.nEmbd, nkv}});
    if (s.biases) {
        t.push_back({p + "attn_q.bias", {nq}, Init::Bias});
        t.push_back({p + "attn_k.bias", {nkv}, Init::Bias});
        t.push_back({p + "attn_v.bias", {nkv}, Init::Bias});
    }
    if (gemma || s.arch == Arch::Qwen3 || s.arch == Arch::Qwen3Moe) { // per head
        t.push_back({p + "attn_q_norm.weight", {hd}, Init::Norm});
        t.push_back({p + "attn_k_norm.weight", {hd}, Init::Norm});
    } else if (s.arch == Arch::Olmoe) { // over the whole projection
        t.push_back({p + "attn_q_norm.weight", {nq}, Init::Norm});
        t.push_back({p + "attn_k_norm.weight", {nkv}, Init::Norm});
    }
    t.push_back({p + "attn_output.weight", {nq, s.nEmbd}});
    if (s.biases && s.arch == Arch::Llama) {
        t.push_back({p + "attn_output.bias", {s.nEmbd}, Init::Bias});
    }
    if (gemma) t.push_back({p + "post_attention_norm.weight", {s.nEmbd}, Init::Norm});
}

// deepseek2 multi-head latent attention (ENGINE_FACTS 4.6 tensor table).
void planMla(const SynthSpec& s, int64_t il, const std::string& p, Plan& t) {
    const int64_t qk = mlaQkDim(s);
    if (s.qLoraRank > 0) {
        t.push_back({p + "attn_q_a.weight", {s.nEmbd, s.qLoraRank}});
        t.push_back({p + "attn_q_a_norm.weight", {s.qLoraRank}, Init::Norm});
        t.push_back({p + "attn_q_b.weight", {s.qLoraRank, s.nHead * qk}});
    } else {
        t.push_back({p + "attn_q.weight", {s.nEmbd, s.nHead * qk}});
    }
    t.push_back({p + "attn_kv_a_mqa.weight", {s.nEmbd, s.kvLoraRank + s.qkRopeDim}});
    t.push_back({p + "attn_kv_a_norm.weight", {s.kvLoraRank}, Init::Norm});
    if (s.mlaLayout == MlaLayout::Joint) {
        t.push_back({p + "attn_kv_b.weight", {s.kvLoraRank, s.nHead * (s.qkNopeDim + s.vHeadDim)}});
    } else {
        t.push_back({p + "attn_k_b.weight",
                     {s.qkNopeDim, s.kvLoraRank, s.nHead},
                     Init::KvBSplitK,
                     false,
                     il});
        t.push_back({p + "attn_v_b.weight",
                     {s.kvLoraRank, s.vHeadDim, s.nHead},
                     Init::KvBSplitV,
                     false,
                     il});
    }
    t.push_back({p + "attn_output.weight", {s.nHead * s.vHeadDim, s.nEmbd}});
}

void planFfn(const SynthSpec& s, int64_t il, const std::string& p, Plan& t) {
    t.push_back({p + "ffn_norm.weight", {s.nEmbd}, Init::Norm});
    if (!s.isMoeLayer(il)) {
        t.push_back({p + "ffn_gate.weight", {s.nEmbd, s.nFf}});
        t.push_back({p + "ffn_up.weight", {s.nEmbd, s.nFf}});
        t.push_back({p + "ffn_down.weight", {s.nFf, s.nEmbd}});
        return;
    }
    const int64_t ff = expertWidth(s);
    t.push_back({p + "ffn_gate_inp.weight", {s.nEmbd, s.nExpert}});
    if (s.expProbsBias) t.push_back({p + "exp_probs_b.bias", {s.nExpert}, Init::ProbsBias});
    t.push_back({p + "ffn_gate_exps.weight", {s.nEmbd, ff, s.nExpert}});
    t.push_back({p + "ffn_up_exps.weight", {s.nEmbd, ff, s.nExpert}});
    t.push_back({p + "ffn_down_exps.weight", {ff, s.nEmbd, s.nExpert}});
    const int64_t shared = sharedWidth(s);
    if (shared == 0) return;
    if (s.arch == Arch::Qwen2Moe) {
        t.push_back({p + "ffn_gate_inp_shexp.weight", {s.nEmbd}});
    }
    t.push_back({p + "ffn_gate_shexp.weight", {s.nEmbd, shared}});
    t.push_back({p + "ffn_up_shexp.weight", {s.nEmbd, shared}});
    t.push_back({p + "ffn_down_shexp.weight", {shared, s.nEmbd}});
}

} // namespace

std::vector<TensorPlan> planTensors(const SynthSpec& s) {
    Plan t;
    t.push_back({"token_embd.weight", {s.nEmbd, s.nVocab}, Init::Matrix, s.tiedEmbeddings});
    if (s.ropeFreqs)
        t.push_back({"rope_freqs.weight", {s.headDimOrDefault() / 2}, Init::RopeFreqs});
    for (int64_t il = 0; il < s.nLayer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        t.push_back({p + "attn_norm.weight", {s.nEmbd}, Init::Norm});
        if (s.arch == Arch::DeepSeek2)
            planMla(s, il, p, t);
        else
            planMha(s, p, t);
        planFfn(s, il, p, t);
        if (s.arch == Arch::Gemma3) {
            t.push_back({p + "post_ffw_norm.weight", {s.nEmbd}, Init::Norm});
        }
    }
    t.push_back({"output_norm.weight", {s.nEmbd}, Init::Norm});
    if (!s.tiedEmbeddings) t.push_back({"output.weight", {s.nEmbd, s.nVocab}, Init::Matrix, true});
    return t;
}

DType tensorType(const SynthSpec& s, const TensorPlan& t) {
    // 1-D tensors (norms, biases, rope_freqs, exp_probs_b) and the routers keep F32, as
    // llama-quantize leaves them (ENGINE_FACTS 2.4).
    if (t.ne.size() < 2 || t.name.find("ffn_gate_inp") != std::string::npos) return DType::F32;
    DType wanted = s.weightType;
    for (const auto& [pattern, type] : s.typeOverrides) {
        if (t.name.find(pattern) != std::string::npos) {
            wanted = type;
            break;
        }
    }
    const DType type = storageType(wanted, t.ne[0], t.isOutput);
    const bool plain = type == DType::F32 || type == DType::F16 || type == DType::BF16;
    if (!plain && !quant::canQuantize(type)) {
        badSpec("tensor '" + t.name + "' would be stored as " + std::string(dtypeName(type)) +
                " (asked: " + std::string(dtypeName(wanted)) + "), which dw::quant cannot produce");
    }
    return type;
}

} // namespace dw::synth::detail
