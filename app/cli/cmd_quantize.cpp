// deepwell-cli quantize: an F32/F16/BF16 GGUF model to Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, Q4_K_M or
// Q5_K_M with llama-quantize's per-tensor rules (deepwell/quantize.h). --dry-run prints the
// plan: every tensor's type and why.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/quantize.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace dw::cli {
namespace {

struct QuantizeFlags {
    std::string model;
    std::string output;
    std::string type;
    int threads = 0;
    bool dryRun = false;
};

// Set by SIGINT while quantizing, so Ctrl-C stops cleanly and removes the temporary file.
// A signal handler can only reach static storage; nothing else uses this flag.
std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) {
    g_interrupted.store(true);
}

std::string shape(const TensorPlan& t) {
    std::string s = "[";
    for (uint32_t i = 0; i < t.nDims; ++i) s += (i ? ", " : "") + std::to_string(t.ne[i]);
    return s + "]";
}

double bitsPerWeight(uint64_t bytes, uint64_t elements) {
    return elements ? 8.0 * double(bytes) / double(elements) : 0.0;
}

void printPlan(const QuantizePlan& plan) {
    size_t nameWidth = 6;
    for (const auto& t : plan.tensors) nameWidth = std::max(nameWidth, t.name.size());
    const int w = int(nameWidth);
    std::printf("%-*s  %-20s %-6s    %-6s  %10s  %s\n", w, "tensor", "shape", "from", "to", "size",
                "why");
    for (const auto& t : plan.tensors) {
        std::printf("%-*s  %-20s %-6s -> %-6s  %10s  %s\n", w, t.name.c_str(), shape(t).c_str(),
                    std::string(dtypeName(t.sourceType)).c_str(),
                    std::string(dtypeName(t.targetType)).c_str(), humanBytes(t.targetBytes).c_str(),
                    t.reason.c_str());
    }
}

void printSummary(const QuantizePlan& plan) {
    int changed = 0;
    for (const auto& t : plan.tensors) changed += t.changes() ? 1 : 0;
    std::printf(
        "%s: %d of %zu tensors converted; tensor data %s (%.2f bits per weight) -> %s "
        "(%.2f bits per weight)\n",
        quantMixName(plan.mix), changed, plan.tensors.size(), humanBytes(plan.sourceBytes).c_str(),
        bitsPerWeight(plan.sourceBytes, plan.nElements), humanBytes(plan.targetBytes).c_str(),
        bitsPerWeight(plan.targetBytes, plan.nElements));
}

std::string mixNames() {
    std::string s;
    for (QuantMix m : allQuantMixes()) s += std::string(s.empty() ? "" : ", ") + quantMixName(m);
    return s;
}

void run(const QuantizeFlags& f) {
    QuantMix mix;
    if (!quantMixFromName(f.type, mix))
        throw Error(ErrorCode::InvalidArgument,
                    "quantize: --type '" + f.type + "' is not one of " + mixNames());
    if (f.dryRun) {
        const auto file = gguf::File::open(f.model);
        const QuantizePlan plan = planQuantization(*file, mix);
        printPlan(plan);
        printSummary(plan);
        return;
    }
    if (f.output.empty())
        throw Error(ErrorCode::InvalidArgument,
                    "quantize: -o/--output is required (or use --dry-run)");

    QuantizeOptions options;
    options.threads = f.threads;
    options.cancel = &g_interrupted;
    const bool tty = isatty(STDERR_FILENO) != 0;
    int lastShown = -1;
    if (tty) {
        options.onProgress = [&](const QuantizeProgress& p) {
            const int pct = int(p.fraction() * 100.0f);
            if (pct == lastShown) return;
            lastShown = pct;
            const int width = 30, filled = pct * width / 100;
            std::fprintf(stderr, "\rquantizing [%s%s] %3d%%  %-40.40s",
                         std::string(size_t(filled), '#').c_str(),
                         std::string(size_t(width - filled), '.').c_str(), pct,
                         std::string(p.tensorName).c_str());
            std::fflush(stderr);
        };
    }
    g_interrupted.store(false);
    const auto previous = std::signal(SIGINT, onInterrupt);
    const auto t0 = std::chrono::steady_clock::now();
    QuantizePlan plan;
    try {
        plan = quantizeModel(f.model, f.output, mix, options);
    } catch (...) {
        std::signal(SIGINT, previous);
        if (tty) std::fprintf(stderr, "\r%100s\r", "");
        throw;
    }
    std::signal(SIGINT, previous);
    if (tty) std::fprintf(stderr, "\r%100s\r", "");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    printSummary(plan);
    std::printf("wrote %s in %.1f s\n", f.output.c_str(), seconds);
}

} // namespace

void addQuantizeCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand(
        "quantize",
        "Quantize an F32/F16/BF16 GGUF model (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M)");
    auto f = std::make_shared<QuantizeFlags>();
    cmd->add_option("-m,--model", f->model, "source GGUF model (F32, F16 or BF16 weights)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-o,--output", f->output, "GGUF file to write");
    cmd->add_option("--type", f->type, "target: " + mixNames())->required();
    cmd->add_option("-t,--threads", f->threads, "CPU threads (default: all)")
        ->check(CLI::Range(0, 1024));
    cmd->add_flag("--dry-run", f->dryRun,
                  "print every tensor's planned type and why; write nothing");
    cmd->callback([f, &exitCode] {
        run(*f);
        exitCode = 0;
    });
}

} // namespace dw::cli
