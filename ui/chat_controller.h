#pragma once
// Drives a ChatSession with an EngineBridge: send, stop, regenerate, edit-and-resend, new
// session, and the choice the user makes when the conversation no longer fits the context.
// One reply at a time. GUI thread.
#include "engine_bridge.h"

#include <QObject>

namespace dw {

class ChatSession;

enum class OverflowChoice { LongContext, TrimOldMessages, NewSession, Cancel };

class ChatController : public QObject {
    Q_OBJECT
public:
    ChatController(ChatSession* session, EngineBridge* bridge, QObject* parent = nullptr);

    ChatSession* session() const { return m_session; }
    EngineBridge* bridge() const { return m_bridge; }
    bool isBusy() const { return m_ticket != 0; }
    bool canSend() const;       // a model is loaded and no reply is running
    bool canRegenerate() const; // idle, and the last row is an assistant reply
    bool hasPendingOverflow() const { return m_pendingOverflow; }

    // Each returns false (and does nothing) when it cannot run now.
    bool send(const QString& text);
    bool regenerate();
    bool editAndResend(int userRow, const QString& text); // new text; every later row dropped
    void stop();
    void newSession();
    void resolveOverflow(OverflowChoice choice);

signals:
    void busyChanged(bool busy);
    void overflowed(const dw::ContextOverflow& overflow); // waits for resolveOverflow()
    void overflowResolved();
    void contextUsage(qint64 promptTokens, qint64 contextLimit);
    void replyFinished(int row); // stats and finish reason are on the session's row
    void notice(const QString& text);    // a one-line, non-error status message
    void draftReturned(const QString& text); // an unsent message goes back to the input

private:
    void startReply(bool trimToFit);
    void onText(quint64 ticket, const QString& text);
    void onFinished(quint64 ticket, const dw::GenerationResult& result);
    void onOverflow(quint64 ticket, const dw::ContextOverflow& overflow);
    void onTrimmed(quint64 ticket, int dropped);
    void setTicket(quint64 ticket);

    ChatSession* m_session;
    EngineBridge* m_bridge;
    quint64 m_ticket = 0;     // the running reply's ticket; 0 when idle
    quint64 m_replyId = 0;    // the session message id the reply streams into
    bool m_pendingOverflow = false;
    QString m_overflowText;   // the user message held back while the user chooses
};

} // namespace dw
