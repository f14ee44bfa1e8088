// bench_cuda's forward-pass benchmark (bench_model.h): Context with DeviceKind::Cuda on a
// given GGUF or on a synthetic model made with dw::synth on the spot (so the GPU machine
// needs no model file).
#include "cuda/bench_model.h"

#include "deepwell/error.h"
#include "deepwell/model.h"
#include "deepwell/synth.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace dw::cuda {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Llama-8B's layer shapes (4096 wide, GQA 32/8, FFN 14336) with two layers and a 16k tied
// vocabulary: ~0.5 B parameters, ~0.55 GB read per decoded token. Q8_0, because it is
// the quickest type to synthesize (the weights take ~15 s single-threaded); the K-quant
// kernels are measured by the mat-vec table above.
synth::SynthSpec benchSpec(bool quick) {
    synth::SynthSpec s;
    s.name = "bench-llama-2x4096";
    s.arch = synth::Arch::Llama;
    s.nLayer = quick ? 1 : 2;
    s.nEmbd = 4096;
    s.nHead = 32;
    s.nHeadKv = 8;
    s.nFf = 14336;
    s.nVocab = 16384;
    s.nCtxTrain = 4096;
    s.tiedEmbeddings = true;
    s.weightType = DType::Q8_0;
    s.seed = 7;
    return s;
}

// A temporary folder removed when the benchmark ends.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "bench_cuda_XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw Error(ErrorCode::Io, "cannot create a temporary folder");
        m_path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace

void benchModel(double peakGBps, const std::string& path, bool quick) {
    std::unique_ptr<TempDir> tmp;
    std::string file = path;
    if (file.empty()) {
        tmp = std::make_unique<TempDir>();
        file = tmp->path() + "/bench.gguf";
        const auto t0 = Clock::now();
        synth::writeSynthModel(benchSpec(quick), file);
        std::printf("\nforward pass: synthetic model %s written in %.1f s\n",
                    benchSpec(quick).name.c_str(), secondsSince(t0));
    } else {
        std::printf("\nforward pass: %s\n", file.c_str());
    }
    auto model = Model::load(file);
    const int nPrompt = 512, nGen = quick ? 32 : 64, reps = quick ? 1 : 2;
    ContextOptions co;
    co.nCtx = nPrompt + nGen + 16;
    co.nBatch = nPrompt;
    co.device = DeviceKind::Cuda;
    Context ctx(model, co);
    std::mt19937 rng(1);
    std::vector<int32_t> tokens(size_t(nPrompt + nGen));
    for (auto& t : tokens) t = int32_t(rng() % uint32_t(model->hparams().nVocab));

    ctx.eval(tokens.data(), 16, LogitsMode::Last); // warm-up: cuBLAS heuristics, caches
    double bestPrefill = 0.0, bestDecode = 0.0;
    for (int r = 0; r < reps; ++r) {
        ctx.truncate(0);
        auto t0 = Clock::now();
        ctx.eval(tokens.data(), nPrompt, LogitsMode::Last);
        bestPrefill = std::max(bestPrefill, nPrompt / secondsSince(t0));
        t0 = Clock::now();
        for (int i = 0; i < nGen; ++i) ctx.eval(&tokens[size_t(nPrompt + i)], 1, LogitsMode::Last);
        bestDecode = std::max(bestDecode, nGen / secondsSince(t0));
    }
    const double avgPos = nPrompt + nGen / 2.0;
    const double bytes =
        double(model->weightBytesPerToken()) + avgPos * double(model->kvBytesPerToken());
    const double bound = peakGBps * 1e9 / bytes;
    std::printf("  device           %s\n", ctx.deviceName().c_str());
    std::printf("  model            %s: %d layers, %lld wide, weights %.0f MiB\n",
                model->name().c_str(), model->hparams().nLayer,
                static_cast<long long>(model->hparams().nEmbd),
                double(model->weightBytes()) / (1 << 20));
    std::printf("  prefill          %.0f tokens/s (%d tokens, best of %d)\n", bestPrefill, nPrompt,
                reps);
    std::printf("  decode           %.1f tokens/s (%d tokens after the prompt, best of %d)\n",
                bestDecode, nGen, reps);
    std::printf("  read per token   %.1f MiB (weights + f32 KV cache at the mean position)\n",
                bytes / (1 << 20));
    std::printf("  decode bound     %.0f tokens/s at %.0f GB/s -> decode at %.1f%% of the "
                "bandwidth bound\n",
                bound, peakGBps, 100.0 * bestDecode / bound);
}

} // namespace dw::cuda
