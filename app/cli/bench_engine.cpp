// deepwell-cli bench --concurrency: the serving engine under N simultaneous requests that share
// a prompt prefix — aggregate decode throughput, latency percentiles, prefix reuse.
#include "cli/bench_engine.h"

#include "cli/cli_common.h"
#include "deepwell/engine.h"
#include "deepwell/error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>

namespace dw::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<int32_t> ordinaryTokens(const Tokenizer& tok, int n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> ids;
    while (int(ids.size()) < n) {
        const int32_t id = int32_t(rng() % uint32_t(tok.nVocab()));
        if (tok.tokenType(id) == TokenType::Normal && !tok.isEog(id)) ids.push_back(id);
    }
    return ids;
}

struct Row {
    int concurrency = 0;
    double decodeTps = 0.0;     // generated tokens / time from the first token to the end
    double wallSeconds = 0.0;
    MetricsSnapshot metrics;
    EngineStats stats;
};

Row runOnce(const std::shared_ptr<const Model>& model, const EngineBenchOptions& o, int n) {
    const Tokenizer& tok = model->tokenizer();
    const auto prefix = ordinaryTokens(tok, o.sharedPrefix, 1);
    EngineOptions eo;
    eo.nThreads = o.threads;
    eo.blockSize = 32;
    eo.kvTokens = int64_t(n) * (o.sharedPrefix + o.uniquePrompt + o.nGen + 64) + 1024;
    eo.maxContext = o.sharedPrefix + o.uniquePrompt + o.nGen + 64;
    eo.stepTokenBudget = o.stepBudget;
    eo.maxRunning = std::max(n, 1);
    Engine engine(model, eo);

    std::mutex m;
    std::condition_variable cv;
    int done = 0;
    Clock::time_point firstToken{};
    std::atomic<int64_t> generated{0};
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        RequestOptions r;
        r.tokens = prefix;
        const auto tail = ordinaryTokens(tok, o.uniquePrompt, uint32_t(100 + i));
        r.tokens.insert(r.tokens.end(), tail.begin(), tail.end());
        r.generate.maxTokens = o.nGen;
        r.generate.ignoreEos = true;
        r.generate.sampling.temperature = 0.0f;
        RequestCallbacks cb;
        cb.onTokens = [&](const TokenEvent& e) {
            if (e.tokens.empty()) return;
            std::lock_guard<std::mutex> lock(m);
            if (firstToken == Clock::time_point{}) firstToken = Clock::now();
            generated += int64_t(e.tokens.size());
        };
        cb.onFinish = [&](const FinishEvent&) {
            std::lock_guard<std::mutex> lock(m);
            ++done;
            cv.notify_all();
        };
        engine.submit(std::move(r), std::move(cb));
    }
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return done == n; });
    const auto end = Clock::now();
    Row row;
    row.concurrency = n;
    row.wallSeconds = std::chrono::duration<double>(end - start).count();
    row.decodeTps = double(generated.load()) / std::chrono::duration<double>(end - firstToken).count();
    row.metrics = engine.metrics();
    row.stats = engine.stats();
    return row;
}

} // namespace

void runEngineBench(const std::shared_ptr<const Model>& model, const EngineBenchOptions& o) {
    std::vector<Row> rows;
    for (int n : o.concurrency) rows.push_back(runOnce(model, o, n));
    std::printf("model %s; shared prefix %d tokens + %d own, %d generated per request, %d threads\n",
                model->name().c_str(), o.sharedPrefix, o.uniquePrompt, o.nGen, o.threads);
    std::printf("%-5s %12s %8s %12s %12s %12s %12s %10s %9s\n", "conc", "decode tok/s", "x conc1",
                "TTFT p50 ms", "TTFT p95 ms", "ITL p50 ms", "ITL p99 ms", "prefix hit", "KV peak");
    const double base = rows.front().decodeTps;
    for (const Row& r : rows) {
        const auto& mt = r.metrics;
        const double hit = mt.prefixLookups ? double(mt.prefixHits) / double(mt.prefixLookups) : 0.0;
        std::printf("%-5d %12.1f %8.2f %12.1f %12.1f %12.2f %12.2f %9.0f%% %9lld\n", r.concurrency,
                    r.decodeTps, r.decodeTps / base, mt.timeToFirstToken.p50 * 1e3,
                    mt.timeToFirstToken.p95 * 1e3, mt.interTokenLatency.p50 * 1e3,
                    mt.interTokenLatency.p99 * 1e3, hit * 100.0, (long long)r.stats.kvBlocksPeakUsed);
    }
}

} // namespace dw::cli
