// Which type each tensor gets: llama-quantize's rules for the mixes (ENGINE_FACTS 2.4), the
// categories by name, use_more_bits and the fallback for row lengths a type cannot hold.
#include "deepwell/error.h"
#include "deepwell/quantize.h"
#include "quant/model_quantizer.h"

#include <cctype>

namespace dw {
namespace {

struct MixInfo {
    QuantMix mix;
    const char* name;
    DType base;
    uint32_t fileType; // llama_ftype, ENGINE_FACTS 1.7
};

constexpr MixInfo kMixes[] = {
    {QuantMix::Q8_0, "Q8_0", DType::Q8_0, 7},      {QuantMix::Q4_0, "Q4_0", DType::Q4_0, 2},
    {QuantMix::Q4_K, "Q4_K", DType::Q4_K, 14},     {QuantMix::Q5_K, "Q5_K", DType::Q5_K, 16},
    {QuantMix::Q6_K, "Q6_K", DType::Q6_K, 18},     {QuantMix::Q4_K_M, "Q4_K_M", DType::Q4_K, 15},
    {QuantMix::Q5_K_M, "Q5_K_M", DType::Q5_K, 17},
};

const MixInfo& mixInfo(QuantMix m) {
    for (const MixInfo& i : kMixes)
        if (i.mix == m) return i;
    DW_ASSERT_MSG(false, "QuantMix value missing from kMixes");
    return kMixes[0];
}

// Tensors llama-quantize never quantizes although they are 2-D "...weight" tensors (matched
// as substrings): position and token-type embeddings and small architecture-specific ones.
constexpr std::string_view kExcluded[] = {
    "position_embd.weight",       "token_types.weight",       "ssm_conv1d.weight",
    "shortconv.conv.weight",      "time_mix_first.weight",    "time_mix_w0.weight",
    "time_mix_w1.weight",         "time_mix_w2.weight",       "time_mix_v0.weight",
    "time_mix_v1.weight",         "time_mix_v2.weight",       "time_mix_a0.weight",
    "time_mix_a1.weight",         "time_mix_a2.weight",       "time_mix_g1.weight",
    "time_mix_g2.weight",         "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
    "time_mix_lerp_fused.weight", "attn_rel_b.weight",
};

bool contains(std::string_view s, std::string_view part) {
    return s.find(part) != s.npos;
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool isFloatSource(DType t) {
    return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

std::string ofCount(int i, int n) {
    return " (" + std::to_string(i) + " of " + std::to_string(n) + ")";
}

} // namespace

const char* quantMixName(QuantMix m) {
    return mixInfo(m).name;
}

bool quantMixFromName(std::string_view name, QuantMix& out) {
    for (const MixInfo& i : kMixes) {
        const std::string_view n = i.name;
        if (n.size() != name.size()) continue;
        bool same = true;
        for (size_t k = 0; k < n.size() && same; ++k)
            same = std::toupper(static_cast<unsigned char>(name[k])) == n[k];
        if (same) {
            out = i.mix;
            return true;
        }
    }
    return false;
}

std::vector<QuantMix> allQuantMixes() {
    std::vector<QuantMix> out;
    for (const MixInfo& i : kMixes) out.push_back(i.mix);
    return out;
}

uint32_t quantMixFileType(QuantMix m) {
    return mixInfo(m).fileType;
}
DType quantMixBaseType(QuantMix m) {
    return mixInfo(m).base;
}

namespace quant {

TensorCategory tensorCategory(std::string_view name) {
    if (name == "output.weight") return TensorCategory::Output;
    if (name == "token_embd.weight") return TensorCategory::TokenEmbd;
    if (contains(name, "attn_qkv.weight") || contains(name, "attn_kv_b.weight") ||
        contains(name, "attn_v.weight"))
        return TensorCategory::AttnV;
    if (contains(name, "attn_k.weight")) return TensorCategory::AttnK;
    if (contains(name, "attn_q.weight")) return TensorCategory::AttnQ;
    if (contains(name, "attn_output.weight")) return TensorCategory::AttnOutput;
    if (contains(name, "ffn_up")) return TensorCategory::FfnUp;
    if (contains(name, "ffn_gate")) return TensorCategory::FfnGate;
    if (contains(name, "ffn_down")) return TensorCategory::FfnDown;
    return TensorCategory::Other;
}

const char* tensorCategoryName(TensorCategory c) {
    switch (c) {
    case TensorCategory::Output:
        return "output";
    case TensorCategory::TokenEmbd:
        return "token_embd";
    case TensorCategory::AttnV:
        return "attn_v";
    case TensorCategory::AttnK:
        return "attn_k";
    case TensorCategory::AttnQ:
        return "attn_q";
    case TensorCategory::AttnOutput:
        return "attn_output";
    case TensorCategory::FfnUp:
        return "ffn_up";
    case TensorCategory::FfnGate:
        return "ffn_gate";
    case TensorCategory::FfnDown:
        return "ffn_down";
    case TensorCategory::Other:
        return "other";
    }
    return "other";
}

bool useMoreBits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

int ggmlDims(const std::array<int64_t, 4>& ne) {
    for (int k = 3; k >= 1; --k)
        if (ne[size_t(k)] > 1) return k + 1;
    return 1;
}

DType fallbackType(DType wanted, int64_t ne0, bool isOutput, std::string* why) {
    const uint32_t bs = dtypeTraits(wanted).blockSize;
    if (ne0 % bs == 0) return wanted;
    DType fb = DType::F16;
    if (isOutput) {
        fb = DType::Q8_0;
    } else {
        switch (wanted) {
        case DType::Q4_K:
            fb = DType::Q5_0;
            break;
        case DType::Q5_K:
            fb = DType::Q5_1;
            break;
        case DType::Q6_K:
            fb = DType::Q8_0;
            break;
        case DType::Q2_K:
        case DType::Q3_K:
        case DType::TQ1_0:
        case DType::TQ2_0:
        case DType::Q2_0:
            fb = DType::Q4_0;
            break;
        case DType::IQ4_XS:
        case DType::IQ3_XXS:
        case DType::IQ3_S:
        case DType::IQ2_XXS:
        case DType::IQ2_XS:
        case DType::IQ2_S:
        case DType::IQ1_S:
        case DType::IQ1_M:
            fb = DType::IQ4_NL;
            break;
        default:
            fb = DType::F16;
            break;
        }
    }
    if (ne0 % dtypeTraits(fb).blockSize != 0) fb = DType::F16;
    if (why) {
        *why = "ne0 " + std::to_string(ne0) + " not a multiple of " + std::to_string(bs) + " (" +
               std::string(dtypeName(wanted)) + " -> " + std::string(dtypeName(fb)) + ")";
    }
    return fb;
}

std::string notQuantizableReason(std::string_view name, const std::array<int64_t, 4>& ne) {
    if (!endsWith(name, "weight")) return "name does not end in 'weight'";
    if (contains(name, "_norm.weight")) return "norm";
    if (contains(name, "ffn_gate_inp.weight")) return "MoE router (ffn_gate_inp)";
    for (std::string_view x : kExcluded)
        if (contains(name, x)) return "never quantized (" + std::string(x) + ")";
    if (ggmlDims(ne) < 2) return "1-D";
    return {};
}

} // namespace quant

bool isQuantizableTensor(std::string_view name, const std::array<int64_t, 4>& ne) {
    return quant::notQuantizableReason(name, ne).empty();
}

TensorChoice chooseTensor(const TensorChoiceInput& in) {
    using quant::TensorCategory;
    const std::string notQuantizable = quant::notQuantizableReason(in.name, in.ne);
    if (!notQuantizable.empty()) return {in.sourceType, "kept: " + notQuantizable};
    if (!isFloatSource(in.sourceType) && !dtypeTraits(in.sourceType).quantized)
        return {in.sourceType, "kept: " + std::string(dtypeName(in.sourceType)) + " tensor"};

    const DType base = quantMixBaseType(in.mix);
    const bool mixM = in.mix == QuantMix::Q4_K_M || in.mix == QuantMix::Q5_K_M;
    const TensorCategory cat = quant::tensorCategory(in.name);
    const bool isOutput =
        cat == TensorCategory::Output || (in.tiedEmbeddings && cat == TensorCategory::TokenEmbd);
    DType t = base;
    std::string reason = quant::tensorCategoryName(cat);

    if (isOutput) {
        // The output matrix gets Q6_K unless the mix is Q8_0; llama-quantize sends a row the
        // default type cannot hold straight to Q8_0, which the output fallback below gives too.
        if (cat == TensorCategory::TokenEmbd) reason = "tied embedding (the output matrix)";
        if (base != DType::Q8_0) t = DType::Q6_K;
    } else {
        switch (cat) {
        case TensorCategory::AttnV:
            if (mixM && quant::useMoreBits(in.attnVIndex, in.attnVCount)) {
                t = DType::Q6_K;
                reason += " more bits";
            }
            reason += ofCount(in.attnVIndex, in.attnVCount);
            if (in.llama70B && (t == DType::Q3_K || t == DType::Q4_K)) {
                t = DType::Q5_K;
                reason += ", 70B-class model: Q5_K";
            }
            if (in.nExpert == 8) {
                t = DType::Q8_0;
                reason += ", 8 experts: Q8_0";
            }
            break;
        case TensorCategory::AttnK:
            if (in.nExpert == 8) {
                t = DType::Q8_0;
                reason += ", 8 experts: Q8_0";
            }
            break;
        case TensorCategory::AttnOutput:
            if (in.nExpert == 8 && in.mix == QuantMix::Q4_K_M) {
                t = DType::Q5_K;
                reason += ", 8 experts: Q5_K";
            }
            break;
        case TensorCategory::FfnDown:
            if (mixM && quant::useMoreBits(in.ffnDownIndex, in.nLayer)) {
                t = DType::Q6_K;
                reason += " more bits";
            }
            reason += " (layer " + std::to_string(in.ffnDownIndex) + " of " +
                      std::to_string(in.nLayer) + ")";
            break;
        default:
            break;
        }
    }
    std::string why;
    const DType stored = quant::fallbackType(t, in.ne[0], isOutput, &why);
    if (stored != t) reason += "; fallback: " + why;
    return {stored, reason};
}

} // namespace dw
