// deepwell-cli inspect: what is in a GGUF file and what running it needs.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/memory_estimate.h"

#include <cstdio>
#include <map>

namespace dw::cli {
namespace {

struct InspectFlags {
    std::string model;
    int64_t ctx = 4096;
    bool tensors = false;
    bool metadata = false;
};

std::string shape(const gguf::TensorInfo& t) {
    std::string s = "[";
    for (uint32_t i = 0; i < t.nDims; ++i) s += (i ? ", " : "") + std::to_string(t.ne[i]);
    return s + "]";
}

std::string joinInts(const std::vector<int>& v) {
    bool same = true;
    for (int x : v) same = same && x == v.front();
    if (same) return std::to_string(v.front());
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s;
}

void printModel(const Model& model, int64_t ctx) {
    const HParams& hp = model.hparams();
    const Tokenizer& tok = model.tokenizer();
    std::printf("\nmodel\n");
    std::printf("  name                 %s\n", model.name().c_str());
    std::printf("  architecture         %s\n", hp.archName.c_str());
    std::printf("  layers               %d\n", hp.nLayer);
    std::printf("  embedding            %lld\n", (long long)hp.nEmbd);
    std::printf("  heads (q / kv)       %s / %s\n", joinInts(hp.nHead).c_str(), joinInts(hp.nHeadKv).c_str());
    std::printf("  head dim (k / v)     %d / %d\n", hp.headDimK, hp.headDimV);
    std::vector<int> ff(hp.nFf.begin(), hp.nFf.end());
    std::printf("  feed-forward         %s\n", joinInts(ff).c_str());
    std::printf("  trained context      %lld\n", (long long)hp.nCtxTrain);
    std::printf("  rope                 base %g, %d dims, scaling %s", hp.ropeBase, hp.nRot,
                hp.ropeScalingType.c_str());
    if (hp.ropeScalingType != "none") std::printf(" x%g", hp.ropeFactor);
    std::printf("\n");
    if (hp.slidingWindow > 0) {
        std::string global;
        for (int i = 0; i < hp.nLayer; ++i)
            if (!hp.layerIsSwa[size_t(i)]) global += (global.empty() ? "" : ",") + std::to_string(i);
        std::printf("  sliding window       %d (local rope base %g; global layers %s)\n",
                    hp.slidingWindow, hp.ropeBaseSwa, global.c_str());
    }
    std::printf("  rms epsilon          %g\n", hp.rmsEps);
    std::printf("  output               %s\n", hp.tiedOutput ? "tied to token_embd" : "own matrix");
    std::printf("\ntokenizer\n");
    std::printf("  model / pre          %s / %s\n", tok.model().c_str(),
                tok.pre().empty() ? "-" : tok.pre().c_str());
    std::printf("  vocabulary           %d tokens\n", tok.nVocab());
    auto tokName = [&](int32_t id) { return id >= 0 ? tok.tokenText(id) : std::string("-"); };
    std::printf("  bos / eos            %d %s / %d %s (add bos: %s)\n", tok.bos(),
                tokName(tok.bos()).c_str(), tok.eos(), tokName(tok.eos()).c_str(),
                tok.addBos() ? "yes" : "no");
    std::string tmpl = "none";
    if (model.chatTemplateIsBuiltin())
        tmpl = "none in the file (a base model); chat uses a plain User/Assistant transcript";
    else if (!model.chatTemplate().empty())
        tmpl = std::to_string(model.chatTemplate().size()) + " characters";
    std::printf("  chat template        %s\n", tmpl.c_str());

    const MemoryEstimate e = estimateMemory(model.path(), ctx);
    std::printf("\nmemory for a %lld-token context\n", (long long)ctx);
    std::printf("  weights              %s (mapped from the file)\n", humanBytes(e.weightBytes).c_str());
    std::printf("  kv cache             %s (%s per token, f32)\n", humanBytes(e.kvCacheBytes).c_str(),
                humanBytes(e.kvBytesPerToken).c_str());
    std::printf("  activations          %s\n", humanBytes(e.activationBytes).c_str());
    std::printf("  total                %s\n", humanBytes(e.totalBytes()).c_str());
    std::printf("  read per token       %s of weights\n", humanBytes(model.weightBytesPerToken()).c_str());
}

void run(const InspectFlags& f) {
    auto file = gguf::File::open(f.model);
    std::printf("file                   %s\n", f.model.c_str());
    std::printf("  size                 %s\n", humanBytes(file->fileSize()).c_str());
    std::printf("  gguf version         %u (alignment %u)\n", file->version(), file->alignment());
    std::printf("  metadata keys        %zu\n", file->metadata().size());
    std::printf("  tensors              %zu\n", file->tensors().size());

    uint64_t params = 0, bytes = 0;
    struct Mix { int tensors = 0; uint64_t params = 0, bytes = 0; };
    std::map<std::string, Mix> mix;
    for (const auto& t : file->tensors()) {
        params += uint64_t(t.nElements());
        bytes += t.nBytes;
        auto& m = mix[std::string(dtypeName(t.type))];
        ++m.tensors;
        m.params += uint64_t(t.nElements());
        m.bytes += t.nBytes;
    }
    std::printf("  parameters           %.2f M (%.2f bits per weight)\n", double(params) / 1e6,
                params ? 8.0 * double(bytes) / double(params) : 0.0);
    std::printf("\nquantization mix\n");
    for (const auto& [type, m] : mix)
        std::printf("  %-8s %5d tensors %10.2f M params %12s\n", type.c_str(), m.tensors,
                    double(m.params) / 1e6, humanBytes(m.bytes).c_str());

    if (f.metadata) {
        std::printf("\nmetadata\n");
        for (const auto& [key, value] : file->metadata())
            std::printf("  %-48s %s\n", key.c_str(), value.describe(8).c_str());
    }
    if (f.tensors) {
        std::printf("\ntensors\n");
        for (const auto& t : file->tensors())
            std::printf("  %-40s %-6s %-24s %s\n", t.name.c_str(), std::string(dtypeName(t.type)).c_str(),
                        shape(t).c_str(), humanBytes(t.nBytes).c_str());
    }
    try {
        auto model = Model::load(f.model);
        printModel(*model, f.ctx);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::Unsupported) throw;
        std::printf("\nmodel\n  cannot run this file: %s\n", e.what());
    }
}

} // namespace

void addInspectCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("inspect", "Show a model's architecture, tokenizer, tensors and memory needs");
    auto f = std::make_shared<InspectFlags>();
    cmd->add_option("-m,--model", f->model, "GGUF model file")->required()->check(CLI::ExistingFile);
    cmd->add_option("-c,--ctx-size", f->ctx, "context size for the memory estimate")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--tensors", f->tensors, "list every tensor");
    cmd->add_flag("--metadata", f->metadata, "list every metadata key");
    cmd->callback([f, &exitCode] {
        run(*f);
        exitCode = 0;
    });
}

} // namespace dw::cli
