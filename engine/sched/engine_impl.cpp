// The engine thread: inbox, admission (with prefix sharing), finishing, and the loop.
// One step's batch is built and run in engine_step.cpp.
#include "sched/engine_impl.h"

#include "core/log.h"
#include "model/forward.h"
#include "deepwell/error.h"
#include "model/model_impl.h"

#include <algorithm>

namespace dw {

using sched::Clock;
using sched::Sequence;

namespace {

double secondsBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

int32_t poolBlocks(const EngineOptions& o) {
    if (o.blockSize < 1 || o.blockSize > 4096)
        throw Error(ErrorCode::InvalidArgument, "KV block size " + std::to_string(o.blockSize) + " is outside 1..4096");
    const int64_t n = (o.kvTokens + o.blockSize - 1) / o.blockSize;
    if (n < 1 || n > (int64_t(1) << 30))
        throw Error(ErrorCode::InvalidArgument, "KV cache of " + std::to_string(o.kvTokens) + " tokens is out of range");
    return int32_t(n);
}

} // namespace

Engine::Impl::Impl(std::shared_ptr<const Model> m, const EngineOptions& o)
    : model(std::move(m)), options(o), ledgerOwner(o.ledger ? o.ledger : std::make_shared<MemoryLedger>()),
      ledger(*ledgerOwner), m_pool(poolBlocks(o), o.blockSize), m_prefix(m_pool) {
    if (options.stepTokenBudget < 1) options.stepTokenBudget = 1;
    if (options.maxRunning < 1) options.maxRunning = 1;
    model::KvConfig kv;
    kv.nBlocks = m_pool.nBlocks();
    kv.blockSize = o.blockSize;
    m_forward = model::makeCpuForward(model->impl(), kv, o.nThreads);
    const MemoryDevice host = MemoryDevice::host();
    m_weightsBytes = LedgerAllocation(ledger, host, LedgerCategory::Weights, model->weightBytes(), model->name());
    m_bytesPerBlock = model::cpuKvBytesPerToken(model->hparams()) * uint64_t(o.blockSize);
    m_kvBytes = LedgerAllocation(ledger, host, LedgerCategory::KvCache, m_bytesPerBlock * uint64_t(kv.nBlocks),
                                 "KV cache, " + std::to_string(kv.nBlocks) + " blocks");
    m_kvPool = ledger.registerPool("kv blocks", host, LedgerCategory::KvCache);
    m_activations = LedgerAllocation(ledger, host, LedgerCategory::Activations, m_forward->scratchBytes(),
                                     "forward pass buffers and logits");
}

Engine::Impl::~Impl() { stop(); }

void Engine::Impl::start() { m_thread = std::thread([this] { loop(); }); }

void Engine::Impl::stop() {
    {
        std::lock_guard<std::mutex> lock(m_inboxMutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

RequestId Engine::Impl::submit(RequestOptions request, RequestCallbacks callbacks) {
    const RequestId id = m_nextId.fetch_add(1);
    {
        std::lock_guard<std::mutex> lock(m_inboxMutex);
        m_inbox.push_back({id, std::move(request), std::move(callbacks)});
    }
    m_wake.notify_all();
    return id;
}

void Engine::Impl::cancel(RequestId id) {
    {
        std::lock_guard<std::mutex> lock(m_inboxMutex);
        m_cancels.push_back(id);
    }
    m_wake.notify_all();
}

EngineStats Engine::Impl::stats() const {
    std::lock_guard<std::mutex> lock(m_statsMutex);
    return m_stats;
}

std::vector<std::vector<uint64_t>> Engine::Impl::expertSelectionCounts() const {
    std::lock_guard<std::mutex> lock(m_statsMutex);
    return m_expertCounts;
}

void Engine::Impl::resetExpertCounts() {
    {
        std::lock_guard<std::mutex> lock(m_inboxMutex);
        m_resetExpertCounts = true;
    }
    m_wake.notify_all();
}

int64_t Engine::Impl::contextLimit() const {
    int64_t limit = options.maxContext > 0 ? options.maxContext : model->hparams().nCtxTrain;
    return std::min<int64_t>(limit, int64_t(m_pool.nBlocks()) * m_pool.blockSize());
}

void Engine::Impl::loop() {
    publishStats(); // the KV pool and figures are readable before the first request
    for (;;) {
        if (!drainInbox()) break;
        admit();
        if (!m_running.empty()) {
            try {
                step();
            } catch (const std::exception& e) {
                // A failure of the forward pass ends the requests of that step, never the app.
                log().error("engine step failed: {}", e.what());
                while (!m_running.empty()) finish(m_running, m_running.begin(), FinishReason::Error, e.what());
            }
        }
        publishStats();
    }
    finishAll(FinishReason::Cancelled);
    publishStats();
}

bool Engine::Impl::drainInbox() {
    std::deque<Submission> inbox;
    std::vector<RequestId> cancels;
    {
        std::unique_lock<std::mutex> lock(m_inboxMutex);
        m_wake.wait(lock, [&] {
            return m_stopping || !m_inbox.empty() || !m_cancels.empty() || !m_running.empty() ||
                   !m_waiting.empty() || m_resetExpertCounts;
        });
        if (m_stopping) return false;
        inbox.swap(m_inbox);
        cancels.swap(m_cancels);
        if (m_resetExpertCounts) m_forward->resetExpertCounts();
        m_resetExpertCounts = false;
    }
    for (auto& sub : inbox) {
        m_waiting.emplace_back(sub.id, m_arrivals++, std::move(sub.request), std::move(sub.callbacks), m_pool);
        auto it = std::prev(m_waiting.end());
        if (!prepareSequence(*it)) finish(m_waiting, it, FinishReason::Error, it->text);
    }
    for (RequestId id : cancels) {
        for (auto* list : {&m_waiting, &m_running}) {
            auto it = std::find_if(list->begin(), list->end(), [&](const Sequence& s) { return s.id == id; });
            if (it != list->end()) {
                finish(*list, it, FinishReason::Cancelled);
                break;
            }
        }
    }
    return true;
}

bool Engine::Impl::prepareSequence(Sequence& s) {
    // Errors are reported through the finish event; `text` carries the message until then.
    try {
        const Model& mdl = *model;
        if (!s.request.messages.empty()) {
            s.tokens = chatPromptTokens(mdl, s.request.messages, true);
            const auto& extra = mdl.chatStopStrings();
            auto stops = s.request.generate.stop;
            stops.insert(stops.end(), extra.begin(), extra.end());
            s.stops = model::StopFilter(std::move(stops));
        } else {
            s.tokens = s.request.tokens;
        }
        if (s.tokens.empty()) throw Error(ErrorCode::InvalidArgument, "the request has an empty prompt");
        for (int32_t t : s.tokens)
            if (t < 0 || t >= mdl.hparams().nVocab)
                throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(t) + " is outside the vocabulary");
        if (!s.request.longContext && int64_t(s.tokens.size()) >= contextLimit())
            throw Error(ErrorCode::InvalidArgument,
                        "the prompt has " + std::to_string(s.tokens.size()) +
                            " tokens and does not fit the context of " + std::to_string(contextLimit()) +
                            " tokens; shorten it, start a new conversation, or use long-context mode");
        s.nPrompt = int64_t(s.tokens.size());
        s.sampler.emplace(s.request.generate.sampling);
        for (int32_t t : s.tokens) s.sampler->accept(t);
        s.decoder.emplace(mdl.tokenizer(), s.request.generate.renderSpecial);
        return true;
    } catch (const std::exception& e) {
        s.text = e.what();
        return false;
    }
}

void Engine::Impl::admit() {
    while (!m_waiting.empty() && int(m_running.size()) < options.maxRunning) {
        auto it = m_waiting.begin();
        // Prompt scoring needs every position evaluated, so it takes nothing from the cache.
        if (it->evaluated == 0 && it->table.nLogicalBlocks() == 0 && !it->request.promptLogprobs) {
            const int64_t reused = m_prefix.attach(it->table, it->tokens);
            it->evaluated = reused;
            if (!it->started) it->cachedPrompt = std::min(reused, it->nPrompt);
            ++m_local.prefixLookups;
            if (reused > 0) ++m_local.prefixHits;
            m_local.prefixTokensReused += reused;
            metrics.recordPrefixLookup(reused > 0, uint64_t(reused));
        }
        m_running.splice(m_running.end(), m_waiting, it);
    }
}

void Engine::Impl::preempt(Sequence& victim) {
    // Recompute later: the K/V of full blocks stays findable in the prefix index until evicted.
    m_prefix.registerBlocks(victim.table, std::span<const int32_t>(victim.tokens.data(), size_t(victim.evaluated)));
    victim.table.releaseAll();
    victim.evaluated = 0;
    ++m_local.preemptions;
    auto it = std::find_if(m_running.begin(), m_running.end(), [&](const Sequence& s) { return &s == &victim; });
    DW_ASSERT(it != m_running.end());
    auto pos = std::find_if(m_waiting.begin(), m_waiting.end(),
                            [&](const Sequence& s) { return s.arrival > victim.arrival; });
    m_waiting.splice(pos, m_running, it);
}

void Engine::Impl::finish(std::list<Sequence>& list, std::list<Sequence>::iterator it,
                          FinishReason reason, std::string error) {
    Sequence& s = *it;
    FinishEvent ev;
    ev.reason = reason;
    ev.error = std::move(error);
    if (reason == FinishReason::Stop || reason == FinishReason::Length) {
        bool stopped = false;
        std::string tail = s.decoder ? s.stops.push(s.decoder->flush(), stopped) : std::string();
        if (!stopped) tail += s.stops.flush();
        if (!tail.empty()) {
            s.text += tail;
            TokenEvent te;
            te.text = tail;
            if (s.callbacks.onTokens) s.callbacks.onTokens(te);
        }
    }
    if (reason != FinishReason::Error) ev.text = s.text;
    if (s.evaluated > 0)
        m_prefix.registerBlocks(s.table, std::span<const int32_t>(s.tokens.data(), size_t(s.evaluated)));
    s.table.releaseAll();
    const auto now = Clock::now();
    ev.timings.queueSeconds = s.started ? secondsBetween(s.submitted, s.firstStep) : secondsBetween(s.submitted, now);
    ev.timings.firstTokenSeconds = s.generated > 0 ? secondsBetween(s.submitted, s.firstToken) : 0.0;
    ev.timings.totalSeconds = secondsBetween(s.submitted, now);
    ev.timings.promptTokens = s.nPrompt;
    ev.timings.cachedPromptTokens = s.cachedPrompt;
    ev.timings.generatedTokens = s.generated;
    RequestCallbacks callbacks = std::move(s.callbacks);
    list.erase(it);
    switch (reason) {
    case FinishReason::Stop: metrics.recordRequestFinished(RequestOutcome::Stop); break;
    case FinishReason::Length: metrics.recordRequestFinished(RequestOutcome::Length); break;
    case FinishReason::Cancelled: metrics.recordRequestFinished(RequestOutcome::Cancelled); break;
    case FinishReason::Error: metrics.recordRequestFinished(RequestOutcome::Error); break;
    }
    if (callbacks.onFinish) callbacks.onFinish(ev);
}

void Engine::Impl::finishAll(FinishReason reason) {
    // Requests still in the inbox never became sequences: finish them too (exactly once).
    std::deque<Submission> inbox;
    {
        std::lock_guard<std::mutex> lock(m_inboxMutex);
        inbox.swap(m_inbox);
        m_cancels.clear();
    }
    for (auto& sub : inbox) {
        m_waiting.emplace_back(sub.id, m_arrivals++, std::move(sub.request), std::move(sub.callbacks), m_pool);
    }
    while (!m_running.empty()) finish(m_running, m_running.begin(), reason);
    while (!m_waiting.empty()) finish(m_waiting, m_waiting.begin(), reason);
}

void Engine::Impl::publishStats() {
    metrics.setQueueDepth(uint64_t(m_waiting.size()));
    metrics.setRunningSequences(uint64_t(m_running.size()));
    metrics.setKvBlocks(uint64_t(m_pool.usedCount()), uint64_t(m_pool.freeCount()), uint64_t(m_pool.cachedCount()));
    const uint64_t capacity = m_bytesPerBlock * uint64_t(m_pool.nBlocks());
    const uint64_t used = m_bytesPerBlock * uint64_t(m_pool.usedCount());
    const uint64_t available = capacity - used;
    // A paged pool has no external fragmentation: any free block serves any request, so the
    // whole free space counts as one run (the block pool's own fragmentation() measures how
    // scattered the free blocks are, which costs nothing here).
    m_kvPool.update({capacity, used, available});
    m_local.waiting = int64_t(m_waiting.size());
    m_local.running = int64_t(m_running.size());
    m_local.kvBlocksTotal = m_pool.nBlocks();
    m_local.kvBlocksUsed = m_pool.usedCount();
    m_local.kvBlocksCached = m_pool.cachedCount();
    m_local.kvBlocksFree = m_pool.freeCount();
    m_local.kvPerRequest.clear();
    for (const auto& seq : m_running)
        m_local.kvPerRequest.push_back({seq.id, seq.table.heldBlocks(), seq.table.nTokens()});
    m_activations.resize(m_forward->scratchBytes() + uint64_t(m_logits.capacity() * sizeof(float)));
    std::vector<std::vector<uint64_t>> counts;
    if (model->hparams().moe.nExpert > 0) counts = m_forward->expertCounts(); // a few thousand counters
    std::lock_guard<std::mutex> lock(m_statsMutex);
    m_stats = m_local;
    if (model->hparams().moe.nExpert > 0) m_expertCounts = std::move(counts);
}

} // namespace dw
