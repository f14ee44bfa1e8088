#pragma once
// One request inside the engine: its tokens, KV block table, sampler and text streaming.
// Owned and touched only by the engine thread.
#include "deepwell/engine.h"
#include "deepwell/sampler.h"
#include "kv/block_table.h"
#include "model/stop_filter.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dw::sched {

using Clock = std::chrono::steady_clock;

struct Sequence {
    Sequence(RequestId id, uint64_t arrival, RequestOptions req, RequestCallbacks cb, kv::BlockPool& pool)
        : id(id), arrival(arrival), request(std::move(req)), callbacks(std::move(cb)), table(pool),
          stops(request.generate.stop) {}

    RequestId id;
    uint64_t arrival;
    RequestOptions request;
    RequestCallbacks callbacks;
    kv::BlockTable table;            // positions [0, evaluated) hold computed K/V
    std::vector<int32_t> tokens;     // prompt, then every generated token
    int64_t nPrompt = 0;
    int64_t evaluated = 0;           // tokens whose K/V is in the cache
    std::optional<Sampler> sampler;
    std::optional<StreamDecoder> decoder;
    model::StopFilter stops;
    std::string text;
    int64_t generated = 0;
    int64_t cachedPrompt = 0;
    bool started = false;            // ran in at least one step
    bool stoppedByModel = false;     // end-of-generation token or a stop string
    int64_t promptScored = 0;        // prompt positions whose log-probability was reported
    Clock::time_point submitted = Clock::now();
    Clock::time_point firstStep, firstToken, lastToken;

    // Tokens waiting to be evaluated: the rest of the prompt, or the last sampled token.
    int64_t pending() const { return int64_t(tokens.size()) - evaluated; }
    bool prefilling() const { return evaluated < nPrompt; }
};

} // namespace dw::sched
