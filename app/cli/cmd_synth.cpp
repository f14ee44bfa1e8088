// deepwell-cli synth: writes a synthetic GGUF model (seeded random weights, a working
// tokenizer and chat template) from a named preset or from explicit hyper-parameters.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/error.h"
#include "deepwell/synth.h"

#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>

namespace dw::cli {
namespace {

struct SynthFlags {
    bool list = false;
    std::string preset;
    std::string arch;
    std::string output;
    std::string type;
    std::string name;
    std::string mlaLayout;
    uint64_t seed = 1;
    bool tied = false;
    // Hyper-parameters: applied only when given on the command line.
    int64_t layers = 0, embd = 0, heads = 0, headsKv = 0, headDim = 0, ff = 0, vocab = 0, ctx = 0,
            experts = 0, expertsUsed = 0, expertsShared = 0, expertFf = 0, sharedFf = 0,
            leadingDense = 0, qLora = 0, kvLora = 0, nopeDim = 0, ropeDim = 0, vHeadDim = 0;
};

// One integer field of SynthSpec and its flag.
struct IntField {
    const char* flag;
    const char* help;
    int64_t SynthFlags::*value;
    int64_t synth::SynthSpec::*field;
};

constexpr IntField kIntFields[] = {
    {"--layers", "block count", &SynthFlags::layers, &synth::SynthSpec::nLayer},
    {"--embd", "embedding width n_embd", &SynthFlags::embd, &synth::SynthSpec::nEmbd},
    {"--heads", "attention heads", &SynthFlags::heads, &synth::SynthSpec::nHead},
    {"--heads-kv", "key/value heads (GQA)", &SynthFlags::headsKv, &synth::SynthSpec::nHeadKv},
    {"--head-dim", "head dim (0: n_embd / heads)", &SynthFlags::headDim,
     &synth::SynthSpec::headDim},
    {"--ff", "dense FFN width (llama/olmoe experts: the expert width)", &SynthFlags::ff,
     &synth::SynthSpec::nFf},
    {"--vocab", "vocabulary size", &SynthFlags::vocab, &synth::SynthSpec::nVocab},
    {"--ctx", "training context length", &SynthFlags::ctx, &synth::SynthSpec::nCtxTrain},
    {"--experts", "routed experts (llama: makes a Mixtral)", &SynthFlags::experts,
     &synth::SynthSpec::nExpert},
    {"--experts-used", "experts per token (top-k)", &SynthFlags::expertsUsed,
     &synth::SynthSpec::nExpertUsed},
    {"--experts-shared", "shared experts (deepseek*)", &SynthFlags::expertsShared,
     &synth::SynthSpec::nExpertShared},
    {"--expert-ff", "routed expert width (qwen*moe, deepseek*)", &SynthFlags::expertFf,
     &synth::SynthSpec::nFfExp},
    {"--shared-ff", "shared expert width (qwen2moe)", &SynthFlags::sharedFf,
     &synth::SynthSpec::nFfShexp},
    {"--leading-dense", "leading dense layers (deepseek*)", &SynthFlags::leadingDense,
     &synth::SynthSpec::nLeadingDense},
    {"--q-lora", "MLA query rank (0: no q compression)", &SynthFlags::qLora,
     &synth::SynthSpec::qLoraRank},
    {"--kv-lora", "MLA latent rank", &SynthFlags::kvLora, &synth::SynthSpec::kvLoraRank},
    {"--nope-dim", "MLA per-head q/k width without RoPE", &SynthFlags::nopeDim,
     &synth::SynthSpec::qkNopeDim},
    {"--rope-dim", "MLA per-head rotated width", &SynthFlags::ropeDim,
     &synth::SynthSpec::qkRopeDim},
    {"--v-head-dim", "MLA per-head value width", &SynthFlags::vHeadDim,
     &synth::SynthSpec::vHeadDim},
};

void listPresets() {
    std::printf("%-24s %12s  %s\n", "preset", "size (F16)", "model");
    for (const synth::SynthPresetInfo& p : synth::synthPresetInfos()) {
        synth::SynthSpec s = synth::synthPreset(p.name);
        s.weightType = DType::F16;
        std::printf("%-24s %12s  %s%s\n", p.name.c_str(),
                    humanBytes(synth::synthTensorBytes(s)).c_str(), p.summary.c_str(),
                    p.benchmark ? " [benchmark]" : "");
    }
}

// The spec: the preset (or the tiny preset of --arch), then every flag that was given.
synth::SynthSpec buildSpec(const SynthFlags& f, const CLI::App& cmd) {
    std::string presetName = f.preset;
    if (presetName.empty()) {
        if (f.arch.empty()) {
            throw Error(ErrorCode::InvalidArgument,
                        "synth: give --preset NAME or --arch ARCH (see deepwell-cli synth --list)");
        }
        synth::Arch a;
        if (!synth::archFromName(f.arch, a)) {
            throw Error(ErrorCode::InvalidArgument,
                        "synth: unknown architecture '" + f.arch +
                            "' (llama, qwen2, qwen3, gemma3, qwen2moe, qwen3moe, olmoe, deepseek, "
                            "deepseek2)");
        }
        presetName = "tiny-" + f.arch; // every architecture has one
    }
    synth::SynthSpec s = synth::synthPreset(presetName);
    if (!f.arch.empty() && f.arch != synth::archName(s.arch)) {
        throw Error(ErrorCode::InvalidArgument, "synth: --arch " + f.arch +
                                                    " contradicts preset '" + presetName + "' (" +
                                                    synth::archName(s.arch) + ")");
    }
    for (const IntField& field : kIntFields) {
        if (cmd.count(field.flag) > 0) s.*field.field = f.*field.value;
    }
    if (!f.type.empty()) dtypeFromName(f.type, s.weightType); // checked by the option
    if (!f.name.empty()) s.name = f.name;
    if (f.tied) s.tiedEmbeddings = true;
    if (!f.mlaLayout.empty()) {
        s.mlaLayout = f.mlaLayout == "joint" ? synth::MlaLayout::Joint : synth::MlaLayout::Split;
    }
    s.seed = f.seed;
    return s;
}

void run(const SynthFlags& f, const CLI::App& cmd) {
    if (f.list) {
        listPresets();
        return;
    }
    const synth::SynthSpec spec = buildSpec(f, cmd);
    if (f.output.empty()) {
        throw Error(ErrorCode::InvalidArgument, "synth: -o/--output FILE.gguf is required");
    }
    const uint64_t bytes = synth::synthTensorBytes(spec); // validates the spec
    const bool tty = isatty(STDERR_FILENO) != 0;
    int lastShown = -1;
    auto progress = [&](size_t done, size_t total) {
        const int pct = total ? int(done * 100 / total) : 100;
        if (!tty || pct == lastShown) return;
        lastShown = pct;
        const int width = 30, filled = pct * width / 100;
        std::fprintf(stderr, "\rwriting [%s%s] %3d%%", std::string(size_t(filled), '#').c_str(),
                     std::string(size_t(width - filled), '.').c_str(), pct);
        std::fflush(stderr);
    };
    synth::writeSynthModel(spec, f.output, progress);
    if (tty) std::fprintf(stderr, "\r%60s\r", "");
    std::printf("wrote %s: %s (%s), %lld layers, %s of weights, seed %llu\n", f.output.c_str(),
                spec.name.c_str(), synth::archName(spec.arch), (long long)spec.nLayer,
                humanBytes(bytes).c_str(), (unsigned long long)spec.seed);
}

} // namespace

void addSynthCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand(
        "synth", "Write a synthetic GGUF model (seeded weights, working tokenizer) for testing");
    auto f = std::make_shared<SynthFlags>();
    cmd->add_flag("--list", f->list, "list the presets with their sizes");
    cmd->add_option("--preset", f->preset, "preset name (see --list)");
    cmd->add_option("--arch", f->arch,
                    "architecture; without --preset starts from its tiny-<arch> preset");
    cmd->add_option("-o,--output", f->output, "GGUF file to write");
    cmd->add_option("--type", f->type, "weight type: F32, F16, BF16, Q8_0, Q4_K, ...")
        ->check([](const std::string& s) {
            DType t;
            return dtypeFromName(s, t) ? std::string() : "unknown tensor type '" + s + "'";
        });
    cmd->add_option("--seed", f->seed, "weight seed (same seed: same bytes)");
    cmd->add_option("--name", f->name, "general.name");
    cmd->add_flag("--tied", f->tied, "no output.weight (token_embd is the output matrix)");
    cmd->add_option("--mla-layout", f->mlaLayout, "deepseek2: split (attn_k_b/v_b) or joint")
        ->check(CLI::IsMember({"split", "joint"}));
    for (const IntField& field : kIntFields) {
        cmd->add_option(field.flag, (*f).*field.value, field.help)->check(CLI::NonNegativeNumber);
    }
    cmd->callback([f, cmd, &exitCode] {
        run(*f, *cmd);
        exitCode = 0;
    });
}

} // namespace dw::cli
