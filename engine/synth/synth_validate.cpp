// Architecture names, spec validation (every field named with its value and limit) and the
// storage type of a row length (the quantizer's fallback rule).
#include "deepwell/error.h"
#include "quant/model_quantizer.h"
#include "synth/synth_internal.h"

#include <cmath>
#include <string>

namespace dw::synth {

namespace detail {

void badSpec(const std::string& msg) {
    throw Error(ErrorCode::InvalidArgument, "synth: " + msg);
}

void checkRange(const char* field, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
        badSpec(std::string(field) + " = " + std::to_string(v) + " is outside " +
                std::to_string(lo) + ".." + std::to_string(hi));
    }
}

} // namespace detail

using detail::badSpec;
using detail::checkRange;

namespace {

constexpr Arch kArchs[] = {Arch::Llama,  Arch::Qwen2,    Arch::Qwen3,
                           Arch::Gemma3, Arch::Qwen2Moe, Arch::Qwen3Moe,
                           Arch::Olmoe,  Arch::DeepSeek, Arch::DeepSeek2};

std::string str(int64_t v) {
    return std::to_string(v);
}

// A field only some architectures write must be left at its default by the others.
void onlyFor(bool allowed, bool set, const char* field, const char* archs, Arch a) {
    if (set && !allowed) {
        badSpec(std::string(field) + " is only written for " + archs + ", not " + archName(a));
    }
}

void validateExperts(const SynthSpec& s) {
    const Arch a = s.arch;
    const bool deepseek = a == Arch::DeepSeek || a == Arch::DeepSeek2;
    onlyFor(a == Arch::Llama || isMoeArch(a), s.nExpert != 0, "nExpert",
            "llama and the MoE architectures", a);
    if (isMoeArch(a) && s.nExpert == 0) {
        badSpec(std::string("nExpert = 0: ") + archName(a) + " needs experts (expert_count)");
    }
    onlyFor(deepseek, s.nLeadingDense != 0, "nLeadingDense", "deepseek and deepseek2", a);
    onlyFor(deepseek, s.nExpertShared != 0, "nExpertShared", "deepseek and deepseek2", a);
    onlyFor(deepseek, s.expertWeightsScale != 0, "expertWeightsScale", "deepseek and deepseek2", a);
    onlyFor(a == Arch::Qwen2Moe, s.nFfShexp != 0, "nFfShexp", "qwen2moe", a);
    const bool usesFfExp = deepseek || a == Arch::Qwen2Moe || a == Arch::Qwen3Moe;
    onlyFor(usesFfExp, s.nFfExp != 0, "nFfExp (llama and olmoe experts are nFf wide)",
            "qwen2moe, qwen3moe, deepseek and deepseek2", a);
    onlyFor(a == Arch::DeepSeek2, s.gatingFunc != 0, "gatingFunc", "deepseek2", a);
    onlyFor(a == Arch::DeepSeek2, s.expProbsBias, "expProbsBias", "deepseek2", a);
    onlyFor(a == Arch::DeepSeek2, s.nExpertGroup != 0, "nExpertGroup", "deepseek2", a);
    onlyFor(a == Arch::DeepSeek2, s.expertWeightsNorm, "expertWeightsNorm", "deepseek2", a);
    if (s.nExpert == 0) return;
    checkRange("nExpert", s.nExpert, 1, 4096);
    checkRange("nExpertUsed", s.nExpertUsed, 1, s.nExpert);
    checkRange("nLeadingDense", s.nLeadingDense, 0, s.nLayer - 1);
    checkRange("nExpertShared", s.nExpertShared, 0, 64);
    if (usesFfExp) checkRange("nFfExp", s.nFfExp, 1, 1 << 20);
    if (a == Arch::Qwen2Moe) checkRange("nFfShexp", s.nFfShexp, 1, 1 << 20);
    if (!(s.expertWeightsScale >= 0.0f && std::isfinite(s.expertWeightsScale))) {
        badSpec("expertWeightsScale must be finite and >= 0");
    }
    if (s.gatingFunc != 0 && s.gatingFunc != 1 && s.gatingFunc != 2 && s.gatingFunc != 4) {
        badSpec("gatingFunc = " + str(s.gatingFunc) +
                " is not 0 (absent), 1 (softmax), 2 (sigmoid) or 4 (sqrt-softplus)");
    }
    checkRange("nExpertGroup", s.nExpertGroup, 0, s.nExpert);
    if (s.nExpertGroup > 1) {
        if (s.nExpert % s.nExpertGroup != 0) {
            badSpec("nExpert = " + str(s.nExpert) +
                    " is not a multiple of nExpertGroup = " + str(s.nExpertGroup));
        }
        checkRange("nExpertGroupUsed", s.nExpertGroupUsed, 1, s.nExpertGroup);
        const int64_t reachable = s.nExpertGroupUsed * (s.nExpert / s.nExpertGroup);
        if (s.nExpertUsed > reachable) {
            badSpec("nExpertUsed = " + str(s.nExpertUsed) + " exceeds the " + str(reachable) +
                    " experts of the nExpertGroupUsed best groups");
        }
    } else {
        // 1/1 is what V2-Lite files carry (no grouping); 0 writes no group keys at all.
        checkRange("nExpertGroupUsed", s.nExpertGroupUsed, s.nExpertGroup, s.nExpertGroup);
    }
}

void validateMla(const SynthSpec& s) {
    const bool mla = s.arch == Arch::DeepSeek2;
    const bool any = s.qLoraRank || s.kvLoraRank || s.qkNopeDim || s.qkRopeDim || s.vHeadDim;
    onlyFor(mla, any, "qLoraRank/kvLoraRank/qkNopeDim/qkRopeDim/vHeadDim", "deepseek2", s.arch);
    onlyFor(mla, s.deepseekV3Tokenizer, "deepseekV3Tokenizer", "deepseek2", s.arch);
    if (!mla) return;
    checkRange("qLoraRank", s.qLoraRank, 0, 65536);
    checkRange("kvLoraRank", s.kvLoraRank, 1, 65536);
    checkRange("qkNopeDim", s.qkNopeDim, 1, 4096);
    checkRange("qkRopeDim", s.qkRopeDim, 2, 4096);
    checkRange("vHeadDim", s.vHeadDim, 1, 4096);
    if (s.qkRopeDim % 2 != 0) badSpec("qkRopeDim must be even (RoPE rotates pairs)");
}

void validateRope(const SynthSpec& s) {
    if (!(s.ropeBase > 1.0f) || !(s.ropeBaseSwa > 1.0f))
        badSpec("ropeBase and ropeBaseSwa must be > 1");
    if (!(s.ropeScaleLinear >= 0.0f)) badSpec("ropeScaleLinear must be >= 0");
    if (!(s.ropeYarnFactor >= 0.0f && std::isfinite(s.ropeYarnFactor)))
        badSpec("ropeYarnFactor must be finite and >= 0");
    if (s.ropeYarnFactor > 0 && s.ropeScaleLinear > 0) {
        badSpec("ropeYarnFactor and ropeScaleLinear exclude each other (one rope.scaling.type)");
    }
    if (s.ropeYarnFactor > 0) {
        checkRange("ropeYarnOrigCtx", s.ropeYarnOrigCtx, 1, s.nCtxTrain);
    } else if (s.ropeYarnOrigCtx != 0 || s.yarnLogMultiplier != 0) {
        badSpec("ropeYarnOrigCtx and yarnLogMultiplier need ropeYarnFactor > 0");
    }
    onlyFor(s.arch == Arch::DeepSeek2, s.yarnLogMultiplier != 0, "yarnLogMultiplier", "deepseek2",
            s.arch);
    if (!(s.yarnLogMultiplier >= 0.0f && std::isfinite(s.yarnLogMultiplier)))
        badSpec("yarnLogMultiplier must be finite and >= 0");
}

} // namespace

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

bool archFromName(std::string_view name, Arch& out) {
    for (Arch a : kArchs) {
        if (name == archName(a)) {
            out = a;
            return true;
        }
    }
    return false;
}

bool isMoeArch(Arch a) {
    return a == Arch::Qwen2Moe || a == Arch::Qwen3Moe || a == Arch::Olmoe || a == Arch::DeepSeek ||
           a == Arch::DeepSeek2;
}

void validate(const SynthSpec& s) {
    checkRange("nLayer", s.nLayer, 1, 1024);
    checkRange("nEmbd", s.nEmbd, 2, 65536);
    checkRange("nHead", s.nHead, 1, 1024);
    if (s.arch != Arch::DeepSeek2) { // MLA has no KV heads or plain head dim
        checkRange("nHeadKv", s.nHeadKv, 1, s.nHead);
        if (s.nHead % s.nHeadKv != 0) {
            badSpec("nHead = " + str(s.nHead) +
                    " is not a multiple of nHeadKv = " + str(s.nHeadKv));
        }
        if (s.headDim == 0 && s.nEmbd % s.nHead != 0) {
            badSpec("headDim = 0 needs nEmbd (" + str(s.nEmbd) + ") to be a multiple of nHead (" +
                    str(s.nHead) + ")");
        }
        checkRange("headDim", s.headDimOrDefault(), 2, 4096);
        if (s.headDimOrDefault() % 2 != 0) badSpec("headDim must be even (RoPE rotates pairs)");
    }
    checkRange("nFf", s.nFf, 1, 1 << 20);
    checkRange("nCtxTrain", s.nCtxTrain, 1, int64_t(1) << 32);
    checkRange("slidingWindow", s.slidingWindow, 0, int64_t(1) << 32);
    checkRange("swaPattern", s.swaPattern, 1, 1024);
    validateRope(s);
    if (!(s.rmsEps > 0.0f && s.rmsEps < 1.0f)) badSpec("rmsEps must be in (0, 1)");
    if (!(s.initScale > 0.0f && std::isfinite(s.initScale))) badSpec("initScale must be > 0");
    if (!(s.finalLogitSoftcap >= 0.0f)) badSpec("finalLogitSoftcap must be >= 0");
    const Arch a = s.arch;
    onlyFor(a == Arch::Llama || a == Arch::Qwen2 || a == Arch::Qwen2Moe, s.biases, "biases",
            "llama, qwen2 and qwen2moe", a);
    onlyFor(a == Arch::Llama, s.ropeFreqs, "ropeFreqs", "llama", a);
    // llama.cpp requires output.weight for these two (ENGINE_FACTS 4.0 "Final").
    onlyFor(a != Arch::Qwen2Moe && a != Arch::Olmoe, s.tiedEmbeddings,
            "tiedEmbeddings (qwen2moe and olmoe files must have output.weight)",
            "the other architectures", a);
    onlyFor(a == Arch::Gemma3, s.slidingWindow > 0 || s.finalLogitSoftcap > 0,
            "slidingWindow and finalLogitSoftcap", "gemma3", a);
    validateExperts(s);
    validateMla(s);
    (void)synthVocab(s); // checks nVocab
    for (const detail::TensorPlan& t : detail::planTensors(s)) (void)detail::tensorType(s, t);
}

// The quantizer's own rule (the same fallbacks `deepwell-cli quantize` applies).
DType storageType(DType wanted, int64_t ne0, bool isOutput) { return quant::fallbackType(wanted, ne0, isOutput); }

} // namespace dw::synth
