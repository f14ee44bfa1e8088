#pragma once
// The serving engine: one loaded model shared by many requests (a chat, a document being
// read, server clients). An Engine owns a scheduler thread; requests are submitted from any
// thread and stream their results back through callbacks called on that engine thread.
//
// Each step runs every decoding sequence's next token plus chunks of waiting prompts under a
// per-step token budget as one batch (weights are read once per step), over a paged KV cache
// in which identical prompt prefixes share blocks.
#include "deepwell/chat_template.h"
#include "deepwell/generate.h"
#include "deepwell/ledger.h"
#include "deepwell/memory_ledger.h"
#include "deepwell/metrics.h"
#include "deepwell/model.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dw {

struct EngineOptions {
    int nThreads = 0;              // CPU threads of the forward pass (0 = all)
    int64_t kvTokens = 16384;      // capacity of the shared KV cache, in token positions
    int blockSize = 32;            // KV block size (positions)
    int64_t maxContext = 0;        // per request (0 = the model's trained context)
    int64_t stepTokenBudget = 256; // tokens per step: decode tokens first, then prompt chunks
    int maxRunning = 32;           // sequences decoded together
    // Where the engine records its memory (weights, KV cache, activations). The program may
    // own one ledger for all it loads, which outlives the engine: after the engine is gone
    // every category it recorded is back where it was. Null: the engine keeps its own.
    std::shared_ptr<MemoryLedger> ledger;
};

struct TokenLogprob {
    int32_t token = 0;
    float logprob = 0.0f;
};

struct RequestOptions {
    // The prompt: chat messages (rendered with the model's chat template), or tokens.
    std::vector<ChatMessage> messages;
    std::vector<int32_t> tokens;
    GenerateOptions generate;     // max tokens, stop strings, sampling
    int topLogprobs = 0;          // > 0: log-probabilities of the chosen and top-N tokens
    // Log-probability of every prompt token given the ones before it (perplexity, scoring),
    // delivered in TokenEvent::promptLogprobs as the prompt is evaluated.
    bool promptLogprobs = false;
    // Long-context mode: when the text outgrows maxContext, keep the first sinkTokens
    // positions (attention sinks) plus a sliding window of the most recent ones; KV memory
    // stays bounded. Off: a request that outgrows its context finishes with Length.
    bool longContext = false;
    int64_t sinkTokens = 4;
};

struct TokenEvent {
    int64_t step = 0;                              // the engine step that produced it
    std::string text;                              // new text (complete UTF-8, stop strings cut)
    std::vector<int32_t> tokens;                   // the token ids generated in this step
    std::vector<TokenLogprob> chosen;              // per token, when topLogprobs > 0
    std::vector<std::vector<TokenLogprob>> top;    // per token, the top-N alternatives
    // promptLogprobs: log p(prompt[i] | prompt[0..i)) for the prompt positions evaluated in
    // this step, starting at promptLogprobsFirst (position 0 has none).
    int64_t promptLogprobsFirst = 0;
    std::vector<float> promptLogprobs;
};

struct RequestTimings {
    double queueSeconds = 0.0;      // submission -> first step that ran it
    double firstTokenSeconds = 0.0; // submission -> first generated token (TTFT)
    double totalSeconds = 0.0;
    int64_t promptTokens = 0;
    int64_t cachedPromptTokens = 0; // prompt tokens served from shared prefix blocks
    int64_t generatedTokens = 0;
};

struct FinishEvent {
    FinishReason reason = FinishReason::Stop;
    std::string error;   // reason == Error: what went wrong and what to do
    std::string text;    // the whole generated text
    RequestTimings timings;
};

struct RequestCallbacks {
    std::function<void(const TokenEvent&)> onTokens; // engine thread
    std::function<void(const FinishEvent&)> onFinish; // engine thread, exactly once per request
};

using RequestId = uint64_t;

struct EngineStats {
    int64_t steps = 0;
    int64_t waiting = 0;
    int64_t running = 0;
    int64_t kvBlocksTotal = 0, kvBlocksUsed = 0, kvBlocksCached = 0, kvBlocksFree = 0;
    int64_t prefixLookups = 0, prefixHits = 0, prefixTokensReused = 0;
    int64_t promptTokensEvaluated = 0;
    int64_t generatedTokens = 0;
    int64_t preemptions = 0;
    int64_t kvBlocksPeakUsed = 0;
    struct RequestKv {
        uint64_t id = 0;            // the RequestId
        int64_t blocks = 0;         // KV blocks its table holds (shared prefix blocks included)
        int64_t tokens = 0;         // positions in its context
    };
    std::vector<RequestKv> kvPerRequest; // running requests
};

class Engine {
public:
    // Starts the engine thread. Throws Error(OutOfMemory) when the KV cache cannot be
    // allocated. The CPU backend is used (batches of sequences).
    Engine(std::shared_ptr<const Model> model, const EngineOptions& options);
    // Cancels every request (their onFinish fires with Cancelled) and joins the thread.
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Any thread. A request that cannot run (empty prompt, a prompt longer than the context
    // without long-context mode, a template error) still gets exactly one onFinish, with
    // reason Error and a message.
    RequestId submit(RequestOptions request, RequestCallbacks callbacks);
    // Any thread; takes effect before the next step. Unknown or finished ids are ignored.
    void cancel(RequestId id);

    EngineStats stats() const;
    // MoE models: per layer, how often each expert was selected (one count per token and
    // chosen expert, prompt tokens included) since the engine started or the last reset, as
    // of the last step; empty rows for dense layers, empty for a dense model. Any thread.
    std::vector<std::vector<uint64_t>> expertSelectionCounts() const;
    // Zeroes the counts before the next step (the monitor's "reset"). Any thread.
    void resetExpertCounts();
    // Serving metrics (latency percentiles, token rates, KV and prefix-cache figures) and the
    // memory ledger (weights, KV cache, pools), as plain values; any thread.
    MetricsSnapshot metrics() const;
    LedgerSnapshot memory() const;
    const Model& model() const;
    const EngineOptions& options() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m;
};

} // namespace dw
