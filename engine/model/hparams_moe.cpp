// Mixture-of-Experts and latent-attention hyper-parameters (ENGINE_FACTS 3.2, 4.0-4.7).
#include "model/arch.h"
#include "model/hparams.h"
#include "model/hparams_keys.h"

#include <cmath>

namespace dw::model {

void readMoeParams(const KeyReader& r, const ArchInfo& arch, HParams& hp) {
    MoeParams& m = hp.moe;
    m.nExpert = int(r.optCount("expert_count", 0));
    if (m.nExpert == 0) return;
    m.nExpertUsed = int(r.optCount("expert_used_count", 0));
    if (m.nExpertUsed < 1 || m.nExpertUsed > m.nExpert)
        r.fail("expert_used_count", "is " + std::to_string(m.nExpertUsed) + "; it must lie in 1.." +
                                        std::to_string(m.nExpert) + " (expert_count)");
    switch (arch.expertWidth) {
    case ExpertWidth::ExpertKey:
        if (!r.has("expert_feed_forward_length")) r.fail("expert_feed_forward_length", "is missing");
        m.nFfExpert = r.optCount("expert_feed_forward_length", 0);
        break;
    case ExpertWidth::ExpertKeyOrFf:
        m.nFfExpert = r.optCount("expert_feed_forward_length", hp.nFf[0] / m.nExpertUsed);
        break;
    case ExpertWidth::Ff: m.nFfExpert = hp.nFf[0]; break;
    }
    if (m.nFfExpert < 1) r.fail("expert_feed_forward_length", "must be positive");
    m.nLeadingDense = int(r.optCount("leading_dense_block_count", 0));
    if (m.nLeadingDense > hp.nLayer)
        r.fail("leading_dense_block_count", "exceeds block_count (" + std::to_string(hp.nLayer) + ")");

    switch (arch.shared) {
    case SharedExpert::None: break;
    case SharedExpert::Deepseek:
        m.nExpertShared = int(r.optCount("expert_shared_count", 0));
        m.nFfShared = m.nFfExpert * m.nExpertShared;
        break;
    case SharedExpert::Gated:
        m.nFfShared = r.optCount("expert_shared_feed_forward_length", hp.nFf[0]);
        m.sharedGated = true;
        break;
    }

    switch (arch.moeNorm) {
    case MoeNorm::Never: m.normTopK = false; break;
    case MoeNorm::Always: m.normTopK = true; break;
    case MoeNorm::FromKey:
        if (const auto v = r.file().getBool(r.key("expert_weights_norm"))) m.normTopK = *v;
        break;
    }
    // The routed scaling factor: absent -> 0, and 0 or 1 means "not applied".
    if (arch.shared == SharedExpert::Deepseek) m.weightsScale = r.optFloat("expert_weights_scale", 0.0f);
    if (arch.moeKeys) {
        const int64_t g = r.optCount("expert_gating_func", 0);
        if (g == 0 || g == 1) m.gating = ExpertGating::Softmax;
        else if (g == 2) m.gating = ExpertGating::Sigmoid;
        else if (g == 4) m.gating = ExpertGating::SqrtSoftplus;
        else r.fail("expert_gating_func", "is " + std::to_string(g) + "; known: 1 softmax, 2 sigmoid, 4 sqrt(softplus)");
        m.nGroup = int(r.optCount("expert_group_count", 1));
        m.nGroupUsed = int(r.optCount("expert_group_used_count", 1));
        if (m.nGroup > 1 && (m.nExpert % m.nGroup != 0 || m.nGroupUsed < 1 || m.nGroupUsed >= m.nGroup))
            r.fail("expert_group_count",
                   "is " + std::to_string(m.nGroup) + " with " + std::to_string(m.nGroupUsed) +
                       " groups used; grouped routing needs expert_count % groups == 0 and 0 < used < groups");
        if (m.nGroup > 1 && m.nExpertUsed > m.nGroupUsed * (m.nExpert / m.nGroup))
            r.fail("expert_used_count", "exceeds the experts of the groups that routing keeps");
    }
}

void readMlaParams(const KeyReader& r, HParams& hp) {
    MlaParams& a = hp.mla;
    a.enabled = true;
    a.kvLoraRank = int(r.optCount("attention.kv_lora_rank", 0));
    if (a.kvLoraRank < 1) r.fail("attention.kv_lora_rank", "is missing; DeepSeek-V2/V3 files carry it");
    a.qLoraRank = int(r.optCount("attention.q_lora_rank", 0));
    a.ropeDim = hp.nRot;
    // New files (split attn_k_b / attn_v_b) carry *_mla keys with the decompressed head dims;
    // key_length/value_length are then the latent sizes 576/512 (ENGINE_FACTS 10.4).
    const int64_t kMla = r.optCount("attention.key_length_mla", 0);
    const int64_t vMla = r.optCount("attention.value_length_mla", 0);
    a.jointKvB = !(kMla > 0 && vMla > 0);
    const int64_t kDim = a.jointKvB ? hp.headDimK : kMla;
    a.vDim = int(a.jointKvB ? hp.headDimV : vMla);
    a.nopeDim = int(kDim - a.ropeDim);
    if (a.nopeDim < 1 || a.vDim < 1)
        r.fail("attention.key_length", "gives a per-head key of " + std::to_string(kDim) +
                                           " with " + std::to_string(a.ropeDim) + " rope dims; nothing is left for the non-rope part");
    hp.headDimK = int(kDim);
    hp.headDimV = a.vDim;

    // kq scale = mscale^2 / sqrt(nope + rope) with YaRN's mscale (ENGINE_FACTS 4.6 item 8);
    // RoPE's own magnitude is 1 for DeepSeek files (times rope.scaling.attn_factor).
    double mscale = 1.0;
    const double keyFactor = hp.ropeAttnFactor;
    if (hp.ropeScalingType == "yarn" && hp.ropeFactor > 1.0f) {
        const double lnS = std::log(double(hp.ropeFactor));
        if (r.has("rope.scaling.yarn_log_multiplier")) {
            const double mscaleAllDim = r.optFloat("rope.scaling.yarn_log_multiplier", 0.0f) / 0.1;
            mscale = keyFactor * (1.0 + 0.1 * mscaleAllDim * lnS);
            // the RoPE kernel multiplies by (1 + 0.1 ln s) itself; cancel it for a net keyFactor
            hp.ropeAttnFactor = float(keyFactor / (1.0 + 0.1 * lnS));
        } else {
            mscale = keyFactor * (1.0 + 0.1 * lnS); // generic YaRN, RoPE magnitude likewise
        }
    }
    hp.attnScale = float(mscale * mscale / std::sqrt(double(kDim)));
}

} // namespace dw::model
