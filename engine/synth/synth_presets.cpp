// Named SynthSpec presets: tiny models for tests (a reference forward over 16 tokens takes
// milliseconds) and two ~1 GB (F16) benchmark models with the shapes of real MoE models
// scaled down.
#include "deepwell/error.h"
#include "deepwell/synth.h"

namespace dw::synth {
namespace {

struct Preset {
    const char* name;
    const char* summary;
    bool benchmark;
    SynthSpec (*make)();
};

SynthSpec base(const char* name, Arch arch, int64_t nLayer, int64_t nHeadKv, int64_t nFf) {
    SynthSpec s;
    s.name = name;
    s.arch = arch;
    s.nLayer = nLayer;
    s.nEmbd = 64;
    s.nHead = 4;
    s.nHeadKv = nHeadKv;
    s.nFf = nFf;
    return s;
}

SynthSpec tinyLlama() {
    SynthSpec s = base("tiny-llama", Arch::Llama, 2, 2, 160); // GQA 2:1
    s.rmsEps = 1e-5f;
    return s;
}

SynthSpec tinyQwen2() {
    SynthSpec s = base("tiny-qwen2", Arch::Qwen2, 2, 2, 128);
    s.ropeBase = 1000000.0f;
    s.biases = true;
    s.tiedEmbeddings = true;
    return s;
}

SynthSpec tinyQwen3() {
    SynthSpec s = base("tiny-qwen3", Arch::Qwen3, 2, 2, 192);
    s.headDim = 32; // n_head * head_dim = 128 != n_embd, as in Qwen3-0.6B
    s.ropeBase = 1000000.0f;
    s.tiedEmbeddings = true;
    return s;
}

SynthSpec tinyGemma3() {
    SynthSpec s = base("tiny-gemma3", Arch::Gemma3, 4, 1, 256); // ffn_down rows: one K block
    s.headDim = 32;
    s.ropeBase = 1000000.0f;
    s.ropeBaseSwa = 10000.0f;
    s.slidingWindow = 4; // short, so a few tokens already cross it
    s.swaPattern = 3;    // layers 0, 1, 3 local; layer 2 global
    s.tiedEmbeddings = true;
    return s;
}

// Mixtral: llama with 4 experts of width feed_forward_length, top-2, softmax + renormalise.
SynthSpec tinyMixtral() {
    SynthSpec s = base("tiny-mixtral", Arch::Llama, 2, 2, 64);
    s.ropeBase = 1000000.0f;
    s.rmsEps = 1e-5f;
    s.nExpert = 4;
    s.nExpertUsed = 2;
    return s;
}

// Qwen1.5-MoE-like: biases, 8 experts top-4 (no renormalisation), a sigmoid-gated shared
// expert four times as wide as a routed one.
SynthSpec tinyQwen2Moe() {
    SynthSpec s = base("tiny-qwen2moe", Arch::Qwen2Moe, 2, 2, 128);
    s.ropeBase = 1000000.0f;
    s.biases = true;
    s.nExpert = 8;
    s.nExpertUsed = 4;
    s.nFfExp = 32;
    s.nFfShexp = 128;
    return s;
}

// Qwen3-30B-A3B-like: per-head q/k norms, head dim 32, 16 experts top-4, renormalised.
SynthSpec tinyQwen3Moe() {
    SynthSpec s = base("tiny-qwen3moe", Arch::Qwen3Moe, 2, 2, 192);
    s.headDim = 32;
    s.ropeBase = 1000000.0f;
    s.nExpert = 16;
    s.nExpertUsed = 4;
    s.nFfExp = 32;
    return s;
}

// OLMoE-like: q/k norms over the whole projection, 8 experts of width feed_forward_length.
SynthSpec tinyOlmoe() {
    SynthSpec s = base("tiny-olmoe", Arch::Olmoe, 2, 4, 32);
    s.rmsEps = 1e-5f;
    s.nExpert = 8;
    s.nExpertUsed = 2;
    return s;
}

// deepseek-moe-16b-like: one leading dense layer, 8 experts top-3, 2 shared, scale 1.
SynthSpec tinyDeepSeek() {
    SynthSpec s = base("tiny-deepseek", Arch::DeepSeek, 3, 4, 128);
    s.nExpert = 8;
    s.nExpertUsed = 3;
    s.nExpertShared = 2;
    s.nFfExp = 32;
    s.nLeadingDense = 1;
    s.expertWeightsScale = 1.0f; // the converter always writes 1.0
    return s;
}

// DeepSeek-V2-Lite-like: MLA without q compression (split layout), YaRN x4 with the Lite
// log multiplier, one leading dense layer, 8 experts top-2, 2 shared, softmax, scale 1.
SynthSpec tinyDeepSeek2() {
    SynthSpec s = base("tiny-deepseek2", Arch::DeepSeek2, 3, 1, 128);
    s.kvLoraRank = 32;
    s.qkNopeDim = 32;
    s.qkRopeDim = 16;
    s.vHeadDim = 32;
    s.nCtxTrain = 1024;
    s.ropeYarnFactor = 4.0f;
    s.ropeYarnOrigCtx = 256;
    s.yarnLogMultiplier = 0.0707f; // 0.1 * mscale_all_dim 0.707, as V2-Lite
    s.nExpert = 8;
    s.nExpertUsed = 2;
    s.nExpertShared = 2;
    s.nFfExp = 32;
    s.nLeadingDense = 1;
    s.gatingFunc = 1;
    s.expertWeightsScale = 1.0f;
    s.nExpertGroup = 1;
    s.nExpertGroupUsed = 1;
    return s;
}

SynthSpec tinyDeepSeek2Legacy() {
    SynthSpec s = tinyDeepSeek2();
    s.name = "tiny-deepseek2-legacy";
    s.mlaLayout = MlaLayout::Joint; // same seed, same values: the same model
    return s;
}

// DeepSeek-V3-like: q compression, sigmoid scores with a selection bias, 16 experts in 4
// groups (2 kept), top-4, renormalised, scaled by 2.5, one shared expert, YaRN x40.
SynthSpec tinyDeepSeek2V3() {
    SynthSpec s = tinyDeepSeek2();
    s.name = "tiny-deepseek2-v3";
    s.qLoraRank = 32;
    s.nCtxTrain = 2560;
    s.ropeYarnFactor = 40.0f;
    s.ropeYarnOrigCtx = 64;
    s.yarnLogMultiplier = 0.1f; // mscale_all_dim 1.0
    s.nExpert = 16;
    s.nExpertUsed = 4;
    s.nExpertShared = 1;
    s.gatingFunc = 2;
    s.expProbsBias = true;
    s.nExpertGroup = 4;
    s.nExpertGroupUsed = 2;
    s.expertWeightsNorm = true;
    s.expertWeightsScale = 2.5f;
    s.deepseekV3Tokenizer = true;
    return s;
}

// DeepSeek-V2-Lite scaled to ~1 GB at F16 (the real one: 27 layers, n_embd 2048, expert
// width 1408, dense 10944, vocab 102400). Kept as in Lite: 16 heads, MLA with kv_lora 512,
// nope 128, rope 64, v 128, no q compression; 64 experts, top-6, 2 shared, softmax, one
// leading dense layer, YaRN x40 from 4096 with log multiplier 0.0707. Scaled: 6 layers,
// n_embd 1024, expert width 352 (1408 / 4: like Lite, not a multiple of 256, so K-quant
// files fall back to Q5_0 there), dense width 2816, vocab 32000. Per MoE layer at F16:
// experts 138 MB + shared 4 MB + attention 16 MB; dense layer 33 MB; embeddings 2 x 66 MB.
SynthSpec deepseekV2LiteMini() {
    SynthSpec s = tinyDeepSeek2();
    s.name = "deepseek-v2-lite-mini";
    s.nLayer = 6;
    s.nEmbd = 1024;
    s.nHead = 16;
    s.kvLoraRank = 512;
    s.qkNopeDim = 128;
    s.qkRopeDim = 64;
    s.vHeadDim = 128;
    s.nFf = 2816;
    s.nFfExp = 352;
    s.nExpert = 64;
    s.nExpertUsed = 6;
    s.nExpertShared = 2;
    s.nVocab = 32000;
    s.nCtxTrain = 163840;
    s.ropeYarnFactor = 40.0f;
    s.ropeYarnOrigCtx = 4096;
    s.weightType = DType::F16;
    return s;
}

// Qwen3-30B-A3B scaled to ~1 GB at F16 (the real one: 48 layers, n_embd 2048, 32/4 heads
// of 128, expert width 768, vocab 151936). Kept: head dim 128, 128 experts, top-8,
// renormalised, per-head q/k norms, rope base 1e6, untied output. Scaled: 5 layers, n_embd
// 1024, 16/2 heads, expert width 192 (768 / 4), vocab 32000. Per layer at F16: experts
// 151 MB + attention 9.4 MB; embeddings 2 x 66 MB.
SynthSpec qwen3MoeMini() {
    SynthSpec s = tinyQwen3Moe();
    s.name = "qwen3-30b-a3b-mini";
    s.nLayer = 5;
    s.nEmbd = 1024;
    s.nHead = 16;
    s.nHeadKv = 2;
    s.headDim = 128;
    s.nFf = 3072;
    s.nFfExp = 192;
    s.nExpert = 128;
    s.nExpertUsed = 8;
    s.nVocab = 32000;
    s.nCtxTrain = 40960;
    s.weightType = DType::F16;
    return s;
}

constexpr Preset kPresets[] = {
    {"tiny-llama", "llama, 2 layers, n_embd 64, GQA 4/2", false, tinyLlama},
    {"tiny-qwen2", "qwen2, 2 layers, q/k/v biases, tied output", false, tinyQwen2},
    {"tiny-qwen3", "qwen3, 2 layers, head dim 32, q/k norms", false, tinyQwen3},
    {"tiny-gemma3", "gemma3, 4 layers, sliding window 4, pattern 3", false, tinyGemma3},
    {"tiny-mixtral", "llama with 4 experts, top-2 (Mixtral)", false, tinyMixtral},
    {"tiny-qwen2moe", "qwen2moe, 8 experts top-4, gated shared expert", false, tinyQwen2Moe},
    {"tiny-qwen3moe", "qwen3moe, 16 experts top-4", false, tinyQwen3Moe},
    {"tiny-olmoe", "olmoe, 8 experts top-2, whole-vector q/k norms", false, tinyOlmoe},
    {"tiny-deepseek", "deepseek (V1), 8 experts top-3, 2 shared, 1 dense layer", false,
     tinyDeepSeek},
    {"tiny-deepseek2", "deepseek2 V2-Lite-like: MLA (split), YaRN, 8 experts top-2", false,
     tinyDeepSeek2},
    {"tiny-deepseek2-legacy", "tiny-deepseek2 in the legacy attn_kv_b layout", false,
     tinyDeepSeek2Legacy},
    {"tiny-deepseek2-v3", "deepseek2 V3-like: q_lora, sigmoid + bias, 4 groups, scale 2.5", false,
     tinyDeepSeek2V3},
    {"deepseek-v2-lite-mini", "V2-Lite shapes, 6 layers, n_embd 1024, 64 experts top-6", true,
     deepseekV2LiteMini},
    {"qwen3-30b-a3b-mini", "Qwen3-30B-A3B shapes, 5 layers, n_embd 1024, 128 experts top-8", true,
     qwen3MoeMini},
};

} // namespace

SynthSpec synthPreset(std::string_view name) {
    for (const Preset& p : kPresets) {
        if (name == p.name) return p.make();
    }
    std::string known;
    for (const Preset& p : kPresets) known += std::string(known.empty() ? "" : ", ") + p.name;
    throw Error(ErrorCode::InvalidArgument,
                "synth: unknown preset '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<SynthPresetInfo> synthPresetInfos() {
    std::vector<SynthPresetInfo> out;
    for (const Preset& p : kPresets) out.push_back({p.name, p.summary, p.benchmark});
    return out;
}

std::vector<std::string> synthPresetNames() {
    std::vector<std::string> out;
    for (const Preset& p : kPresets) out.emplace_back(p.name);
    return out;
}

std::vector<std::string> synthTinyPresetNames() {
    std::vector<std::string> out;
    for (const Preset& p : kPresets) {
        if (!p.benchmark) out.emplace_back(p.name);
    }
    return out;
}

} // namespace dw::synth
