#pragma once
// The GUI's handle on the engine. Owns the loaded Model and the dw::Engine; every piece of
// engine work — loading, building the engine, rendering and tokenizing prompts — runs on the
// bridge's worker thread, generation on the engine's own thread. Results come back as
// signals on the GUI thread (the bridge lives there); streamed text is coalesced by a
// StreamCoalescer into at most one textArrived() per interval.
//
// Threads: the bridge object and its signals: GUI thread. m_engine: written only on the
// worker thread, under m_engineMutex (stop() reads it from the GUI thread to cancel).
//
// Swapping models without interruption: loadModel() builds the new Model and Engine on a
// third thread (the loader) while the current engine keeps serving. When the new engine is
// ready it takes over at once if no reply is open; otherwise swapPending() says so, replies
// keep going to the old engine, and the new one takes over as soon as no reply is open
// (right after the finished() of the last one). Waiting instead of cutting over means a
// running reply is never cancelled and a conversation never moves to another model in the
// middle of a reply; both models are in memory only until then. A load that fails or is
// cancelled leaves the current model serving (loadFailed() says why).
#include "deepwell/engine.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace dw {

class StreamCoalescer;
class TelemetrySampler;

struct ModelInfo {
    QString path;
    QString name;
    QString arch;
    int nLayer = 0;
    quint64 parameterCount = 0;
    qint64 contextLimit = 0; // tokens a request may hold (the engine's per-request limit)
    // Host bytes the engine recorded in its memory ledger right after it was built.
    quint64 weightBytes = 0;
    quint64 kvCacheBytes = 0;
    quint64 activationBytes = 0;
};

struct GenerationRequest {
    std::vector<ChatMessage> messages; // rendered with the model's chat template
    GenerateOptions generate;          // the model's chat stop strings are added
    bool longContext = false;          // no overflow check; the engine slides its window
    bool trimToFit = false;            // on overflow, drop the oldest turns instead of asking
    // Room the reply needs: overflow when prompt + reserve > contextLimit.
    // 0: min(maxTokens, 512) (512 when maxTokens < 0).
    qint64 replyReserve = 0;
};

struct ContextOverflow {
    qint64 promptTokens = 0;
    qint64 contextLimit = 0;
    qint64 replyReserve = 0;
};

struct GenerationResult {
    FinishReason reason = FinishReason::Stop;
    QString error;
    RequestTimings timings;
};

class EngineBridge : public QObject {
    Q_OBJECT
public:
    explicit EngineBridge(QObject* parent = nullptr, int coalesceMs = 40);
    // Cancels loading and every request, destroys the engine on the worker thread, joins it.
    ~EngineBridge() override;

    // Loads `path` in the background (the current model keeps serving): loadProgress(), then
    // modelLoaded() once the new model serves, or loadFailed() (the current model stays). A
    // second call replaces a load still in progress (or waiting to take over).
    void loadModel(const QString& path, const EngineOptions& options);
    void cancelLoad(); // any thread; loadFailed(…, cancelled = true) follows
    // From loadModel() until the new model serves or the load failed.
    bool isLoading() const { return m_loading; }
    bool isSwapPending() const { return m_pending != nullptr; } // ready, waiting for replies
    bool isLoaded() const { return m_loaded; }
    const ModelInfo& modelInfo() const { return m_info; }
    // The serving engine's memory ledger now (empty when no model is loaded).
    LedgerSnapshot engineMemory() const;
    // The GPU monitor's sampler (nullptr detaches). The bridge points its engine feeds at the
    // serving engine, clears them before that engine is destroyed, and marks the moment a
    // model starts serving. GUI thread; the sampler must stay alive until it is detached.
    void setTelemetrySampler(TelemetrySampler* sampler);
    // Detaches `sampler` if it is the one attached (a panel going away leaves another's alone).
    void detachTelemetrySampler(TelemetrySampler* sampler);
    // Calls f with the serving engine (nullptr when none) under the engine lock, so it cannot
    // be destroyed meanwhile: for quick reads (stats, expert counts) and resetExpertCounts().
    void withEngine(const std::function<void(Engine*)>& f) const;

    // Starts a reply; returns its ticket (never 0). Exactly one of finished() or
    // contextOverflow() follows for each ticket; textArrived()/promptMeasured()/promptTrimmed()
    // may come before it.
    quint64 generate(const GenerationRequest& request);
    // Thread-safe and immediate (no queued slot): the reply ends with Cancelled before the
    // engine's next step. Unknown or finished tickets are ignored.
    void stop(quint64 ticket);

    // The coalescing counters: textArrived() signals emitted and the tokens they carried.
    qint64 updatesDelivered() const;
    qint64 tokensDelivered() const;

signals:
    void loadProgress(double fraction);
    void modelLoaded(const dw::ModelInfo& info);
    void loadFailed(const QString& message, bool cancelled);
    void swapPending(const dw::ModelInfo& next); // loaded; takes over when the open replies end

    void promptMeasured(quint64 ticket, qint64 promptTokens, qint64 contextLimit);
    void promptTrimmed(quint64 ticket, int droppedMessages); // oldest non-system messages
    void contextOverflow(quint64 ticket, const dw::ContextOverflow& overflow);
    void textArrived(quint64 ticket, const QString& text);
    void finished(quint64 ticket, const dw::GenerationResult& result);

private:
    struct Job {
        std::atomic<bool> cancelled{false};
        std::atomic<RequestId> requestId{0}; // 0 until submitted
    };

    // A model and engine built by the loader, not serving yet.
    struct Loaded {
        std::shared_ptr<const Model> model;
        std::unique_ptr<Engine> engine;
        ModelInfo info;
    };
    using CancelFlag = std::shared_ptr<std::atomic<bool>>;

    // Loader thread.
    void loadOnLoader(quint64 generation, const QString& path, const EngineOptions& options,
                      CancelFlag cancel);
    // Worker thread.
    void prepareOnWorker(quint64 ticket, std::shared_ptr<Job> job, GenerationRequest request);
    void destroyEngineOnWorker();
    void swapOnWorker(std::shared_ptr<Loaded> next);
    void feedSamplerOnWorker(); // caller holds m_samplerMutex; m_engine is the new engine
    // GUI thread.
    void onLoaded(quint64 generation, std::shared_ptr<Loaded> loaded, CancelFlag cancel);
    void onLoadError(quint64 generation, const QString& message, bool cancelled);
    void trySwap();                             // when a model waits and no reply is open
    void discard(std::shared_ptr<Loaded> loaded); // destroyed on the loader thread
    void onEngineFinished(quint64 ticket, const FinishEvent& event);
    void finishEarly(quint64 ticket, FinishReason reason, const QString& error);
    void onCoalescedText(quint64 key, const QString& text, int tokens);
    template <class F> void toGui(F&& f);
    template <class F> void toWorker(F&& f);
    template <class F> void toLoader(F&& f);

    QThread m_thread;
    QObject* m_workerContext = nullptr; // lives on m_thread; queued work runs in its thread
    QThread m_loadThread;
    QObject* m_loaderContext = nullptr; // lives on m_loadThread
    StreamCoalescer* m_coalescer = nullptr;

    std::mutex m_cancelMutex;
    CancelFlag m_cancelLoad;          // the latest load's flag; guarded by m_cancelMutex
    quint64 m_loadGeneration = 0;     // GUI thread: results of older loads are dropped
    std::shared_ptr<Loaded> m_pending; // GUI thread: loaded, waiting for open replies to end

    std::mutex m_samplerMutex;              // taken before m_engineMutex, never after
    TelemetrySampler* m_sampler = nullptr; // guarded by m_samplerMutex
    mutable std::mutex m_engineMutex;
    std::shared_ptr<const Model> m_model; // worker thread
    std::unique_ptr<Engine> m_engine;     // worker writes under m_engineMutex
    qint64 m_contextLimit = 0;            // worker thread

    std::mutex m_jobsMutex;
    std::map<quint64, std::shared_ptr<Job>> m_jobs; // guarded by m_jobsMutex
    quint64 m_nextTicket = 1;                       // GUI thread

    bool m_loading = false; // GUI thread
    bool m_loaded = false;  // GUI thread
    ModelInfo m_info;       // GUI thread
};

} // namespace dw

Q_DECLARE_METATYPE(dw::ModelInfo)
Q_DECLARE_METATYPE(dw::ContextOverflow)
Q_DECLARE_METATYPE(dw::GenerationResult)
