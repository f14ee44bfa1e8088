#include "history_controller.h"

#include "chat_controller.h"
#include "history_codec.h"
#include "store/history_store.h"

#include <QFileInfo>

#include <algorithm>

namespace dw {

HistoryController::HistoryController(ChatController* chat, store::HistoryStore* store,
                                     QObject* parent)
    : QObject(parent), m_chat(chat), m_session(chat->session()), m_store(store) {
    if (!m_store) return;
    m_streamTimer.setSingleShot(true);
    connect(&m_streamTimer, &QTimer::timeout, this, &HistoryController::saveStream);
    m_settingsTimer.setSingleShot(true);
    m_settingsTimer.setInterval(kSettingsSaveMs);
    connect(&m_settingsTimer, &QTimer::timeout, this, &HistoryController::saveSettings);
    connect(m_session, &ChatSession::messageAppended, this, &HistoryController::onAppended);
    connect(m_session, &ChatSession::messageUpdated, this, &HistoryController::onUpdated);
    connect(m_session, &ChatSession::messageFinished, this, &HistoryController::onFinished);
    connect(m_session, &ChatSession::messagesRemoved, this, &HistoryController::onRemoved);
    connect(m_session, &ChatSession::cleared, this, &HistoryController::onCleared);
    connect(m_session, &ChatSession::settingsChanged, this, [this] {
        if (!m_loading) m_settingsTimer.start();
    });
    startInitialSession();
}

HistoryController::~HistoryController() {
    // The session may already be gone (it is an older sibling): only what is cached here.
    if (m_streamId != 0) endStream(store::MessageState::Interrupted);
}

template <class F> bool HistoryController::guard(const F& f) {
    if (!m_store) return false;
    try {
        f();
        return true;
    } catch (const std::exception& e) {
        emit saveFailed(
            HistoryController::tr("The chat history could not be updated: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

// At start-up the chat continues the newest session if it is still empty (the user opened
// Deepwell and closed it without writing), so empty sessions do not pile up.
void HistoryController::startInitialSession() {
    std::vector<store::Session> sessions;
    if (!guard([&] { sessions = m_store->listSessions(); })) return;
    if (!sessions.empty() && !sessions.front().titleIsCustom) {
        bool empty = false;
        guard([&] { empty = m_store->messages(sessions.front().id).empty(); });
        if (empty && openSession(sessions.front().id)) return;
    }
    if (createSession()) emit currentSessionChanged(m_sessionId);
}

bool HistoryController::createSession() {
    const store::SessionSettings s = toStoreSettings(m_session->settings(), m_modelPath);
    qint64 id = 0;
    if (!guard([&] { id = m_store->createSession(s); })) return false;
    m_sessionId = id;
    m_savedSettings = s;
    m_ids.assign(size_t(m_session->count()), 0);
    emit sessionsChanged();
    return true;
}

void HistoryController::setModelPath(const QString& path) {
    m_modelPath = path;
    if (m_store && m_sessionId != 0 &&
        std::all_of(m_ids.begin(), m_ids.end(), [](qint64 id) { return id == 0; }))
        saveSettings();
}

int HistoryController::rowOfMessage(qint64 id) const {
    const auto it = std::find(m_ids.begin(), m_ids.end(), id);
    return it == m_ids.end() ? -1 : int(it - m_ids.begin());
}

void HistoryController::onAppended(int row) {
    if (m_loading) return;
    m_ids.resize(size_t(m_session->count()), 0);
    if (m_sessionId == 0 && !createSession()) return; // e.g. the disk was full a moment ago
    const ChatEntry& e = m_session->at(row);
    qint64 id = 0;
    if (e.role == ChatRole::User) {
        guard([&] {
            id = m_store->appendMessage(m_sessionId, store::Role::User, toStdString(e.text));
        });
        emit sessionsChanged(); // the first user message names the session; it moves to the top
    } else if (e.streaming) {
        saveSettings(); // the model (and settings) this reply comes from
        if (guard([&] { id = m_store->beginAssistantMessage(m_sessionId); })) {
            m_streamId = id;
            m_streamText = e.text;
            m_streamDirty = !e.text.isEmpty();
            m_sinceStreamSave.start();
        }
    } else {
        guard([&] {
            id = m_store->appendMessage(m_sessionId, store::Role::Assistant, toStdString(e.text));
        });
    }
    m_ids[size_t(row)] = id;
}

void HistoryController::onUpdated(int row) {
    if (m_loading || row >= int(m_ids.size()) || m_ids[size_t(row)] == 0) return;
    const qint64 id = m_ids[size_t(row)];
    const ChatEntry& e = m_session->at(row);
    if (id == m_streamId) {
        if (!e.streaming) return; // finishing: onFinished() writes the end
        m_streamText = e.text;
        scheduleStreamSave();
        return;
    }
    if (guard([&] { m_store->editMessage(id, toStdString(e.text)); }) && e.role == ChatRole::User)
        emit sessionsChanged(); // the title may follow the first message
}

void HistoryController::scheduleStreamSave() {
    m_streamDirty = true;
    const qint64 since = m_sinceStreamSave.isValid() ? m_sinceStreamSave.elapsed() : kStreamSaveMs;
    if (since >= kStreamSaveMs)
        saveStream();
    else if (!m_streamTimer.isActive())
        m_streamTimer.start(int(kStreamSaveMs - since));
}

void HistoryController::saveStream() {
    m_streamTimer.stop();
    if (!m_streamDirty || m_streamId == 0) return;
    m_streamDirty = false;
    m_sinceStreamSave.start();
    bool written = false;
    if (guard([&] {
            written = m_store->updateStreamingMessage(m_streamId, toStdString(m_streamText));
        }) &&
        written)
        emit replyTextSaved(m_streamId, int(m_streamText.size()));
}

void HistoryController::onFinished(int row) {
    if (m_loading || row >= int(m_ids.size()) || m_ids[size_t(row)] != m_streamId ||
        m_streamId == 0)
        return;
    const ChatEntry& e = m_session->at(row);
    const qint64 id = m_streamId;
    m_streamId = 0;
    m_streamDirty = false;
    m_streamTimer.stop();
    guard([&] {
        m_store->finishMessage(id, storeState(e.finishReason),
                               toStoreStats(e.finishReason, e.timings), toStdString(e.text));
    });
    emit sessionsChanged();
}

void HistoryController::endStream(store::MessageState state) {
    const qint64 id = m_streamId;
    m_streamId = 0;
    m_streamDirty = false;
    m_streamTimer.stop();
    store::MessageStats stats;
    stats.finishReason = state == store::MessageState::Cancelled ? "cancelled" : "";
    guard([&] { m_store->finishMessage(id, state, stats, toStdString(m_streamText)); });
}

void HistoryController::onRemoved(int firstRow) {
    if (m_loading || m_sessionId == 0) return;
    if (m_streamId != 0 && rowOfMessage(m_streamId) >= firstRow) { // its row is gone
        m_streamId = 0;
        m_streamDirty = false;
        m_streamTimer.stop();
    }
    // Truncate after the last kept row that reached the store (by its stored ordinal).
    int keepOrdinal = -1;
    for (int row = std::min(firstRow, int(m_ids.size())) - 1; row >= 0; --row) {
        const qint64 id = m_ids[size_t(row)];
        std::optional<store::Message> m;
        if (id != 0 && guard([&] { m = m_store->message(id); }) && m) {
            keepOrdinal = m->ordinal;
            break;
        }
    }
    if (firstRow < int(m_ids.size())) m_ids.resize(size_t(firstRow));
    guard([&] { m_store->truncateAfter(m_sessionId, keepOrdinal); });
    emit sessionsChanged();
}

void HistoryController::onCleared() {
    if (m_loading) return;
    if (m_streamId != 0) endStream(store::MessageState::Cancelled);
    saveSettings(); // the old session's last changes
    const bool hadMessages =
        std::any_of(m_ids.begin(), m_ids.end(), [](qint64 id) { return id != 0; });
    m_ids.clear();
    if (m_sessionId != 0 && !hadMessages) return; // still empty: the new conversation is this one
    if (createSession()) emit currentSessionChanged(m_sessionId);
}

void HistoryController::saveSettings() {
    m_settingsTimer.stop();
    if (!m_store || m_sessionId == 0) return;
    const store::SessionSettings s = toStoreSettings(m_session->settings(), m_modelPath);
    if (s == m_savedSettings) return;
    if (guard([&] { m_store->setSessionSettings(m_sessionId, s); })) m_savedSettings = s;
}

void HistoryController::flush() {
    if (!m_store) return;
    saveStream();
    saveSettings();
}

bool HistoryController::openSession(qint64 id) {
    if (!m_store) return false;
    if (id == m_sessionId && id != 0) return true;
    std::optional<store::Session> s;
    std::vector<store::Message> messages;
    if (!guard([&] { s = m_store->session(id); }) || !s || s->deletedAt) return false;
    if (!guard([&] { messages = m_store->messages(id); })) return false;
    flush();
    if (m_streamId != 0) endStream(store::MessageState::Cancelled);
    if (m_chat->isBusy() || m_chat->hasPendingOverflow()) {
        m_loading = true; // stops the reply; its row is replaced below
        m_chat->newSession();
        m_loading = false;
    }
    SessionSettings settings = fromStoreSettings(s->settings, m_session->settings());
    std::vector<ChatEntry> entries;
    std::vector<qint64> ids;
    for (const store::Message& m : messages) {
        if (m.role ==
            store::Role::System) { // e.g. imported: the chat keeps it as the system prompt
            if (settings.systemPrompt.isEmpty()) settings.systemPrompt = toQString(m.content);
            continue;
        }
        entries.push_back(toChatEntry(m));
        ids.push_back(m.id);
    }
    m_loading = true;
    m_session->replaceAll(std::move(entries), settings);
    m_loading = false;
    m_ids = std::move(ids);
    m_sessionId = id;
    m_savedSettings = s->settings;
    emit currentSessionChanged(id);
    const QString model = toQString(s->settings.modelPath);
    if (!model.isEmpty() && !m_modelPath.isEmpty() && model != m_modelPath)
        emit notice(tr("This conversation was held with %1; replies now come from %2.")
                        .arg(QFileInfo(model).fileName(), QFileInfo(m_modelPath).fileName()));
    return true;
}

bool HistoryController::renameSession(qint64 id, const QString& title) {
    const bool ok = guard([&] { m_store->renameSession(id, toStdString(title)); });
    if (ok) emit sessionsChanged();
    return ok;
}

bool HistoryController::deleteSession(qint64 id) {
    if (!guard([&] { m_store->deleteSession(id); })) return false;
    if (id == m_sessionId) {
        if (m_streamId != 0) endStream(store::MessageState::Cancelled);
        saveSettings();
        m_sessionId = 0; // not reused: the chat starts a new session
        m_ids.clear();
        m_chat->newSession();
    }
    emit sessionsChanged();
    return true;
}

bool HistoryController::undoDelete(qint64 id) {
    const bool ok = guard([&] { m_store->undoDelete(id); });
    if (ok) emit sessionsChanged();
    return ok;
}

qint64 HistoryController::duplicateSession(qint64 id) {
    flush(); // the copy gets the reply's latest text
    qint64 copy = 0;
    if (guard([&] { copy = m_store->duplicateSession(id); })) emit sessionsChanged();
    return copy;
}

} // namespace dw
