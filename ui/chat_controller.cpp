#include "chat_controller.h"

#include "chat_session.h"

#include <QRandomGenerator>

#include <algorithm>

namespace dw {

ChatController::ChatController(ChatSession* session, EngineBridge* bridge, QObject* parent)
    : QObject(parent), m_session(session), m_bridge(bridge) {
    connect(bridge, &EngineBridge::textArrived, this, &ChatController::onText);
    connect(bridge, &EngineBridge::finished, this, &ChatController::onFinished);
    connect(bridge, &EngineBridge::contextOverflow, this, &ChatController::onOverflow);
    connect(bridge, &EngineBridge::promptTrimmed, this, &ChatController::onTrimmed);
    connect(bridge, &EngineBridge::promptMeasured, this,
            [this](quint64 ticket, qint64 n, qint64 limit) {
                if (ticket == m_ticket) emit contextUsage(n, limit);
            });
}

bool ChatController::canSend() const {
    return m_bridge->isLoaded() && !isBusy() && !m_pendingOverflow;
}

bool ChatController::canRegenerate() const {
    const int n = m_session->count();
    return canSend() && n > 0 && m_session->at(n - 1).role == ChatRole::Assistant;
}

void ChatController::setTicket(quint64 ticket) {
    const bool was = isBusy();
    m_ticket = ticket;
    if (was != isBusy()) emit busyChanged(isBusy());
}

bool ChatController::send(const QString& text) {
    if (!canSend() || text.trimmed().isEmpty()) return false;
    m_session->append(ChatRole::User, text);
    startReply(false);
    return true;
}

bool ChatController::regenerate() {
    if (!canRegenerate()) return false;
    m_session->removeFrom(m_session->count() - 1);
    startReply(false);
    return true;
}

bool ChatController::editAndResend(int userRow, const QString& text) {
    if (!canSend() || text.trimmed().isEmpty()) return false;
    if (userRow < 0 || userRow >= m_session->count() ||
        m_session->at(userRow).role != ChatRole::User)
        return false;
    // The message keeps its place (and its id in the history): new text, later rows dropped.
    m_session->removeFrom(userRow + 1);
    m_session->setText(userRow, text);
    if (m_session->firstInContext() > userRow) m_session->setFirstInContext(userRow);
    startReply(false);
    return true;
}

void ChatController::startReply(bool trimToFit) {
    const int row = m_session->append(ChatRole::Assistant, QString(), true);
    m_replyId = m_session->at(row).id;
    const SessionSettings& s = m_session->settings();
    GenerationRequest r;
    r.messages = m_session->promptMessages(row);
    r.generate = s.generate;
    // A fresh seed per reply, so Regenerate gives a different answer.
    r.generate.sampling.seed = QRandomGenerator::global()->generate64();
    r.longContext = s.longContext;
    r.trimToFit = trimToFit;
    setTicket(m_bridge->generate(r));
}

void ChatController::stop() {
    if (isBusy()) m_bridge->stop(m_ticket);
}

void ChatController::newSession() {
    if (isBusy()) {
        m_bridge->stop(m_ticket);
        setTicket(0); // its finish is ignored: the row it streams into is gone
    }
    const bool hadOverflow = m_pendingOverflow;
    m_pendingOverflow = false;
    m_overflowText.clear();
    m_session->clear();
    if (hadOverflow) emit overflowResolved();
}

void ChatController::onText(quint64 ticket, const QString& text) {
    if (ticket != m_ticket) return;
    const int row = m_session->rowOfId(m_replyId);
    if (row >= 0) m_session->appendText(row, text);
}

void ChatController::onFinished(quint64 ticket, const GenerationResult& result) {
    if (ticket != m_ticket) return;
    const int row = m_session->rowOfId(m_replyId);
    if (row >= 0) m_session->finish(row, result.reason, result.error, result.timings);
    setTicket(0);
    if (row >= 0) emit replyFinished(row);
}

void ChatController::onOverflow(quint64 ticket, const ContextOverflow& overflow) {
    if (ticket != m_ticket) return;
    // Take back the empty reply and the user's message; keep the text for the retry.
    const int replyRow = m_session->rowOfId(m_replyId);
    if (replyRow > 0) {
        m_overflowText = m_session->at(replyRow - 1).text;
        m_session->removeFrom(replyRow - 1);
    }
    m_pendingOverflow = true;
    setTicket(0);
    emit overflowed(overflow);
}

void ChatController::onTrimmed(quint64 ticket, int dropped) {
    if (ticket != m_ticket) return;
    const int first = std::min(m_session->firstInContext() + dropped, m_session->count());
    m_session->setFirstInContext(first);
    emit notice(tr("%n earlier message(s) are no longer sent to the model.", nullptr, dropped));
}

void ChatController::resolveOverflow(OverflowChoice choice) {
    if (!m_pendingOverflow) return;
    m_pendingOverflow = false;
    const QString text = m_overflowText;
    m_overflowText.clear();
    emit overflowResolved();
    switch (choice) {
    case OverflowChoice::LongContext: {
        SessionSettings s = m_session->settings();
        s.longContext = true;
        m_session->setSettings(s);
        m_session->append(ChatRole::User, text);
        startReply(false);
        break;
    }
    case OverflowChoice::TrimOldMessages:
        m_session->append(ChatRole::User, text);
        startReply(true);
        break;
    case OverflowChoice::NewSession:
        m_session->clear();
        m_session->append(ChatRole::User, text);
        startReply(false);
        break;
    case OverflowChoice::Cancel:
        emit draftReturned(text);
        emit notice(tr("The message was not sent."));
        break;
    }
}

} // namespace dw
