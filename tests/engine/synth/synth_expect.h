#pragma once
// What a real converter writes for a SynthSpec, worked out independently of the writer from
// the ENGINE_FACTS tensor tables (4.1-4.7): tensor names and shapes, and the token texts of
// each tokenizer flavour. Shared by the synth test suites.
#include "deepwell/synth.h"

#include <string>
#include <utility>
#include <vector>

namespace dw::synthtest {

using synth::Arch;
using synth::SynthSpec;
using TensorList = std::vector<std::pair<std::string, std::vector<int64_t>>>;

inline TensorList expectedTensors(const SynthSpec& s) {
    const int64_t hd = s.headDim ? s.headDim : s.nEmbd / s.nHead;
    const int64_t nq = s.nHead * hd, nkv = s.nHeadKv * hd;
    const bool deepseek = s.arch == Arch::DeepSeek || s.arch == Arch::DeepSeek2;
    TensorList t;
    t.push_back({"token_embd.weight", {s.nEmbd, s.nVocab}});
    t.push_back({"output_norm.weight", {s.nEmbd}});
    if (!s.tiedEmbeddings) t.push_back({"output.weight", {s.nEmbd, s.nVocab}});
    for (int64_t il = 0; il < s.nLayer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        t.push_back({p + "attn_norm.weight", {s.nEmbd}});
        t.push_back({p + "ffn_norm.weight", {s.nEmbd}});
        if (s.arch == Arch::DeepSeek2) {
            const int64_t qk = s.qkNopeDim + s.qkRopeDim;
            if (s.qLoraRank > 0) {
                t.push_back({p + "attn_q_a.weight", {s.nEmbd, s.qLoraRank}});
                t.push_back({p + "attn_q_a_norm.weight", {s.qLoraRank}});
                t.push_back({p + "attn_q_b.weight", {s.qLoraRank, s.nHead * qk}});
            } else {
                t.push_back({p + "attn_q.weight", {s.nEmbd, s.nHead * qk}});
            }
            t.push_back({p + "attn_kv_a_mqa.weight", {s.nEmbd, s.kvLoraRank + s.qkRopeDim}});
            t.push_back({p + "attn_kv_a_norm.weight", {s.kvLoraRank}});
            if (s.mlaLayout == synth::MlaLayout::Split) {
                t.push_back({p + "attn_k_b.weight", {s.qkNopeDim, s.kvLoraRank, s.nHead}});
                t.push_back({p + "attn_v_b.weight", {s.kvLoraRank, s.vHeadDim, s.nHead}});
            } else {
                t.push_back(
                    {p + "attn_kv_b.weight", {s.kvLoraRank, s.nHead * (s.qkNopeDim + s.vHeadDim)}});
            }
            t.push_back({p + "attn_output.weight", {s.nHead * s.vHeadDim, s.nEmbd}});
        } else {
            t.push_back({p + "attn_q.weight", {s.nEmbd, nq}});
            t.push_back({p + "attn_k.weight", {s.nEmbd, nkv}});
            t.push_back({p + "attn_v.weight", {s.nEmbd, nkv}});
            t.push_back({p + "attn_output.weight", {nq, s.nEmbd}});
        }
        if (s.biases) {
            t.push_back({p + "attn_q.bias", {nq}});
            t.push_back({p + "attn_k.bias", {nkv}});
            t.push_back({p + "attn_v.bias", {nkv}});
            if (s.arch == Arch::Llama) t.push_back({p + "attn_output.bias", {s.nEmbd}});
        }
        if (s.arch == Arch::Qwen3 || s.arch == Arch::Gemma3 || s.arch == Arch::Qwen3Moe) {
            t.push_back({p + "attn_q_norm.weight", {hd}});
            t.push_back({p + "attn_k_norm.weight", {hd}});
        }
        if (s.arch == Arch::Olmoe) { // whole-vector norms (4.4)
            t.push_back({p + "attn_q_norm.weight", {nq}});
            t.push_back({p + "attn_k_norm.weight", {nkv}});
        }
        if (s.arch == Arch::Gemma3) {
            t.push_back({p + "post_attention_norm.weight", {s.nEmbd}});
            t.push_back({p + "post_ffw_norm.weight", {s.nEmbd}});
        }
        const bool moe = s.nExpert > 0 && il >= s.nLeadingDense;
        if (!moe) {
            t.push_back({p + "ffn_gate.weight", {s.nEmbd, s.nFf}});
            t.push_back({p + "ffn_up.weight", {s.nEmbd, s.nFf}});
            t.push_back({p + "ffn_down.weight", {s.nFf, s.nEmbd}});
            continue;
        }
        const int64_t ff = s.arch == Arch::Llama || s.arch == Arch::Olmoe ? s.nFf : s.nFfExp;
        t.push_back({p + "ffn_gate_inp.weight", {s.nEmbd, s.nExpert}});
        t.push_back({p + "ffn_gate_exps.weight", {s.nEmbd, ff, s.nExpert}});
        t.push_back({p + "ffn_up_exps.weight", {s.nEmbd, ff, s.nExpert}});
        t.push_back({p + "ffn_down_exps.weight", {ff, s.nEmbd, s.nExpert}});
        if (s.expProbsBias) t.push_back({p + "exp_probs_b.bias", {s.nExpert}});
        const int64_t shared = deepseek                   ? s.nFfExp * s.nExpertShared
                               : s.arch == Arch::Qwen2Moe ? s.nFfShexp
                                                          : 0;
        if (shared > 0) {
            t.push_back({p + "ffn_gate_shexp.weight", {s.nEmbd, shared}});
            t.push_back({p + "ffn_up_shexp.weight", {s.nEmbd, shared}});
            t.push_back({p + "ffn_down_shexp.weight", {shared, s.nEmbd}});
        }
        if (s.arch == Arch::Qwen2Moe) t.push_back({p + "ffn_gate_inp_shexp.weight", {s.nEmbd}});
    }
    return t;
}

// Tensors llama-quantize never quantizes (ENGINE_FACTS 2.4): 1-D ones and the routers.
inline bool staysF32(const std::string& name, const std::vector<int64_t>& ne) {
    return ne.size() < 2 || name.find("ffn_gate_inp") != std::string::npos;
}

// Token texts of the tokenizer flavours (ENGINE_FACTS 5.5, 6).
inline const std::string kFw = "\xef\xbd\x9c";  // "｜" U+FF5C
inline const std::string kSep = "\xe2\x96\x81"; // "▁" U+2581
inline std::string deepseekBos() {
    return "<" + kFw + "begin" + kSep + "of" + kSep + "sentence" + kFw + ">";
}
inline std::string deepseekEos() {
    return "<" + kFw + "end" + kSep + "of" + kSep + "sentence" + kFw + ">";
}
inline bool isDeepSeek(const SynthSpec& s) {
    return s.arch == Arch::DeepSeek || s.arch == Arch::DeepSeek2;
}
inline bool isSpm(const SynthSpec& s) {
    return s.arch == Arch::Llama || s.arch == Arch::Gemma3;
}
inline std::string bosText(const SynthSpec& s) {
    if (isDeepSeek(s)) return deepseekBos();
    return s.arch == Arch::Gemma3 ? "<bos>" : s.arch == Arch::Llama ? "<s>" : "<|endoftext|>";
}
inline std::string eosText(const SynthSpec& s) {
    if (isDeepSeek(s)) return deepseekEos();
    if (s.arch == Arch::Olmoe) return "<|endoftext|>";
    return s.arch == Arch::Gemma3 ? "<eos>" : s.arch == Arch::Llama ? "</s>" : "<|im_end|>";
}
inline std::string preName(const SynthSpec& s) {
    if (isSpm(s)) return "";
    if (s.deepseekV3Tokenizer) return "deepseek-v3";
    if (isDeepSeek(s)) return "deepseek-llm";
    return s.arch == Arch::Olmoe ? "olmo" : "qwen2";
}
// A text every rendered conversation of the flavour's chat template contains per turn.
inline std::string turnMarker(const SynthSpec& s) {
    if (s.deepseekV3Tokenizer) return "<" + kFw + "User" + kFw + ">";
    if (isDeepSeek(s)) return "User: ";
    if (s.arch == Arch::Olmoe) return "<|user|>";
    return s.arch == Arch::Gemma3  ? "<start_of_turn>"
           : s.arch == Arch::Llama ? "<|start_header_id|>"
                                   : "<|im_start|>";
}

} // namespace dw::synthtest
