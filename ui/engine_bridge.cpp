#include "engine_bridge.h"

#include "deepwell/error.h"
#include "deepwell/generate.h"
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

EngineBridge::EngineBridge(QObject* parent, int coalesceMs) : QObject(parent) {
    m_thread.setObjectName(QStringLiteral("dw-engine-bridge"));
    m_workerContext = new QObject; // no parent: it moves to the worker thread
    m_workerContext->moveToThread(&m_thread);
    m_thread.start();
    m_coalescer = new StreamCoalescer(coalesceMs, this);
    connect(m_coalescer, &StreamCoalescer::textReady, this, &EngineBridge::onCoalescedText);
}

EngineBridge::~EngineBridge() {
    m_cancelLoad.store(true);
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
    m_cancelLoad.store(false);
    m_loading = true;
    m_loaded = false;
    m_info = {};
    toWorker([this, path, options] { loadOnWorker(path, options); });
}

void EngineBridge::cancelLoad() { m_cancelLoad.store(true); }

void EngineBridge::destroyEngineOnWorker() {
    std::unique_ptr<Engine> old;
    {
        std::lock_guard<std::mutex> lock(m_engineMutex);
        old = std::move(m_engine);
    }
    old.reset(); // onFinish(Cancelled) of every live request fires here, on the engine thread
    m_model.reset();
    m_contextLimit = 0;
}

void EngineBridge::loadOnWorker(const QString& path, const EngineOptions& options) {
    destroyEngineOnWorker();
    try {
        float reported = -1.0f;
        LoadProgress progress;
        progress.cancel = &m_cancelLoad;
        progress.onProgress = [this, &reported](float f) {
            if (f - reported < 0.01f && f < 1.0f) return; // about 100 updates at most
            reported = f;
            toGui([this, f] { emit loadProgress(double(f)); });
        };
        std::shared_ptr<const Model> model = Model::load(path.toStdString(), progress);
        if (m_cancelLoad.load()) throw Error(ErrorCode::Cancelled, "loading was cancelled");
        auto engine = std::make_unique<Engine>(model, options);
        ModelInfo info;
        info.path = path;
        info.name = QString::fromStdString(model->name());
        info.arch = QString::fromStdString(model->hparams().archName);
        info.nLayer = model->hparams().nLayer;
        info.parameterCount = model->parameterCount();
        info.contextLimit = requestContextLimit(*model, options);
        m_model = model;
        m_contextLimit = info.contextLimit;
        {
            std::lock_guard<std::mutex> lock(m_engineMutex);
            m_engine = std::move(engine);
        }
        toGui([this, info] {
            m_loading = false;
            m_loaded = true;
            m_info = info;
            emit modelLoaded(info);
        });
    } catch (const std::exception& e) {
        const auto* err = dynamic_cast<const Error*>(&e);
        const bool cancelled = err && err->code() == ErrorCode::Cancelled;
        const QString message = cancelled ? tr("Loading was cancelled.") : QString::fromUtf8(e.what());
        toGui([this, message, cancelled] {
            m_loading = false;
            m_loaded = false;
            emit loadFailed(message, cancelled);
        });
    }
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
}

void EngineBridge::onCoalescedText(quint64 key, const QString& text, int) {
    emit textArrived(key, text);
}

qint64 EngineBridge::updatesDelivered() const { return m_coalescer->updatesDelivered(); }
qint64 EngineBridge::tokensDelivered() const { return m_coalescer->tokensDelivered(); }

} // namespace dw
