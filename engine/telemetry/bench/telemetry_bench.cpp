// What does 1 Hz telemetry sampling cost the decoder? Runs the same greedy generation on a
// synthetic model alternately without and with a TelemetrySampler thread (real NVML when
// present, host /proc, the engine's metrics/ledger/stats feeds) and prints the median decode
// time per token of each, the difference in percent, and the cost of one sample.
//
//   dw_telemetry_bench [--tokens N] [--runs R] [--threads T] [--period S] [--layers L]
//                      [--embd E]
//
// The acceptance target is an overhead under 1%. On a loaded machine the run-to-run noise
// can exceed that; the per-sample cost times the rate is the noise-free upper bound of the
// CPU time taken from the decoder.
#include "deepwell/engine.h"
#include "deepwell/synth.h"
#include "deepwell/telemetry.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

using namespace dw;

namespace {

struct Args {
    int tokens = 1500; // a run spans seconds, so a 1 Hz sampler fires several times in it
    int runs = 5;      // pairs
    int threads = 0;
    double period = 1.0;
    int layers = 8;
    int embd = 512;
};

bool parseArgs(int argc, char** argv, Args& a) {
    for (int i = 1; i < argc; ++i) {
        auto value = [&](const char* name) -> const char* {
            if (std::strcmp(argv[i], name) != 0 || i + 1 >= argc) return nullptr;
            return argv[++i];
        };
        if (const char* v = value("--tokens"))
            a.tokens = std::atoi(v);
        else if (const char* v2 = value("--runs"))
            a.runs = std::atoi(v2);
        else if (const char* v3 = value("--threads"))
            a.threads = std::atoi(v3);
        else if (const char* v4 = value("--period"))
            a.period = std::atof(v4);
        else if (const char* v5 = value("--layers"))
            a.layers = std::atoi(v5);
        else if (const char* v6 = value("--embd"))
            a.embd = std::atoi(v6);
        else
            return false;
    }
    return a.tokens >= 2 && a.tokens <= 1'000'000 && a.runs >= 1 && a.period > 0.0 &&
           a.layers >= 1 && a.embd >= 64 && a.embd % 64 == 0;
}

// Seconds per generated token after the first, for one greedy request.
double decodeSecondsPerToken(Engine& engine, int tokens) {
    RequestOptions r;
    for (int i = 0; i < 16; ++i) r.tokens.push_back(3 + i);
    r.generate.maxTokens = tokens;
    r.generate.ignoreEos = true;
    r.generate.sampling.temperature = 0.0f;
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    FinishEvent result;
    RequestCallbacks cb;
    cb.onFinish = [&](const FinishEvent& e) {
        std::lock_guard<std::mutex> lock(mutex);
        result = e;
        finished = true;
        done.notify_all();
    };
    engine.submit(std::move(r), std::move(cb));
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return finished; });
    if (result.reason == FinishReason::Error) {
        std::fprintf(stderr, "generation failed: %s\n", result.error.c_str());
        std::exit(1);
    }
    const RequestTimings& t = result.timings;
    return (t.totalSeconds - t.firstTokenSeconds) /
           double(std::max<int64_t>(1, t.generatedTokens - 1));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parseArgs(argc, argv, args)) {
        std::fprintf(stderr,
                     "usage: %s [--tokens N>=2] [--runs R>=1] [--threads T] [--period S>0] "
                     "[--layers L] [--embd E (multiple of 64)]\n",
                     argv[0]);
        return 2;
    }
    try {
        synth::SynthSpec spec = synth::synthPreset("tiny-llama");
        spec.name = "telemetry-bench";
        spec.nLayer = args.layers;
        spec.nEmbd = args.embd;
        spec.nHead = args.embd / 64;
        spec.nHeadKv = std::max<int64_t>(1, spec.nHead / 2);
        spec.nFf = 3 * args.embd;
        spec.nVocab = 4096;
        spec.nCtxTrain = 8192;
        spec.weightType = DType::Q8_0;
        const auto dir = std::filesystem::temp_directory_path() /
                         ("dw_telemetry_bench_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const std::string path = (dir / "model.gguf").string();
        synth::writeSynthModel(spec, path);
        auto model = Model::load(path);
        std::filesystem::remove_all(dir); // the mapping keeps the data alive

        EngineOptions eo;
        eo.nThreads = args.threads;
        eo.kvTokens = args.tokens + 64;
        Engine engine(model, eo);
        decodeSecondsPerToken(engine, std::min(args.tokens, 64)); // warm-up

        TelemetrySamplerOptions so;
        so.periodSeconds = args.period;
        std::vector<double> off, on;
        std::string gpuState;
        size_t samplesTaken = 0;
        for (int r = 0; r < args.runs; ++r) {
            off.push_back(decodeSecondsPerToken(engine, args.tokens));
            TelemetrySampler sampler(so, std::make_unique<NvmlSource>(), engineFeeds(engine));
            gpuState = sampler.gpuAvailable() ? "NVML" : sampler.gpuUnavailableReason();
            sampler.start();
            on.push_back(decodeSecondsPerToken(engine, args.tokens));
            sampler.stop();
            samplesTaken += sampler.samples().size();
            std::printf("pair %d: without %.3f ms/token, with %.3f ms/token\n", r + 1,
                        off.back() * 1e3, on.back() * 1e3);
        }

        // The cost of one sample, measured on its own.
        TelemetrySampler probe(so, std::make_unique<NvmlSource>(), engineFeeds(engine));
        const int n = 20;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) probe.sampleNow();
        const double perSample =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / n;

        const double a = median(off), b = median(on);
        std::printf("model: %d layers, n_embd %d, Q8_0, %.1f MB; %d tokens per run, %d pairs\n",
                    args.layers, args.embd, double(model->weightBytes()) / 1e6, args.tokens,
                    args.runs);
        std::printf("GPU telemetry: %s\n", gpuState.c_str());
        std::printf("decode without sampler: %.3f ms/token (median)\n", a * 1e3);
        std::printf("decode with sampler at %.3g Hz: %.3f ms/token (median), %zu samples taken\n",
                    1.0 / args.period, b * 1e3, samplesTaken);
        std::printf("overhead: %+.2f%% (target < 1%%)\n", 100.0 * (b - a) / a);
        std::printf("one sample: %.3f ms = %.4f%% of one core at %.3g Hz\n", perSample * 1e3,
                    100.0 * perSample / args.period, 1.0 / args.period);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
