#include "model/hparams.h"

#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "model/arch.h"
#include "model/hparams_keys.h"

#include <cmath>

namespace dw::model {

HParams readHParams(const gguf::File& file, int64_t nVocab) {
    const auto archStr = file.getString("general.architecture");
    if (!archStr)
        throw Error(ErrorCode::Format, file.path() + ": key 'general.architecture' is missing");
    const auto info = findArch(*archStr);
    if (!info)
        throw Error(ErrorCode::Unsupported,
                    file.path() + ": architecture '" + *archStr +
                        "' is not supported (supported: llama, qwen2, qwen3, gemma3)");
    HParams hp;
    hp.arch = info->arch;
    hp.archName = *archStr;
    KeyReader r(file, *archStr);

    hp.nVocab = nVocab;
    hp.nEmbd = r.requiredInt("embedding_length");
    hp.nLayer = int(r.requiredInt("block_count"));
    hp.nCtxTrain = r.optInt("context_length", 4096);
    const auto heads = r.perLayer("attention.head_count", hp.nLayer, std::nullopt);
    const auto headsKv = r.perLayer("attention.head_count_kv", hp.nLayer, heads[0]);
    const auto ff = r.perLayer("feed_forward_length", hp.nLayer, std::nullopt);
    for (int i = 0; i < hp.nLayer; ++i) {
        if (heads[size_t(i)] == 0 || headsKv[size_t(i)] == 0 || heads[size_t(i)] % headsKv[size_t(i)] != 0)
            throw Error(ErrorCode::Format,
                        file.path() + ": layer " + std::to_string(i) + " has " +
                            std::to_string(heads[size_t(i)]) + " query heads and " +
                            std::to_string(headsKv[size_t(i)]) +
                            " KV heads; the query heads must be a non-zero multiple of the KV heads");
        hp.nHead.push_back(int(heads[size_t(i)]));
        hp.nHeadKv.push_back(int(headsKv[size_t(i)]));
        hp.nFf.push_back(ff[size_t(i)]);
    }
    hp.headDimK = int(r.optInt("attention.key_length", hp.nEmbd / hp.nHead[0]));
    hp.headDimV = int(r.optInt("attention.value_length", hp.nEmbd / hp.nHead[0]));
    hp.rmsEps = r.optFloat("attention.layer_norm_rms_epsilon", 1e-5f);
    hp.nRot = int(r.optInt("rope.dimension_count", hp.headDimK));
    if (hp.nRot <= 0 || hp.nRot > hp.headDimK || hp.nRot % 2 != 0)
        throw Error(ErrorCode::Format, file.path() + ": rope.dimension_count " +
                                           std::to_string(hp.nRot) +
                                           " must be even and at most the head size " +
                                           std::to_string(hp.headDimK));
    hp.ropeBase = r.optFloat("rope.freq_base", 10000.0f);
    hp.ropeBaseSwa = r.optFloat("rope.freq_base_swa", 10000.0f);
    float factor = r.optFloat("rope.scaling.factor", 0.0f);
    if (factor == 0.0f) factor = r.optFloat("rope.scale_linear", 0.0f);
    hp.ropeFactor = factor > 0.0f ? factor : 1.0f;
    hp.ropeScalingType = r.optString("rope.scaling.type", hp.ropeFactor != 1.0f ? "linear" : "none");
    if (hp.ropeScalingType != "none" && hp.ropeScalingType != "linear" && hp.ropeScalingType != "yarn")
        throw Error(ErrorCode::Unsupported, file.path() + ": rope scaling '" + hp.ropeScalingType +
                                                "' is not supported (none, linear, yarn)");
    hp.ropeCtxOrig = r.optInt("rope.scaling.original_context_length", hp.nCtxTrain);
    hp.finalSoftcap = r.optFloat("final_logit_softcapping", 0.0f);
    hp.attnSoftcap = r.optFloat("attn_logit_softcapping", 0.0f);
    hp.embedScale = info->embedScale;

    hp.layerIsSwa.assign(size_t(hp.nLayer), false);
    hp.slidingWindow = int(r.optInt("attention.sliding_window", 0));
    if (info->swaPattern && hp.slidingWindow > 0) {
        // gemma3: layer il is global iff il % P == P - 1 (ENGINE_FACTS 4.5). An array-typed
        // pattern key is ignored, as llama.cpp does.
        int64_t period = 6;
        if (const gguf::Value* v = file.find(*archStr + ".attention.sliding_window_pattern"))
            if (!v->isArray()) period = v->toInt().value_or(6);
        if (period < 1) period = 1;
        for (int i = 0; i < hp.nLayer; ++i) hp.layerIsSwa[size_t(i)] = (i % period) != period - 1;
    }

    // Query scale: 1/sqrt(headDim); gemma3 uses query_pre_attn_scalar = headDim except the
    // 27B model (62 layers), which uses nEmbd / nHead (ENGINE_FACTS 4.5).
    double scalar = hp.headDimK;
    if (hp.arch == Arch::Gemma3 && hp.nLayer == 62) scalar = double(hp.nEmbd) / hp.nHead[0];
    hp.attnScale = static_cast<float>(1.0 / std::sqrt(scalar));
    hp.qkNormWhole = info->qkNormWhole;
    hp.ropeAttnFactor = r.optFloat("rope.scaling.attn_factor", 1.0f);
    readMoeParams(r, *info, hp);
    if (info->mla) readMlaParams(r, hp);
    return hp;
}

} // namespace dw::model
