// Named SynthSpec presets: tiny models for tests (a forward pass takes milliseconds).
#include "synth/synth.h"

#include "deepwell/error.h"

namespace dw::synth {
namespace {

struct Preset {
    const char* name;
    SynthSpec (*make)();
};

SynthSpec tinyLlama() {
    SynthSpec s;
    s.name = "tiny-llama";
    s.arch = Arch::Llama;
    s.nLayer = 2;
    s.nEmbd = 64;
    s.nHead = 4;
    s.nHeadKv = 2; // GQA 2:1
    s.nFf = 160;
    s.ropeBase = 10000.0f;
    s.rmsEps = 1e-5f;
    return s;
}

SynthSpec tinyQwen2() {
    SynthSpec s;
    s.name = "tiny-qwen2";
    s.arch = Arch::Qwen2;
    s.nLayer = 2;
    s.nEmbd = 64;
    s.nHead = 4;
    s.nHeadKv = 2;
    s.nFf = 128;
    s.ropeBase = 1000000.0f;
    s.biases = true;
    s.tiedEmbeddings = true;
    return s;
}

SynthSpec tinyQwen3() {
    SynthSpec s;
    s.name = "tiny-qwen3";
    s.arch = Arch::Qwen3;
    s.nLayer = 2;
    s.nEmbd = 64;
    s.nHead = 4;
    s.nHeadKv = 2;
    s.headDim = 32; // n_head * head_dim = 128 != n_embd, as in Qwen3-0.6B
    s.nFf = 192;
    s.ropeBase = 1000000.0f;
    s.tiedEmbeddings = true;
    return s;
}

SynthSpec tinyGemma3() {
    SynthSpec s;
    s.name = "tiny-gemma3";
    s.arch = Arch::Gemma3;
    s.nLayer = 4;
    s.nEmbd = 64;
    s.nHead = 4;
    s.nHeadKv = 1;
    s.headDim = 32;
    s.nFf = 256; // ffn_down rows are a whole K-quant block
    s.ropeBase = 1000000.0f;
    s.ropeBaseSwa = 10000.0f;
    s.slidingWindow = 4; // short, so a few tokens already cross it
    s.swaPattern = 3;    // layers 0, 1, 3 local; layer 2 global
    s.tiedEmbeddings = true;
    return s;
}

constexpr Preset kPresets[] = {
    {"tiny-llama", tinyLlama},
    {"tiny-qwen2", tinyQwen2},
    {"tiny-qwen3", tinyQwen3},
    {"tiny-gemma3", tinyGemma3},
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

std::vector<std::string> synthPresetNames() {
    std::vector<std::string> out;
    for (const Preset& p : kPresets) out.emplace_back(p.name);
    return out;
}

} // namespace dw::synth
