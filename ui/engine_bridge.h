#pragma once
// The GUI's handle on the engine. Owns the loaded Model and the dw::Engine; every piece of
// engine work — loading, building the engine, rendering and tokenizing prompts — runs on the
// bridge's worker thread, generation on the engine's own thread. Results come back as
// signals on the GUI thread (the bridge lives there); streamed text is coalesced by a
// StreamCoalescer into at most one textArrived() per interval.
//
// Threads: the bridge object and its signals: GUI thread. m_engine: written only on the
// worker thread, under m_engineMutex (stop() reads it from the GUI thread to cancel).
#include "deepwell/engine.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

namespace dw {

class StreamCoalescer;

struct ModelInfo {
    QString path;
    QString name;
    QString arch;
    int nLayer = 0;
    quint64 parameterCount = 0;
    qint64 contextLimit = 0; // tokens a request may hold (the engine's per-request limit)
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

    // Loads `path` on the worker thread (replacing the current model): loadProgress(),
    // then modelLoaded() or loadFailed().
    void loadModel(const QString& path, const EngineOptions& options);
    void cancelLoad(); // any thread; loadFailed(…, cancelled = true) follows
    bool isLoading() const { return m_loading; }
    bool isLoaded() const { return m_loaded; }
    const ModelInfo& modelInfo() const { return m_info; }

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

    // Worker thread.
    void loadOnWorker(const QString& path, const EngineOptions& options);
    void prepareOnWorker(quint64 ticket, std::shared_ptr<Job> job, GenerationRequest request);
    void destroyEngineOnWorker();
    // GUI thread.
    void onEngineFinished(quint64 ticket, const FinishEvent& event);
    void finishEarly(quint64 ticket, FinishReason reason, const QString& error);
    void onCoalescedText(quint64 key, const QString& text, int tokens);
    template <class F> void toGui(F&& f);
    template <class F> void toWorker(F&& f);

    QThread m_thread;
    QObject* m_workerContext = nullptr; // lives on m_thread; queued work runs in its thread
    StreamCoalescer* m_coalescer = nullptr;
    std::atomic<bool> m_cancelLoad{false};

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
