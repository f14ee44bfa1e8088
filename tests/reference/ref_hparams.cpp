// Hyper-parameters of the reference model, read as ENGINE_FACTS 3.2 and 4.1-4.7 describe
// (keys, defaults and the per-architecture rules llama.cpp applies).
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "ref_read.h"

#include <cmath>
#include <string>

namespace dw::ref {

namespace detail {

std::string num(int64_t v) {
    return std::to_string(v);
}

void formatError(const std::string& msg) {
    throw Error(ErrorCode::Format, "reference: " + msg);
}

std::optional<int64_t> uniformInt(const gguf::File& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (!v) return std::nullopt;
    if (!v->isArray()) return f.getInt(key);
    const auto arr = v->toIntArray();
    if (!arr || arr->empty()) formatError("key '" + key + "' is not an integer or integer array");
    for (int64_t x : *arr) {
        if (x != arr->front()) {
            throw Error(ErrorCode::Unsupported, "reference: per-layer values of '" + key +
                                                    "' differ; only uniform layers are supported");
        }
    }
    return arr->front();
}

int64_t requiredInt(const gguf::File& f, const std::string& key) {
    const auto v = uniformInt(f, key);
    if (!v) formatError("required key '" + key + "' is missing");
    return *v;
}

void requirePositive(const std::string& what, int64_t v, int64_t limit) {
    if (v <= 0 || v > limit) formatError(what + " = " + num(v) + " is outside 1.." + num(limit));
}

namespace {

constexpr Arch kArchs[] = {Arch::Llama,  Arch::Qwen2,    Arch::Qwen3,
                           Arch::Gemma3, Arch::Qwen2Moe, Arch::Qwen3Moe,
                           Arch::Olmoe,  Arch::DeepSeek, Arch::DeepSeek2};

// expert_count, expert_used_count and the expert widths (4.1, 4.3, 4.4, 4.6, 4.7).
void readExperts(const gguf::File& f, const std::string& a, HParams& hp, bool required) {
    const auto n = uniformInt(f, a + "expert_count");
    if (!n && !required) return;
    hp.nExpert = requiredInt(f, a + "expert_count");
    requirePositive(a + "expert_count", hp.nExpert, 4096);
    hp.nExpertUsed = requiredInt(f, a + "expert_used_count");
    requirePositive(a + "expert_used_count", hp.nExpertUsed, hp.nExpert);
    hp.router.nUsed = hp.nExpertUsed;
    switch (hp.arch) {
    case Arch::Llama: // Mixtral: experts are feed_forward_length wide
    case Arch::Olmoe:
        hp.nFfExp = hp.nFf;
        break;
    case Arch::Qwen2Moe:
    case Arch::Qwen3Moe: // absent: feed_forward_length / expert_used_count
        hp.nFfExp =
            uniformInt(f, a + "expert_feed_forward_length").value_or(hp.nFf / hp.nExpertUsed);
        break;
    default:
        hp.nFfExp = requiredInt(f, a + "expert_feed_forward_length");
        break;
    }
    requirePositive(a + "expert_feed_forward_length", hp.nFfExp);
    if (hp.arch == Arch::Qwen2Moe) {
        hp.nFfShexp = uniformInt(f, a + "expert_shared_feed_forward_length").value_or(hp.nFf);
        requirePositive(a + "expert_shared_feed_forward_length", hp.nFfShexp);
        hp.sharedExpertGate = true;
    }
    if (hp.arch == Arch::DeepSeek || hp.arch == Arch::DeepSeek2) {
        hp.nLeadingDense = uniformInt(f, a + "leading_dense_block_count").value_or(0);
        if (hp.nLeadingDense < 0 || hp.nLeadingDense > hp.nLayer) {
            formatError(a + "leading_dense_block_count = " + num(hp.nLeadingDense) +
                        " is outside 0.." + num(hp.nLayer));
        }
        hp.nExpertShared = hp.arch == Arch::DeepSeek2
                               ? requiredInt(f, a + "expert_shared_count")
                               : uniformInt(f, a + "expert_shared_count").value_or(0);
        if (hp.nExpertShared < 0 || hp.nExpertShared > 64) {
            formatError(a + "expert_shared_count = " + num(hp.nExpertShared) + " is outside 0..64");
        }
        hp.nFfShexp = hp.nFfExp * hp.nExpertShared;
        // absent -> 0; 0 and 1 mean no scaling (route() applies the rule).
        hp.router.scale = f.getFloat(a + "expert_weights_scale").value_or(0.0);
    }
    // Renormalisation is hard-coded per arch except deepseek2 (ENGINE_FACTS 10.7).
    hp.router.normalize = hp.arch == Arch::Llama || hp.arch == Arch::Qwen3Moe;
}

// deepseek2's router keys: gating function, groups, expert_weights_norm (4.6).
void readDeepSeek2Router(const gguf::File& f, const std::string& a, HParams& hp) {
    hp.router.normalize = f.getBool(a + "expert_weights_norm").value_or(false);
    const int64_t g = f.getInt(a + "expert_gating_func").value_or(0);
    if (g == 0 || g == 1)
        hp.router.gating = Gating::Softmax; // absent: deepseek2's default
    else if (g == 2)
        hp.router.gating = Gating::Sigmoid;
    else if (g == 4)
        hp.router.gating = Gating::SqrtSoftplus;
    else
        throw Error(ErrorCode::Unsupported, "reference: " + a + "expert_gating_func = " + num(g) +
                                                " is not supported (1, 2 or 4)");
    hp.router.nGroup = f.getInt(a + "expert_group_count").value_or(1);
    hp.router.topkGroup = f.getInt(a + "expert_group_used_count").value_or(1);
    if (hp.router.nGroup > 1) { // grouping is used only when n_group > 1
        requirePositive(a + "expert_group_count", hp.router.nGroup, hp.nExpert);
        if (hp.nExpert % hp.router.nGroup != 0) {
            formatError(a + "expert_count = " + num(hp.nExpert) +
                        " is not a multiple of expert_group_count = " + num(hp.router.nGroup));
        }
        requirePositive(a + "expert_group_used_count", hp.router.topkGroup, hp.router.nGroup);
        if (hp.nExpertUsed > hp.router.topkGroup * (hp.nExpert / hp.router.nGroup)) {
            formatError(a + "expert_used_count = " + num(hp.nExpertUsed) +
                        " exceeds the experts of the expert_group_used_count best groups");
        }
    } else {
        hp.router.nGroup = 1;
        hp.router.topkGroup = 1;
    }
}

// MLA dims (4.6): the layout is decided by the keys, as llama.cpp does.
void readMla(const gguf::File& f, const std::string& a, HParams& hp) {
    hp.mla = true;
    const auto kMla = uniformInt(f, a + "attention.key_length_mla");
    const auto vMla = uniformInt(f, a + "attention.value_length_mla");
    hp.mlaSplit = kMla && vMla && *kMla > 0 && *vMla > 0;
    hp.kvLoraRank = requiredInt(f, a + "attention.kv_lora_rank");
    requirePositive(a + "attention.kv_lora_rank", hp.kvLoraRank, 65536);
    hp.qLoraRank = uniformInt(f, a + "attention.q_lora_rank").value_or(0);
    if (hp.qLoraRank < 0 || hp.qLoraRank > 65536) formatError(a + "attention.q_lora_rank < 0");
    if (hp.mlaSplit) {
        // key_length/value_length describe the cache row [latent | rope key] (576 / 512).
        const int64_t nRot = requiredInt(f, a + "rope.dimension_count");
        if (hp.headDimK != hp.kvLoraRank + nRot || hp.headDimV != hp.kvLoraRank) {
            formatError(a + "attention.key_length/value_length = " + num(hp.headDimK) + "/" +
                        num(hp.headDimV) + " do not match kv_lora_rank + rope = " +
                        num(hp.kvLoraRank + nRot) + " / kv_lora_rank = " + num(hp.kvLoraRank));
        }
        hp.headDimK = *kMla;
        hp.headDimV = *vMla;
    }
    requirePositive(a + "attention head dim (k)", hp.headDimK, 65536);
    requirePositive(a + "attention head dim (v)", hp.headDimV, 65536);
}

void readRope(const gguf::File& f, const std::string& a, HParams& hp) {
    hp.ropeBase = f.getFloat(a + "rope.freq_base").value_or(10000.0);
    const auto factor = f.getFloat(a + "rope.scaling.factor");
    const double s = factor ? *factor : f.getFloat(a + "rope.scale_linear").value_or(0.0);
    // As llama.cpp's loader: the factor applies whatever the type (type only switches YaRN
    // on), except type "none", which never scales.
    hp.ropeFactor = s == 0.0 ? 1.0 : s;
    if (!(hp.ropeFactor > 0)) formatError(a + "rope.scaling.factor must be > 0");
    const std::string type = f.getString(a + "rope.scaling.type").value_or("linear");
    if (type == "none") {
        hp.ropeScaling = RopeScaling::None;
        hp.ropeFactor = 1.0;
    } else if (type == "linear") {
        hp.ropeScaling = RopeScaling::Linear;
    } else if (type == "yarn") {
        hp.ropeScaling = RopeScaling::Yarn;
    } else {
        throw Error(ErrorCode::Unsupported,
                    "reference: " + a + "rope.scaling.type '" + type + "' is not supported");
    }
    const std::string logMulKey = a + "rope.scaling.yarn_log_multiplier";
    if (hp.arch == Arch::DeepSeek2) {
        hp.yarnLogMul = f.getFloat(logMulKey).value_or(0.0);
    } else if (hp.ropeScaling == RopeScaling::Yarn && f.find(logMulKey)) {
        throw Error(ErrorCode::Unsupported, "reference: " + logMulKey +
                                                " (DeepSeek-style YaRN magnitude) is supported "
                                                "for deepseek2 only");
    }
    hp.ropeCtxOrig = f.getInt(a + "rope.scaling.original_context_length").value_or(hp.nCtxTrain);
    hp.ropeAttnFactor = f.getFloat(a + "rope.scaling.attn_factor").value_or(1.0);
}

void readGemma3(const gguf::File& f, const std::string& a, HParams& hp) {
    hp.postNorms = true;
    hp.geluFfn = true;
    hp.embedScale = std::sqrt(static_cast<double>(hp.nEmbd));
    // query_pre_attn_scalar has no key: 1/sqrt(head dim), except Gemma 3 27B (62 blocks)
    // which uses 1/sqrt(n_embd / n_head).
    hp.queryScale = hp.nLayer == 62 ? 1.0 / std::sqrt(double(hp.nEmbd) / double(hp.nHead))
                                    : 1.0 / std::sqrt(static_cast<double>(hp.headDimK));
    hp.ropeBaseSwa = f.getFloat(a + "rope.freq_base_swa").value_or(10000.0);
    hp.slidingWindow = f.getInt(a + "attention.sliding_window").value_or(0);
    if (hp.slidingWindow < 0) formatError(a + "attention.sliding_window is negative");
    hp.swaPattern = 6;
    const gguf::Value* pat = f.find(a + "attention.sliding_window_pattern");
    if (pat && !pat->isArray())
        hp.swaPattern = f.getInt(a + "attention.sliding_window_pattern").value();
    requirePositive(a + "attention.sliding_window_pattern", hp.swaPattern, 4096);
    hp.finalSoftcap = f.getFloat(a + "final_logit_softcapping").value_or(0.0);
}

} // namespace

HParams readHParams(const gguf::File& f) {
    HParams hp;
    const auto archStr = f.getString("general.architecture");
    if (!archStr) formatError("required key 'general.architecture' is missing");
    bool known = false;
    for (Arch x : kArchs) {
        if (*archStr == archName(x)) {
            hp.arch = x;
            known = true;
        }
    }
    if (!known) {
        throw Error(ErrorCode::Unsupported,
                    "reference: architecture '" + *archStr +
                        "' is not supported (llama, qwen2, qwen3, gemma3, qwen2moe, qwen3moe, "
                        "olmoe, deepseek, deepseek2)");
    }
    const std::string a = *archStr + ".";
    hp.nCtxTrain = requiredInt(f, a + "context_length");
    hp.nEmbd = requiredInt(f, a + "embedding_length");
    hp.nLayer = requiredInt(f, a + "block_count");
    hp.nFf = requiredInt(f, a + "feed_forward_length");
    hp.nHead = requiredInt(f, a + "attention.head_count");
    hp.nHeadKv = uniformInt(f, a + "attention.head_count_kv").value_or(hp.nHead);
    requirePositive(a + "context_length", hp.nCtxTrain, int64_t(1) << 40);
    requirePositive(a + "embedding_length", hp.nEmbd);
    requirePositive(a + "block_count", hp.nLayer, 4096);
    requirePositive(a + "feed_forward_length", hp.nFf);
    requirePositive(a + "attention.head_count", hp.nHead, 4096);
    requirePositive(a + "attention.head_count_kv", hp.nHeadKv, hp.nHead);
    if (hp.nHead % hp.nHeadKv != 0) {
        formatError(a + "attention.head_count = " + num(hp.nHead) +
                    " is not a multiple of head_count_kv = " + num(hp.nHeadKv));
    }
    hp.headDimK = uniformInt(f, a + "attention.key_length").value_or(hp.nEmbd / hp.nHead);
    hp.headDimV = uniformInt(f, a + "attention.value_length").value_or(hp.nEmbd / hp.nHead);
    if (hp.arch == Arch::DeepSeek2) readMla(f, a, hp);
    requirePositive(a + "attention.key_length", hp.headDimK, 65536);
    requirePositive(a + "attention.value_length", hp.headDimV, 65536);
    hp.nRot = f.getInt(a + "rope.dimension_count").value_or(hp.headDimK);
    const int64_t maxRot = hp.mla ? hp.headDimK - 1 : hp.headDimK; // MLA needs a nope part
    if (hp.nRot <= 0 || hp.nRot > maxRot || hp.nRot % 2 != 0) {
        formatError(a + "rope.dimension_count = " + num(hp.nRot) + " must be even and within 2.." +
                    num(maxRot) + " (the head dim)");
    }
    hp.nopeDim = hp.mla ? hp.headDimK - hp.nRot : 0;
    const auto eps = f.getFloat(a + "attention.layer_norm_rms_epsilon");
    if (!eps) formatError("required key '" + a + "attention.layer_norm_rms_epsilon' is missing");
    if (!(*eps >= 0 && *eps < 1)) formatError(a + "attention.layer_norm_rms_epsilon out of [0, 1)");
    hp.rmsEps = *eps;
    readRope(f, a, hp);
    hp.queryScale = 1.0 / std::sqrt(static_cast<double>(hp.headDimK));

    // RoPE style (ENGINE_FACTS 4.0 table) and per-architecture switches.
    const bool neox = hp.arch == Arch::Qwen2 || hp.arch == Arch::Qwen3 || hp.arch == Arch::Gemma3 ||
                      hp.arch == Arch::Qwen2Moe || hp.arch == Arch::Qwen3Moe ||
                      hp.arch == Arch::Olmoe;
    hp.ropeStyle = neox ? RopeStyle::Neox : RopeStyle::Norm;
    hp.qkNorm = hp.arch == Arch::Qwen3 || hp.arch == Arch::Qwen3Moe || hp.arch == Arch::Gemma3;
    hp.qkNormWhole = hp.arch == Arch::Olmoe;
    if (hp.arch == Arch::Gemma3) readGemma3(f, a, hp);
    const bool moeArch = hp.arch == Arch::Qwen2Moe || hp.arch == Arch::Qwen3Moe ||
                         hp.arch == Arch::Olmoe || hp.arch == Arch::DeepSeek ||
                         hp.arch == Arch::DeepSeek2;
    if (moeArch || hp.arch == Arch::Llama) readExperts(f, a, hp, moeArch);
    if (hp.arch == Arch::DeepSeek2) {
        readDeepSeek2Router(f, a, hp);
        const DeepSeekScales sc = deepseekScales(hp.ropeFactor, hp.ropeScaling == RopeScaling::Yarn,
                                                 hp.yarnLogMul, hp.ropeAttnFactor, hp.headDimK);
        hp.ropeAttnFactor = sc.ropeAttnFactor;
        hp.queryScale = sc.kqScale;
    }
    return hp;
}

} // namespace detail

const char* archName(Arch a) {
    switch (a) {
    case Arch::Llama:
        return "llama";
    case Arch::Qwen2:
        return "qwen2";
    case Arch::Qwen3:
        return "qwen3";
    case Arch::Gemma3:
        return "gemma3";
    case Arch::Qwen2Moe:
        return "qwen2moe";
    case Arch::Qwen3Moe:
        return "qwen3moe";
    case Arch::Olmoe:
        return "olmoe";
    case Arch::DeepSeek:
        return "deepseek";
    case Arch::DeepSeek2:
        return "deepseek2";
    }
    return "?";
}

bool HParams::isSwaLayer(int64_t il) const {
    return arch == Arch::Gemma3 && slidingWindow > 0 && il % swaPattern != swaPattern - 1;
}

RopeParams HParams::ropeParams(int64_t il) const {
    RopeParams p;
    p.style = ropeStyle;
    p.nRot = nRot;
    p.freqFactors = ropeFreqs;
    p.attnFactor = ropeAttnFactor;
    if (isSwaLayer(il)) { // local layers: their own base, never scaled
        p.base = ropeBaseSwa;
        return p;
    }
    p.base = ropeBase;
    p.factor = ropeFactor;
    if (ropeScaling == RopeScaling::Yarn) {
        p.extFactor = 1.0;
        p.nCtxOrig = ropeCtxOrig;
    }
    return p;
}

} // namespace dw::ref
