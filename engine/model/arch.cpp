#include "model/arch.h"

#include "deepwell/error.h"

#include <array>
#include <string>

namespace dw::model {
namespace {

using cpu::RopeStyle;
constexpr auto Silu = Activation::Silu;
constexpr auto Gelu = Activation::GeluTanh;
constexpr auto Norm = RopeStyle::Norm;
constexpr auto Neox = RopeStyle::Neox;

// ENGINE_FACTS 4.0-4.7: rope style per family (NORM for llama/deepseek, NEOX for
// qwen/gemma/olmoe), gemma's extra norms, embedding scale and GELU, MoE conventions.
//            arch             name        rope  act   qkH    post   embS   swa    outReq qkW    mla    moeNorm           moeKeys expert width                shared
constexpr std::array<ArchInfo, 9> kArchs = {{
    {Arch::Llama,     "llama",     Norm, Silu, false, false, false, false, false, false, false, MoeNorm::Always,  false, ExpertWidth::Ff,            SharedExpert::None},
    {Arch::Qwen2,     "qwen2",     Neox, Silu, false, false, false, false, false, false, false, MoeNorm::Never,   false, ExpertWidth::Ff,            SharedExpert::None},
    {Arch::Qwen3,     "qwen3",     Neox, Silu, true,  false, false, false, false, false, false, MoeNorm::Never,   false, ExpertWidth::Ff,            SharedExpert::None},
    {Arch::Gemma3,    "gemma3",    Neox, Gelu, true,  true,  true,  true,  false, false, false, MoeNorm::Never,   false, ExpertWidth::Ff,            SharedExpert::None},
    {Arch::Deepseek2, "deepseek2", Norm, Silu, false, false, false, false, false, false, true,  MoeNorm::FromKey, true,  ExpertWidth::ExpertKey,     SharedExpert::Deepseek},
    {Arch::Deepseek,  "deepseek",  Norm, Silu, false, false, false, false, false, false, false, MoeNorm::Never,   false, ExpertWidth::ExpertKey,     SharedExpert::Deepseek},
    {Arch::Qwen2Moe,  "qwen2moe",  Neox, Silu, false, false, false, false, true,  false, false, MoeNorm::Never,   false, ExpertWidth::ExpertKeyOrFf, SharedExpert::Gated},
    {Arch::Qwen3Moe,  "qwen3moe",  Neox, Silu, true,  false, false, false, false, false, false, MoeNorm::Always,  false, ExpertWidth::ExpertKeyOrFf, SharedExpert::None},
    {Arch::Olmoe,     "olmoe",     Neox, Silu, false, false, false, false, true,  true,  false, MoeNorm::Never,   false, ExpertWidth::Ff,            SharedExpert::None},
}};

} // namespace

std::optional<ArchInfo> findArch(std::string_view ggufName) {
    for (const auto& a : kArchs)
        if (a.ggufName == ggufName) return a;
    return std::nullopt;
}

const ArchInfo& archInfo(Arch a) {
    for (const auto& info : kArchs)
        if (info.arch == a) return info;
    DW_ASSERT_MSG(false, "architecture missing from the table");
    return kArchs[0];
}

std::string supportedArchNames() {
    std::string s;
    for (const auto& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.ggufName);
    return s;
}

} // namespace dw::model

namespace dw {
const char* archName(Arch a) {
    return model::archInfo(a).ggufName.data();
}
} // namespace dw
