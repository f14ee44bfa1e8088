#pragma once
// The architecture table: what distinguishes the supported families is data, not code
// (../shared/STYLE.md habit 3). One generic decoder reads these switches.
#include "cpu/ops.h"
#include "deepwell/model.h"

#include <optional>
#include <string_view>

namespace dw::model {

enum class Activation { Silu, GeluTanh };

// How an architecture reads its MoE settings (ENGINE_FACTS 4.1-4.7): some are hard-coded in
// llama.cpp per family, some come from keys.
enum class MoeNorm { Never, Always, FromKey };
enum class ExpertWidth {
    ExpertKey,       // {arch}.expert_feed_forward_length (required)
    ExpertKeyOrFf,   // that key, else feed_forward_length / expert_used_count
    Ff,              // feed_forward_length (olmoe, Mixtral)
};
enum class SharedExpert { None, Deepseek, Gated };

struct ArchInfo {
    Arch arch;
    std::string_view ggufName; // general.architecture
    cpu::RopeStyle rope;
    Activation act;
    bool qkNormPerHead;  // attn_q_norm / attn_k_norm of shape [headDim], applied per head
    bool postNorms;      // gemma: post_attention_norm and post_ffw_norm on the branch outputs
    bool embedScale;     // gemma: embeddings * sqrt(nEmbd)
    bool swaPattern;     // gemma3: local/global layers by sliding_window_pattern (default 6)
    bool outputRequired; // output.weight must exist (no tied fallback)
    bool qkNormWhole;    // olmoe: attn_q_norm / attn_k_norm over the whole projection
    bool mla;            // deepseek2: multi-head latent attention
    MoeNorm moeNorm;
    bool moeKeys;        // gating, scale, groups from keys (deepseek2); else softmax, no scale
    ExpertWidth expertWidth;
    SharedExpert shared;
};

std::optional<ArchInfo> findArch(std::string_view ggufName);
const ArchInfo& archInfo(Arch a);
// "llama, qwen2, ..." for error messages.
std::string supportedArchNames();

} // namespace dw::model
