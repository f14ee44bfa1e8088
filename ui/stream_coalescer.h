#pragma once
// Batches streamed text from the engine thread into at most one GUI update per interval.
// The engine thread appends to a mutex-guarded buffer; the first append after a delivery
// posts one queued call that starts a single-shot GUI-thread timer; when it fires, everything
// buffered is delivered as one textReady() per request. So the GUI sees ~25 updates a second
// however fast tokens come, and an idle coalescer costs nothing (no ticking timer).
#include <QObject>
#include <QTimer>

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

class StreamCoalescer : public QObject {
    Q_OBJECT
public:
    // Lives on the GUI thread (the thread it is created on).
    explicit StreamCoalescer(int intervalMs = 40, QObject* parent = nullptr);

    // Any thread. `tokens`: how many generated tokens this text carries (may be 0, and the
    // text may be empty while a UTF-8 character is incomplete).
    void append(quint64 key, std::string_view text, int tokens);
    // GUI thread: delivers everything buffered now (before a finish is reported).
    void flushNow();

    // Deliveries so far (GUI thread counts them; readable from any thread).
    qint64 updatesDelivered() const { return m_updates.load(); }
    qint64 tokensDelivered() const { return m_tokens.load(); }
    int intervalMs() const { return m_timer.interval(); }

signals:
    void textReady(quint64 key, const QString& text, int tokens);

private:
    struct Pending {
        quint64 key = 0;
        std::string text;
        int tokens = 0;
    };
    void startTimer();

    std::mutex m_mutex;
    std::vector<Pending> m_pending; // guarded by m_mutex; one entry per key, arrival order
    bool m_scheduled = false;       // guarded by m_mutex: a timer start is posted or running
    QTimer m_timer;                 // GUI thread
    std::atomic<qint64> m_updates{0};
    std::atomic<qint64> m_tokens{0};
};

} // namespace dw
