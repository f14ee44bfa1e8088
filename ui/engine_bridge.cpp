#include "engine_bridge.h"

#include "deepwell/error.h"
#include "deepwell/generate.h"
#include "deepwell/telemetry.h"
#include "stream_coalescer.h"

#include <algorithm>

namespace dw {

namespace {

// The engine's per-request limit (Engine::Impl::contextLimit): the configured or trained
// context, capped by the KV pool's capacity in whole blocks.
qint64 requestContextLimit(const Model& model, const EngineOptions& o) {
    qint64 limit = o.maxContext > 0 ? o.maxContext : model.hparams().nCtxTrain;
    const qint64 block = std::max(1, o.blockSize);
    const qint64 capacity = (o.kvTokens + block - 1) / block * block;
    if (limit <= 0) limit = capacity;
    return std::min(limit, capacity);
}

qint64 replyReserve(const GenerationRequest& r) {
    if (r.replyReserve > 0) return r.replyReserve;
    constexpr qint64 kDefault = 512;
    return r.generate.maxTokens < 0 ? kDefault : std::min<qint64>(r.generate.maxTokens, kDefault);
}

} // namespace

template <class F> void EngineBridge::toGui(F&& f) {
    QMetaObject::invokeMethod(this, std::forward<F>(f), Qt::QueuedConnection);
}

template <class F> void EngineBridge::toWorker(F&& f) {
    QMetaObject::invokeMethod(m_workerContext, std::forward<F>(f), Qt::QueuedConnection);
}

template <class F> void EngineBridge::toLoader(F&& f) {
    QMetaObject::invokeMethod(m_loaderContext, std::forward<F>(f), Qt::QueuedConnection);
}

EngineBridge::EngineBridge(QObject* parent, int coalesceMs) : QObject(parent) {
    m_thread.setObjectName(QStringLiteral("dw-engine-bridge"));
    m_workerContext = new QObject; // no parent: it moves to the worker thread
    m_workerContext->moveToThread(&m_thread);
    m_thread.start();
    m_loadThread.setObjectName(QStringLiteral("dw-model-loader"));
    m_loaderContext = new QObject;
    m_loaderContext->moveToThread(&m_loadThread);
    m_loadThread.start();
    m_coalescer = new StreamCoalescer(coalesceMs, this);
    connect(m_coalescer, &StreamCoalescer::textReady, this, &EngineBridge::onCoalescedText);
}

EngineBridge::~EngineBridge() {
    {
        std::lock_guard<std::mutex> lock(m_cancelMutex);
        if (m_cancelLoad) m_cancelLoad->store(true);
    }
    // A load in progress stops at its next cancellation point; a model waiting to take over
    // is destroyed on the loader thread like every other (after that load has stopped).
    QMetaObject::invokeMethod(m_loaderContext, [this] { m_pending.reset(); }, Qt::BlockingQueuedConnection);
    m_loadThread.quit();
    m_loadThread.wait();
    delete m_loaderContext;
    {
        std::lock_guard<std::mutex> lock(m_jobsMutex);
        for (auto& [ticket, job] : m_jobs) job->cancelled.store(true);
    }
    // Blocks the GUI only for the engine's current step (its destructor cancels and joins).
    QMetaObject::invokeMethod(m_workerContext, [this] { destroyEngineOnWorker(); },
                              Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_workerContext;
}

void EngineBridge::loadModel(const QString& path, const EngineOptions& options) {
    const quint64 generation = ++m_loadGeneration;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    {
        std::lock_guard<std::mutex> lock(m_cancelMutex);
        if (m_cancelLoad) m_cancelLoad->store(true); // a load still running is superseded
        m_cancelLoad = cancel;
    }
    if (m_pending) discard(std::move(m_pending)); // so is a model waiting to take over
    m_loading = true;
    toLoader([this, generation, path, options, cancel] { loadOnLoader(generation, path, options, cancel); });
}

void EngineBridge::cancelLoad() {
    {
        std::lock_guard<std::mutex> lock(m_cancelMutex);
        if (m_cancelLoad) m_cancelLoad->store(true);
    }
    // A model already loaded and waiting for replies to end is dropped on the GUI thread.
    toGui([this] {
        if (!m_pending) return;
        discard(std::move(m_pending));
        m_loading = false;
        emit loadFailed(tr("Loading was cancelled."), true);
    });
}

LedgerSnapshot EngineBridge::engineMemory() const {
    std::lock_guard<std::mutex> lock(m_engineMutex);
    return m_engine ? m_engine->memory() : LedgerSnapshot{};
}

void EngineBridge::discard(std::shared_ptr<Loaded> loaded) {
    if (!loaded) return;
    // The engine's destructor joins its thread: never on the GUI thread.
    toLoader([loaded = std::move(loaded)]() mutable { loaded.reset(); });
}

void EngineBridge::setTelemetrySampler(TelemetrySampler* sampler) {
    std::lock_guard<std::mutex> samplerLock(m_samplerMutex);
    if (m_sampler) m_sampler->setFeeds({});
    m_sampler = sampler;
    std::lock_guard<std::mutex> lock(m_engineMutex);
    if (m_sampler && m_engine) m_sampler->setFeeds(engineFeeds(*m_engine));
}

void EngineBridge::detachTelemetrySampler(TelemetrySampler* sampler) {
    std::lock_guard<std::mutex> samplerLock(m_samplerMutex);
    if (!sampler || m_sampler != sampler) return;
    m_sampler->setFeeds({});
    m_sampler = nullptr;
}

void EngineBridge::withEngine(const std::function<void(Engine*)>& f) const {
    std::lock_guard<std::mutex> lock(m_engineMutex);
    f(m_engine.get());
}

void EngineBridge::feedSamplerOnWorker() {
    // setFeeds() waits for a sample in progress, so once it returns no feed reads the old
    // engine. m_engine is read without its lock: this thread is its only writer.
    if (!m_sampler) return;
    m_sampler->setFeeds(m_engine ? engineFeeds(*m_engine) : TelemetryFeeds{});
    if (m_engine) m_sampler->mark(TelemetryMarkKind::ModelLoad, m_engine->model().name());
}

void EngineBridge::destroyEngineOnWorker() {
    std::unique_ptr<Engine> old;
    {
        std::lock_guard<std::mutex> samplerLock(m_samplerMutex);
        if (m_sampler) m_sampler->setFeeds({}); // before the engine goes
        std::lock_guard<std::mutex> lock(m_engineMutex);
        old = std::move(m_engine);
    }
    old.reset(); // onFinish(Cancelled) of every live request fires here, on the engine thread
    m_model.reset();
    m_contextLimit = 0;
}

void EngineBridge::loadOnLoader(quint64 generation, const QString& path, const EngineOptions& options,
                                CancelFlag cancel) {
    try {
        if (cancel->load()) throw Error(ErrorCode::Cancelled, "loading was cancelled");
        float reported = -1.0f;
        LoadProgress progress;
        progress.cancel = cancel.get();
        progress.onProgress = [this, generation, &reported](float f) {
            if (f - reported < 0.01f && f < 1.0f) return; // about 100 updates at most
            reported = f;
            toGui([this, generation, f] {
                if (generation == m_loadGeneration) emit loadProgress(double(f));
            });
        };
        auto loaded = std::make_shared<Loaded>();
        loaded->model = Model::load(path.toStdString(), progress);
        if (cancel->load()) throw Error(ErrorCode::Cancelled, "loading was cancelled");
        loaded->engine = std::make_unique<Engine>(loaded->model, options);
        const Model& model = *loaded->model;
        ModelInfo& info = loaded->info;
        info.path = path;
        info.name = QString::fromStdString(model.name());
        info.arch = QString::fromStdString(model.hparams().archName);
        info.nLayer = model.hparams().nLayer;
        info.parameterCount = model.parameterCount();
        info.contextLimit = requestContextLimit(model, options);
        const LedgerSnapshot memory = loaded->engine->memory();
        if (const LedgerDeviceUsage* host = memory.device(MemoryDevice::host())) {
            info.weightBytes = (*host)[LedgerCategory::Weights].current;
            info.kvCacheBytes = (*host)[LedgerCategory::KvCache].current;
            info.activationBytes = (*host)[LedgerCategory::Activations].current;
        }
        toGui([this, generation, loaded, cancel] { onLoaded(generation, loaded, cancel); });
    } catch (const std::exception& e) {
        const auto* err = dynamic_cast<const Error*>(&e);
        const bool cancelled = err && err->code() == ErrorCode::Cancelled;
        const QString message = cancelled ? tr("Loading was cancelled.") : QString::fromUtf8(e.what());
        toGui([this, generation, message, cancelled] { onLoadError(generation, message, cancelled); });
    }
}

void EngineBridge::onLoadError(quint64 generation, const QString& message, bool cancelled) {
    if (generation != m_loadGeneration) return; // superseded by a newer load
    m_loading = false;
    emit loadFailed(message, cancelled);
}

void EngineBridge::onLoaded(quint64 generation, std::shared_ptr<Loaded> loaded, CancelFlag cancel) {
    if (generation != m_loadGeneration) {
        discard(std::move(loaded));
        return;
    }
    if (cancel->load()) { // cancelled after the loader's last check
        discard(std::move(loaded));
        onLoadError(generation, tr("Loading was cancelled."), true);
        return;
    }
    m_pending = std::move(loaded);
    trySwap();
    if (m_pending) emit swapPending(m_pending->info);
}

void EngineBridge::trySwap() {
    if (!m_pending) return;
    {
        std::lock_guard<std::mutex> lock(m_jobsMutex);
        if (!m_jobs.empty()) return; // a reply is open on the current engine
    }
    // Every generate() from now on is queued on the worker after this swap, so it runs on the
    // new engine; no reply is open on the old one, which is destroyed there.
    std::shared_ptr<Loaded> next = std::move(m_pending);
    const ModelInfo info = next->info;
    toWorker([this, next = std::move(next)]() mutable { swapOnWorker(std::move(next)); });
    m_loading = false;
    m_loaded = true;
    m_info = info;
    emit modelLoaded(info);
}

void EngineBridge::swapOnWorker(std::shared_ptr<Loaded> next) {
    std::unique_ptr<Engine> old;
    {
        std::lock_guard<std::mutex> samplerLock(m_samplerMutex);
        if (m_sampler) m_sampler->setFeeds({}); // before the old engine goes
        {
            std::lock_guard<std::mutex> lock(m_engineMutex);
            old = std::move(m_engine);
            m_engine = std::move(next->engine);
        }
        feedSamplerOnWorker();
    }
    old.reset(); // no reply is open on it (trySwap checked), so this only joins its thread
    m_model = next->model;
    m_contextLimit = next->info.contextLimit;
}

quint64 EngineBridge::generate(const GenerationRequest& request) {
    const quint64 ticket = m_nextTicket++;
    auto job = std::make_shared<Job>();
    {
        std::lock_guard<std::mutex> lock(m_jobsMutex);
        m_jobs[ticket] = job;
    }
    toWorker([this, ticket, job, request] { prepareOnWorker(ticket, job, request); });
    return ticket;
}

void EngineBridge::stop(quint64 ticket) {
    std::shared_ptr<Job> job;
    {
        std::lock_guard<std::mutex> lock(m_jobsMutex);
        auto it = m_jobs.find(ticket);
        if (it == m_jobs.end()) return;
        job = it->second;
    }
    // Order matters against prepareOnWorker(): we set `cancelled` then read the id; it
    // stores the id then reads `cancelled`. One of the two sees the other.
    job->cancelled.store(true);
    const RequestId id = job->requestId.load();
    if (id == 0) return; // not submitted yet: the worker will finish it as Cancelled
    std::lock_guard<std::mutex> lock(m_engineMutex);
    if (m_engine) m_engine->cancel(id);
}

void EngineBridge::prepareOnWorker(quint64 ticket, std::shared_ptr<Job> job, GenerationRequest request) {
    Engine* engine = m_engine.get(); // written only on this thread
    if (!engine || !m_model) {
        toGui([this, ticket] { finishEarly(ticket, FinishReason::Error, tr("No model is loaded.")); });
        return;
    }
    try {
        const Model& model = *m_model;
        std::vector<int32_t> tokens = chatPromptTokens(model, request.messages, true);
        const qint64 limit = m_contextLimit;
        const qint64 reserve = replyReserve(request);
        const auto fits = [&](size_t n) { return qint64(n) + reserve <= limit; };
        if (!request.longContext && !fits(tokens.size())) {
            if (!request.trimToFit) {
                const ContextOverflow o{qint64(tokens.size()), limit, reserve};
                toGui([this, ticket, o] {
                    {
                        std::lock_guard<std::mutex> lock(m_jobsMutex);
                        m_jobs.erase(ticket);
                    }
                    emit contextOverflow(ticket, o);
                    trySwap();
                });
                return;
            }
            // Drop the oldest turns: the kept part must start with a user message (templates
            // insist on alternation); fewer messages never give more tokens, so bisect.
            const auto& msgs = request.messages;
            const size_t first = !msgs.empty() && msgs[0].role == "system" ? 1 : 0;
            std::vector<size_t> drops;
            for (size_t k = 1; first + k < msgs.size(); ++k)
                if (msgs[first + k].role == "user") drops.push_back(k);
            size_t lo = 0, hi = drops.size();
            std::vector<int32_t> best;
            int bestDrop = -1;
            while (lo < hi) {
                const size_t mid = (lo + hi) / 2;
                std::vector<ChatMessage> kept(msgs.begin(), msgs.begin() + ptrdiff_t(first));
                kept.insert(kept.end(), msgs.begin() + ptrdiff_t(first + drops[mid]), msgs.end());
                std::vector<int32_t> t = chatPromptTokens(model, kept, true);
                if (fits(t.size())) {
                    best = std::move(t);
                    bestDrop = int(drops[mid]);
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            if (bestDrop < 0) {
                const QString msg = tr("The last message alone needs more than the model's context "
                                       "of %1 tokens. Shorten it or use long-context mode.").arg(limit);
                toGui([this, ticket, msg] { finishEarly(ticket, FinishReason::Error, msg); });
                return;
            }
            tokens = std::move(best);
            toGui([this, ticket, bestDrop] { emit promptTrimmed(ticket, bestDrop); });
        }
        const qint64 nPrompt = qint64(tokens.size());
        toGui([this, ticket, nPrompt, limit] { emit promptMeasured(ticket, nPrompt, limit); });

        RequestOptions r;
        r.tokens = std::move(tokens);
        r.generate = request.generate;
        for (const std::string& s : model.chatStopStrings()) r.generate.stop.push_back(s);
        r.longContext = request.longContext;
        RequestCallbacks cb;
        cb.onTokens = [this, ticket](const TokenEvent& e) { // engine thread
            m_coalescer->append(ticket, e.text, int(e.tokens.size()));
        };
        cb.onFinish = [this, ticket](const FinishEvent& e) { // engine thread
            toGui([this, ticket, e] { onEngineFinished(ticket, e); });
        };
        if (job->cancelled.load()) {
            toGui([this, ticket] { finishEarly(ticket, FinishReason::Cancelled, {}); });
            return;
        }
        job->requestId.store(engine->submit(std::move(r), std::move(cb)));
        if (job->cancelled.load()) engine->cancel(job->requestId.load());
    } catch (const std::exception& e) {
        const QString msg = QString::fromUtf8(e.what());
        toGui([this, ticket, msg] { finishEarly(ticket, FinishReason::Error, msg); });
    }
}

void EngineBridge::finishEarly(quint64 ticket, FinishReason reason, const QString& error) {
    {
        std::lock_guard<std::mutex> lock(m_jobsMutex);
        m_jobs.erase(ticket);
    }
    GenerationResult r;
    r.reason = reason;
    r.error = error;
    emit finished(ticket, r);
    trySwap();
}

void EngineBridge::onEngineFinished(quint64 ticket, const FinishEvent& event) {
    m_coalescer->flushNow(); // the text streamed before the finish arrives first
    {
        std::lock_guard<std::mutex> lock(m_jobsMutex);
        m_jobs.erase(ticket);
    }
    GenerationResult r;
    r.reason = event.reason;
    r.error = QString::fromStdString(event.error);
    r.timings = event.timings;
    emit finished(ticket, r);
    trySwap();
}

void EngineBridge::onCoalescedText(quint64 key, const QString& text, int) {
    emit textArrived(key, text);
}

qint64 EngineBridge::updatesDelivered() const { return m_coalescer->updatesDelivered(); }
qint64 EngineBridge::tokensDelivered() const { return m_coalescer->tokensDelivered(); }

} // namespace dw
