#include "model/arch.h"

#include "deepwell/error.h"

#include <array>

namespace dw::model {
namespace {

using cpu::RopeStyle;

// ENGINE_FACTS 4.0-4.5: rope style per family (NORM for llama, NEOX for qwen/gemma), gemma's
// extra norms, embedding scale and GELU.
constexpr std::array<ArchInfo, 4> kArchs = {{
    {Arch::Llama, "llama", RopeStyle::Norm, Activation::Silu, false, false, false, false, false},
    {Arch::Qwen2, "qwen2", RopeStyle::Neox, Activation::Silu, false, false, false, false, false},
    {Arch::Qwen3, "qwen3", RopeStyle::Neox, Activation::Silu, true, false, false, false, false},
    {Arch::Gemma3, "gemma3", RopeStyle::Neox, Activation::GeluTanh, true, true, true, true, false},
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

} // namespace dw::model

namespace dw {
const char* archName(Arch a) {
    return model::archInfo(a).ggufName.data();
}
} // namespace dw
