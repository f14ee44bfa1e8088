#pragma once
// Engine internals. Threads: submit()/cancel()/stats() run on any thread and touch only the
// inbox (m_inboxMutex) and the stats copy (m_statsMutex); everything else — sequences, the
// KV bookkeeping, the forward pass — belongs to the engine thread.
#include "core/memory_ledger.h"
#include "deepwell/engine.h"
#include "kv/block_pool.h"
#include "kv/prefix_index.h"
#include "model/forward.h"
#include "sched/sequence.h"
#include "sched/step_planner.h"
#include "telemetry/metrics.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace dw {

struct Engine::Impl {
    Impl(std::shared_ptr<const Model> model, const EngineOptions& options);
    ~Impl();

    void start();
    void stop();
    RequestId submit(RequestOptions request, RequestCallbacks callbacks);
    void cancel(RequestId id);
    EngineStats stats() const;
    std::vector<std::vector<uint64_t>> expertSelectionCounts() const;
    void resetExpertCounts();

    std::shared_ptr<const Model> model;
    EngineOptions options;
    std::shared_ptr<MemoryLedger> ledgerOwner; // options.ledger or the engine's own
    MemoryLedger& ledger;                      // thread-safe
    ServingMetrics metrics;  // thread-safe

private:
    struct Submission {
        RequestId id;
        RequestOptions request;
        RequestCallbacks callbacks;
    };

    void loop();
    bool drainInbox();                 // false when stopping
    void admit();
    void step();
    bool prepareSequence(sched::Sequence& s); // tokenize; false (and finished) on error
    bool reserve(sched::Sequence& s, int64_t n); // KV for n more positions (may preempt)
    void preempt(sched::Sequence& victim);
    // Samples the next token; returns true when the sequence has finished.
    bool sample(sched::Sequence& s, const float* logits);
    void finish(std::list<sched::Sequence>& list, std::list<sched::Sequence>::iterator it,
                FinishReason reason, std::string error = {});
    void finishAll(FinishReason reason);
    void publishStats();
    int64_t contextLimit() const;

    // --- any thread ---
    mutable std::mutex m_inboxMutex;
    std::condition_variable m_wake;
    std::deque<Submission> m_inbox;     // guarded by m_inboxMutex
    std::vector<RequestId> m_cancels;   // guarded by m_inboxMutex
    bool m_stopping = false;            // guarded by m_inboxMutex
    bool m_resetExpertCounts = false;   // guarded by m_inboxMutex
    std::atomic<RequestId> m_nextId{1};
    mutable std::mutex m_statsMutex;
    EngineStats m_stats;                // guarded by m_statsMutex (a copy the engine publishes)
    std::vector<std::vector<uint64_t>> m_expertCounts; // guarded by m_statsMutex (likewise)

    // --- engine thread ---
    LedgerAllocation m_weightsBytes;   // the mapped model file's tensors
    LedgerAllocation m_kvBytes;        // the KV cache (every block, used or not)
    LedgerAllocation m_activations;    // the forward pass's buffers and the logits, after each step
    PoolRegistration m_kvPool;         // block usage, pushed after each step
    uint64_t m_bytesPerBlock = 0;
    std::thread m_thread;
    kv::BlockPool m_pool;
    kv::PrefixIndex m_prefix;
    std::unique_ptr<model::Forward> m_forward;
    std::list<sched::Sequence> m_waiting; // admitted in arrival order
    std::list<sched::Sequence> m_running;
    uint64_t m_arrivals = 0;
    EngineStats m_local;                // engine-thread counters, copied to m_stats
    model::Batch m_batch;
    std::vector<float> m_logits;
};

} // namespace dw
