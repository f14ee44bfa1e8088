#include "cli/cli_common.h"

#include "deepwell/error.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace dw::cli {

void addModelFlags(CLI::App& app, ModelFlags& f, int64_t defaultCtx) {
    app.add_option("-m,--model", f.model, "GGUF model file")->required()->check(CLI::ExistingFile);
    app.add_option("-t,--threads", f.threads, "CPU threads (default: all)")->check(CLI::NonNegativeNumber);
    app.add_option("-c,--ctx-size", f.ctx,
                   "context size in tokens (default: " + std::to_string(defaultCtx) + ")")
        ->check(CLI::NonNegativeNumber);
    app.add_option("-b,--batch-size", f.batch, "prompt tokens evaluated at once")
        ->check(CLI::Range(int64_t(1), int64_t(65536)));
    app.add_option("--device", f.device,
                   "where to run: auto (the GPU when usable, else the CPU), cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
}

DeviceKind deviceKind(const std::string& name) {
    if (name == "cpu") return DeviceKind::Cpu;
    if (name == "cuda") return DeviceKind::Cuda;
    return DeviceKind::Auto;
}

void addSamplingFlags(CLI::App& app, SamplingFlags& f) {
    auto& p = f.params;
    app.add_option("-n,--n-predict", f.nPredict, "tokens to generate (-1: until the context is full)");
    app.add_option("--temp", p.temperature, "temperature (0 = greedy)")->check(CLI::NonNegativeNumber);
    app.add_option("--top-k", p.topK, "top-k (0 = off)")->check(CLI::NonNegativeNumber);
    app.add_option("--top-p", p.topP, "top-p (1 = off)")->check(CLI::Range(0.0f, 1.0f));
    app.add_option("--min-p", p.minP, "min-p (0 = off)")->check(CLI::Range(0.0f, 1.0f));
    app.add_option("--repeat-penalty", p.repeatPenalty, "repetition penalty (1 = off)")
        ->check(CLI::PositiveNumber);
    app.add_option("--repeat-last-n", p.penaltyLastN, "tokens the penalties look back over")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--presence-penalty", p.presencePenalty, "presence penalty");
    app.add_option("--frequency-penalty", p.frequencyPenalty, "frequency penalty");
    app.add_option("-s,--seed", p.seed, "random seed");
    app.add_option("--stop", f.stop, "stop string (repeatable)");
}

void addPromptFlags(CLI::App& app, PromptFlags& f) {
    auto* p = app.add_option("-p,--prompt", f.prompt, "prompt text");
    auto* file = app.add_option("-f,--file", f.file, "read the prompt from a file")->check(CLI::ExistingFile);
    p->excludes(file);
}

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, path + ": cannot open the file for reading");
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) throw Error(ErrorCode::Io, path + ": read error");
    return s.str();
}

std::string promptText(const PromptFlags& f) {
    if (!f.file.empty()) return readTextFile(f.file);
    return f.prompt;
}

std::shared_ptr<const Model> loadModel(const std::string& path) {
    LoadProgress progress;
    const bool tty = isatty(STDERR_FILENO) != 0;
    int lastShown = -1;
    if (tty) {
        progress.onProgress = [&](float f) {
            const int pct = int(f * 100.0f);
            if (pct == lastShown) return;
            lastShown = pct;
            const int width = 30, filled = pct * width / 100;
            std::fprintf(stderr, "\rloading [%s%s] %3d%%", std::string(size_t(filled), '#').c_str(),
                         std::string(size_t(width - filled), '.').c_str(), pct);
            std::fflush(stderr);
        };
    }
    auto model = Model::load(path, progress);
    if (tty) std::fprintf(stderr, "\r%60s\r", "");
    return model;
}

ContextOptions contextOptions(const ModelFlags& f, const Model& model, int64_t defaultCtx) {
    ContextOptions o;
    o.nCtx = f.ctx > 0 ? f.ctx : std::min<int64_t>(defaultCtx, model.hparams().nCtxTrain);
    o.nThreads = f.threads;
    o.nBatch = f.batch;
    o.device = deviceKind(f.device);
    return o;
}

std::vector<int32_t> chatTokens(const Model& model, const std::vector<ChatMessage>& messages,
                                bool addGenerationPrompt) {
    return chatPromptTokens(model, messages, addGenerationPrompt);
}

std::vector<int32_t> textTokens(const Model& model, const std::string& text) {
    return model.tokenizer().encode(text, true, false);
}

std::string humanBytes(uint64_t bytes) {
    char buf[64];
    if (bytes >= (1ull << 30))
        std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / double(1ull << 30));
    else if (bytes >= (1ull << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1ull << 20));
    else if (bytes >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024.0);
    else
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    return buf;
}

} // namespace dw::cli
