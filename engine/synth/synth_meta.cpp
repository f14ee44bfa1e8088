// Metadata of synthetic models: the hyper-parameter keys each architecture's converter
// writes (ENGINE_FACTS 3.2, 4.1-4.7) and the tokenizer keys (3.3).
#include "synth/synth_internal.h"

namespace dw::synth::detail {
namespace {

using gguf::Value;
using gguf::ValueType;

Value u32(int64_t v) {
    return Value::integer(ValueType::U32, v);
}
Value f32(double v) {
    return Value::floating(ValueType::F32, v);
}

void setAttentionShape(gguf::Writer& w, const SynthSpec& s, const std::string& a) {
    if (s.arch == Arch::DeepSeek2) {
        const bool split = s.mlaLayout == MlaLayout::Split;
        // Split files describe the cache row (MQA over [latent | rope key]); legacy ones the
        // decompressed heads (ENGINE_FACTS 4.6 keys).
        w.set(a + "attention.head_count_kv", u32(split ? 1 : s.nHead));
        w.set(a + "attention.key_length", u32(split ? s.kvLoraRank + s.qkRopeDim : mlaQkDim(s)));
        w.set(a + "attention.value_length", u32(split ? s.kvLoraRank : s.vHeadDim));
        if (split) {
            w.set(a + "attention.key_length_mla", u32(mlaQkDim(s)));
            w.set(a + "attention.value_length_mla", u32(s.vHeadDim));
        }
        if (s.qLoraRank > 0) w.set(a + "attention.q_lora_rank", u32(s.qLoraRank));
        w.set(a + "attention.kv_lora_rank", u32(s.kvLoraRank));
        return;
    }
    w.set(a + "attention.head_count_kv", u32(s.nHeadKv));
    const int64_t hd = s.headDimOrDefault();
    const bool explicitHd =
        s.arch == Arch::Qwen3 || s.arch == Arch::Gemma3 || s.arch == Arch::Qwen3Moe;
    if (explicitHd || hd * s.nHead != s.nEmbd) {
        w.set(a + "attention.key_length", u32(hd));
        w.set(a + "attention.value_length", u32(hd));
    }
}

void setExperts(gguf::Writer& w, const SynthSpec& s, const std::string& a) {
    if (!s.hasExperts()) return;
    w.set(a + "expert_count", u32(s.nExpert));
    w.set(a + "expert_used_count", u32(s.nExpertUsed));
    const bool deepseek = s.arch == Arch::DeepSeek || s.arch == Arch::DeepSeek2;
    if (deepseek || s.arch == Arch::Qwen2Moe || s.arch == Arch::Qwen3Moe) {
        w.set(a + "expert_feed_forward_length", u32(s.nFfExp));
    }
    if (s.arch == Arch::Qwen2Moe) w.set(a + "expert_shared_feed_forward_length", u32(s.nFfShexp));
    if (deepseek) {
        w.set(a + "leading_dense_block_count", u32(s.nLeadingDense));
        w.set(a + "expert_shared_count", u32(s.nExpertShared));
        if (s.expertWeightsScale > 0) w.set(a + "expert_weights_scale", f32(s.expertWeightsScale));
    }
    if (s.arch != Arch::DeepSeek2) return;
    if (s.expertWeightsNorm) w.set(a + "expert_weights_norm", Value::boolean(true));
    if (s.gatingFunc != 0) w.set(a + "expert_gating_func", u32(s.gatingFunc));
    if (s.nExpertGroup > 0) {
        w.set(a + "expert_group_count", u32(s.nExpertGroup));
        w.set(a + "expert_group_used_count", u32(s.nExpertGroupUsed));
    }
}

void setRope(gguf::Writer& w, const SynthSpec& s, const std::string& a) {
    w.set(a + "rope.freq_base", f32(s.ropeBase));
    if (s.arch == Arch::Llama || s.arch == Arch::DeepSeek) {
        w.set(a + "rope.dimension_count", u32(s.headDimOrDefault()));
    } else if (s.arch == Arch::DeepSeek2) {
        w.set(a + "rope.dimension_count", u32(s.qkRopeDim));
    }
    if (s.ropeScaleLinear > 0) {
        w.set(a + "rope.scaling.type", Value::string("linear"));
        w.set(a + "rope.scaling.factor", f32(s.ropeScaleLinear));
    }
    if (s.ropeYarnFactor > 0) {
        w.set(a + "rope.scaling.type", Value::string("yarn"));
        w.set(a + "rope.scaling.factor", f32(s.ropeYarnFactor));
        w.set(a + "rope.scaling.original_context_length", u32(s.ropeYarnOrigCtx));
        if (s.yarnLogMultiplier > 0) {
            w.set(a + "rope.scaling.yarn_log_multiplier", f32(s.yarnLogMultiplier));
        }
    }
}

} // namespace

void setHyperParams(gguf::Writer& w, const SynthSpec& s) {
    const std::string a = std::string(archName(s.arch)) + ".";
    w.set(a + "context_length", u32(s.nCtxTrain));
    w.set(a + "embedding_length", u32(s.nEmbd));
    w.set(a + "block_count", u32(s.nLayer));
    w.set(a + "feed_forward_length", u32(s.nFf));
    w.set(a + "attention.head_count", u32(s.nHead));
    setAttentionShape(w, s, a);
    w.set(a + "attention.layer_norm_rms_epsilon", f32(s.rmsEps));
    setRope(w, s, a);
    if (s.arch == Arch::Llama || s.arch == Arch::DeepSeek || s.arch == Arch::DeepSeek2) {
        w.set(a + "vocab_size", u32(s.nVocab));
    }
    setExperts(w, s, a);
    if (s.arch == Arch::Gemma3) {
        if (s.slidingWindow > 0) w.set(a + "attention.sliding_window", u32(s.slidingWindow));
        w.set(a + "rope.freq_base_swa", f32(s.ropeBaseSwa));
        // Real files omit the pattern key (llama.cpp's default is 6); write it only when needed.
        if (s.swaPattern != 6) w.set(a + "attention.sliding_window_pattern", u32(s.swaPattern));
        if (s.finalLogitSoftcap > 0) w.set(a + "final_logit_softcapping", f32(s.finalLogitSoftcap));
    }
}

void setTokenizer(gguf::Writer& w, const SynthVocab& v) {
    w.set("tokenizer.ggml.model", Value::string(v.model));
    if (!v.pre.empty()) w.set("tokenizer.ggml.pre", Value::string(v.pre));
    w.set("tokenizer.ggml.tokens", Value::stringArray(v.tokens));
    if (!v.scores.empty()) {
        w.set("tokenizer.ggml.scores",
              Value::floatArray(ValueType::F32,
                                std::vector<double>(v.scores.begin(), v.scores.end())));
    }
    w.set("tokenizer.ggml.token_type",
          Value::intArray(ValueType::I32, std::vector<int64_t>(v.types.begin(), v.types.end())));
    if (!v.merges.empty()) w.set("tokenizer.ggml.merges", Value::stringArray(v.merges));
    if (v.bos >= 0) w.set("tokenizer.ggml.bos_token_id", u32(v.bos));
    if (v.eos >= 0) w.set("tokenizer.ggml.eos_token_id", u32(v.eos));
    if (v.unk >= 0) w.set("tokenizer.ggml.unknown_token_id", u32(v.unk));
    if (v.pad >= 0) w.set("tokenizer.ggml.padding_token_id", u32(v.pad));
    if (v.eot >= 0) w.set("tokenizer.ggml.eot_token_id", u32(v.eot));
    w.set("tokenizer.ggml.add_bos_token", Value::boolean(v.addBos));
    w.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
    if (v.model == "llama")
        w.set("tokenizer.ggml.add_space_prefix", Value::boolean(v.addSpacePrefix));
    w.set("tokenizer.chat_template", Value::string(v.chatTemplate));
}

uint32_t fileType(DType t) {
    switch (t) {
    case DType::F32:
        return 0;
    case DType::F16:
        return 1;
    case DType::Q4_0:
        return 2;
    case DType::Q4_1:
        return 3;
    case DType::Q8_0:
        return 7;
    case DType::Q5_0:
        return 8;
    case DType::Q5_1:
        return 9;
    case DType::Q2_K:
        return 10;
    case DType::Q3_K:
        return 12;
    case DType::Q4_K:
        return 15;
    case DType::Q5_K:
        return 17;
    case DType::Q6_K:
        return 18;
    case DType::IQ4_NL:
        return 25;
    case DType::IQ4_XS:
        return 30;
    case DType::BF16:
        return 32;
    case DType::TQ1_0:
        return 36;
    case DType::TQ2_0:
        return 37;
    default:
        return 1024; // guessed
    }
}

} // namespace dw::synth::detail
