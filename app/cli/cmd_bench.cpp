// deepwell-cli bench: prefill and decode speed, and decode as a percentage of the
// memory-bandwidth bound (weight + KV bytes read per token / read bandwidth: measured for
// the CPU, the GPU's peak from deepwell/device_info.h when the context runs on the GPU).
#include "cli/bench_engine.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/device_info.h"
#include "deepwell/error.h"
#include "deepwell/system.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace dw::cli {
namespace {

struct BenchFlags {
    ModelFlags model;
    int nPrompt = 512;
    int nGen = 128;
    int reps = 3;
    bool json = false;
    std::vector<int> concurrency;  // --concurrency: the serving engine instead
    int sharedPrefix = 0;
};

using Clock = std::chrono::steady_clock;

std::vector<int32_t> benchTokens(const Tokenizer& tok, int n) {
    // Ordinary tokens drawn with a fixed seed; end-of-generation and control tokens avoided.
    std::mt19937 rng(42);
    std::vector<int32_t> ids;
    while (int(ids.size()) < n) {
        const int32_t id = int32_t(rng() % uint32_t(tok.nVocab()));
        if (tok.tokenType(id) == TokenType::Normal && !tok.isEog(id)) ids.push_back(id);
    }
    return ids;
}

void run(const BenchFlags& f) {
    auto model = loadModel(f.model.model);
    ModelFlags mf = f.model;
    if (mf.ctx == 0) mf.ctx = f.nPrompt + f.nGen + 1;
    Context ctx(model, contextOptions(mf, *model, mf.ctx));
    const auto prompt = benchTokens(model->tokenizer(), f.nPrompt);
    const auto gen = benchTokens(model->tokenizer(), f.nGen);

    const bool onGpu = ctx.deviceName() != "cpu";
    const GpuInfo gpu = onGpu ? gpuInfo() : GpuInfo{};
    // Bytes one decode step reads: every weight matrix once, plus the KV cache up to the
    // average position of the decode phase.
    const double avgPos = f.nPrompt + f.nGen / 2.0;
    const double bytesPerToken =
        double(model->weightBytesPerToken()) + avgPos * double(model->kvBytesPerToken());
    // The bandwidth a CPU process gets varies with the other tenants of the machine: on a
    // shared VM it swings between 8 ms passes (24-45 GB/s) and from minute to minute. So each
    // repetition's decode is set against the bandwidth measured right before and right after
    // it, two ways: sustained (all passes of ~0.5 s of reading together, the mean of before
    // and after: what a decode of about a second gets on average) and peak (the fastest pass
    // of either: a bound that is never understated). The medians of the repetitions'
    // percentages are reported; on a quiet machine the two agree.
    auto bandwidth = [&] {
        return onGpu ? ReadBandwidth{gpu.peakBandwidthGBps * 1e9, gpu.peakBandwidthGBps * 1e9}
                     : measureReadBandwidth(ctx.nThreads(), 0.5);
    };
    double bestPrefill = 0.0, bestDecode = 0.0, bestPeak = 0.0, bestSustained = 0.0;
    std::vector<double> pcts, pctsPeak;
    for (int r = 0; r < f.reps; ++r) {
        ctx.truncate(0);
        auto t0 = Clock::now();
        ctx.eval(prompt.data(), int64_t(prompt.size()), LogitsMode::Last);
        const double pre = std::chrono::duration<double>(Clock::now() - t0).count();
        const ReadBandwidth before = bandwidth();
        t0 = Clock::now();
        for (int32_t id : gen) ctx.eval(&id, 1, LogitsMode::Last);
        const double dec = std::chrono::duration<double>(Clock::now() - t0).count();
        const ReadBandwidth after = bandwidth();
        const double peak = std::max(before.peak, after.peak);
        const double sustained = (before.sustained + after.sustained) / 2.0;
        bestPrefill = std::max(bestPrefill, double(f.nPrompt) / pre);
        bestDecode = std::max(bestDecode, double(f.nGen) / dec);
        bestPeak = std::max(bestPeak, peak);
        bestSustained = std::max(bestSustained, sustained);
        const double bytesPerS = (double(f.nGen) / dec) * bytesPerToken;
        pcts.push_back(100.0 * bytesPerS / sustained);
        pctsPeak.push_back(100.0 * bytesPerS / peak);
    }
    std::sort(pcts.begin(), pcts.end());
    std::sort(pctsPeak.begin(), pctsPeak.end());
    const double pct = pcts[pcts.size() / 2], pctPeak = pctsPeak[pctsPeak.size() / 2];
    const double bound = bestSustained / bytesPerToken, boundPeak = bestPeak / bytesPerToken;
    if (f.json) {
        std::printf("{\"model\":\"%s\",\"device\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,\"gen_tokens\":%d,"
                    "\"prefill_tps\":%.2f,\"decode_tps\":%.2f,\"read_bandwidth_gbs\":%.2f,"
                    "\"peak_read_bandwidth_gbs\":%.2f,\"bytes_per_token\":%.0f,\"decode_bound_tps\":%.2f,"
                    "\"decode_pct_of_bound\":%.1f,\"decode_pct_of_peak_bound\":%.1f}\n",
                    model->name().c_str(), ctx.deviceName().c_str(), ctx.nThreads(), f.nPrompt, f.nGen, bestPrefill, bestDecode,
                    bestSustained / 1e9, bestPeak / 1e9, bytesPerToken, bound, pct, pctPeak);
        return;
    }
    std::printf("model            %s (%s)\n", model->name().c_str(), model->path().c_str());
    if (onGpu)
        std::printf("device           %s (GPU; %s free of %s)\n", ctx.deviceName().c_str(),
                    humanBytes(gpu.freeMemory).c_str(), humanBytes(gpu.totalMemory).c_str());
    else
        std::printf("device           cpu: %s, %d threads\n", cpuModelName().c_str(), ctx.nThreads());
    std::printf("prefill          %.1f tokens/s (%d tokens, best of %d)\n", bestPrefill, f.nPrompt, f.reps);
    std::printf("decode           %.1f tokens/s (%d tokens after the prompt, best of %d)\n", bestDecode, f.nGen, f.reps);
    if (onGpu)
        std::printf("memory read      %.2f GB/s (the GPU's peak: memory clock x bus width)\n", bestPeak / 1e9);
    else
        std::printf("memory read      %.2f GB/s sustained, %.2f GB/s in the fastest pass, measured with %d threads "
                    "beside each run (best of the runs)\n",
                    bestSustained / 1e9, bestPeak / 1e9, ctx.nThreads());
    std::printf("read per token   %s (weights %s + KV cache %s)\n", humanBytes(uint64_t(bytesPerToken)).c_str(),
                humanBytes(model->weightBytesPerToken()).c_str(),
                humanBytes(uint64_t(avgPos * double(model->kvBytesPerToken()))).c_str());
    if (onGpu)
        std::printf("decode bound     %.1f tokens/s -> decode at %.1f%% of the bandwidth bound\n", bound, pct);
    else
        std::printf("decode bound     %.1f tokens/s at the best sustained bandwidth; decode at %.1f%% of the bound "
                    "(median of %d runs, each against the bandwidth measured beside it; range %.1f-%.1f%%)\n"
                    "peak bound       %.1f tokens/s at the fastest pass; decode at %.1f%% of it (median; range "
                    "%.1f-%.1f%%)\n",
                    bound, pct, f.reps, pcts.front(), pcts.back(), boundPeak, pctPeak, pctsPeak.front(),
                    pctsPeak.back());
}

} // namespace

void addBenchCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("bench", "Measure prefill and decode speed against the memory-bandwidth bound");
    auto f = std::make_shared<BenchFlags>();
    addModelFlags(*cmd, f->model, 0);
    cmd->add_option("-p,--n-prompt", f->nPrompt, "prompt tokens")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("-n,--n-gen", f->nGen, "generated tokens")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("-r,--repetitions", f->reps, "repetitions (best is reported)")->check(CLI::Range(1, 100));
    cmd->add_flag("--json", f->json, "one JSON line instead of the table");
    cmd->add_option("--concurrency", f->concurrency,
                    "serving engine: run N simultaneous requests (a list: 1,2,4,8) and report "
                    "aggregate decode throughput and latencies")
        ->delimiter(',')
        ->check(CLI::Range(1, 256));
    cmd->add_option("--shared-prefix", f->sharedPrefix, "serving engine: prompt tokens all requests share")
        ->check(CLI::Range(0, 1 << 20));
    cmd->callback([f, &exitCode] {
        if (!f->concurrency.empty()) {
            EngineBenchOptions o;
            o.concurrency = f->concurrency;
            o.sharedPrefix = f->sharedPrefix;
            o.nGen = f->nGen;
            o.threads = f->model.threads;
            runEngineBench(loadModel(f->model.model), o);
        } else {
            run(*f);
        }
        exitCode = 0;
    });
}

} // namespace dw::cli
