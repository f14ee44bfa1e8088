#include "stream_coalescer.h"

namespace dw {

StreamCoalescer::StreamCoalescer(int intervalMs, QObject* parent) : QObject(parent) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &StreamCoalescer::flushNow);
}

void StreamCoalescer::append(quint64 key, std::string_view text, int tokens) {
    bool post = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        Pending* slot = nullptr;
        for (Pending& p : m_pending)
            if (p.key == key) slot = &p;
        if (!slot) {
            m_pending.push_back({key, {}, 0});
            slot = &m_pending.back();
        }
        slot->text.append(text);
        slot->tokens += tokens;
        if (!m_scheduled) {
            m_scheduled = true;
            post = true;
        }
    }
    // One queued call per interval at most: later appends see m_scheduled and only buffer.
    if (post) QMetaObject::invokeMethod(this, &StreamCoalescer::startTimer, Qt::QueuedConnection);
}

void StreamCoalescer::startTimer() {
    if (!m_timer.isActive()) m_timer.start();
}

void StreamCoalescer::flushNow() {
    m_timer.stop();
    std::vector<Pending> batch;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        batch.swap(m_pending);
        m_scheduled = false;
    }
    for (Pending& p : batch) {
        m_updates.fetch_add(1);
        m_tokens.fetch_add(p.tokens);
        emit textReady(p.key, QString::fromStdString(p.text), p.tokens);
    }
}

} // namespace dw
