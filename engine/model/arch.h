#pragma once
// The architecture table: what distinguishes the supported families is data, not code
// (../shared/STYLE.md habit 3). One generic decoder reads these switches.
#include "cpu/ops.h"
#include "deepwell/model.h"

#include <optional>
#include <string_view>

namespace dw::model {

enum class Activation { Silu, GeluTanh };

struct ArchInfo {
    Arch arch;
    std::string_view ggufName;  // general.architecture
    cpu::RopeStyle rope;
    Activation act;
    bool qkNormPerHead;   // attn_q_norm / attn_k_norm of shape [headDim], applied per head
    bool postNorms;       // gemma: post_attention_norm and post_ffw_norm on the branch outputs
    bool embedScale;      // gemma: embeddings * sqrt(nEmbd)
    bool swaPattern;      // gemma3: local/global layers by sliding_window_pattern (default 6)
    bool outputRequired;  // output.weight must exist (no tied fallback)
};

std::optional<ArchInfo> findArch(std::string_view ggufName);
const ArchInfo& archInfo(Arch a);

} // namespace dw::model
