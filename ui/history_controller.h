#pragma once
// Keeps the chat's conversation in the history store (app/store), so the widgets stay thin:
// it follows the ChatSession's signals and writes each change as it happens.
//
//   user message appended   -> appendMessage (durable before the reply is even requested:
//                              ChatController appends the user row, then the reply row, and
//                              only then asks the engine)
//   reply row appended      -> beginAssistantMessage
//   streamed text           -> updateStreamingMessage with the whole text so far, at most
//                              every kStreamSaveMs (the first piece at once)
//   reply finished          -> finishMessage(complete / cancelled / error, statistics)
//   rows removed            -> truncateAfter (regenerate drops the last reply)
//   a row's text replaced   -> editMessage (edit-and-resend: edit, then truncate)
//   settings changed        -> setSessionSettings (debounced; system prompt, sampling JSON,
//                              model path)
//   conversation cleared    -> a new store session (the current one is kept if still empty)
//
// openSession() loads a stored session into the chat (replies cut off by a crash are marked
// interrupted) and the conversation continues in it. With no store (history could not be
// opened) nothing is saved and the chat works as before. A failed write never throws out of
// here: saveFailed() says what went wrong, and the chat goes on.
//
// GUI thread. The store and the ChatController (with its session) must outlive this object;
// the owner calls flush() while the session still exists (MainWindow's destructor does).
#include "chat_session.h"
#include "store/history_types.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

namespace dw {

namespace store {
class HistoryStore;
}
class ChatController;

class HistoryController : public QObject {
    Q_OBJECT
public:
    HistoryController(ChatController* chat, store::HistoryStore* store, QObject* parent = nullptr);
    ~HistoryController() override;

    store::HistoryStore* store() const { return m_store; }
    qint64 currentSessionId() const { return m_sessionId; } // 0 without a store
    // Store message id of each chat row (0 where saving it failed).
    const std::vector<qint64>& messageIds() const { return m_ids; }

    // The model replies come from; saved with the session when its next reply starts (at
    // once for a session without messages).
    void setModelPath(const QString& path);
    QString modelPath() const { return m_modelPath; }

    // Opens a stored session in the chat. A running reply is stopped and kept as cancelled.
    // False (and nothing changes) when it does not exist, is deleted or cannot be read.
    bool openSession(qint64 id);
    // Writes what is pending now: the streamed text, changed settings.
    void flush();

    // What the history panel does to sessions. Each returns false / 0 on a store error
    // (saveFailed() says which) and announces changes through sessionsChanged().
    bool renameSession(qint64 id, const QString& title);
    bool deleteSession(qint64 id); // the current one: the chat starts a new session
    bool undoDelete(qint64 id);
    qint64 duplicateSession(qint64 id);

    static constexpr int kStreamSaveMs = 300;
    static constexpr int kSettingsSaveMs = 500;

signals:
    void sessionsChanged(); // titles, order or the set of live sessions may have changed
    void currentSessionChanged(qint64 id);
    void saveFailed(const QString& message);
    void replyTextSaved(qint64 messageId, int characters); // streamed text reached the disk
    void notice(const QString& text);                      // one line for the chat's status

private:
    void onAppended(int row);
    void onUpdated(int row);
    void onFinished(int row);
    void onRemoved(int firstRow);
    void onCleared();
    void startInitialSession();
    bool createSession();
    void scheduleStreamSave();
    void saveStream();
    void endStream(store::MessageState state); // the running reply, with the text so far
    void saveSettings();                       // when they differ from the stored ones
    int rowOfMessage(qint64 id) const;
    template <class F> bool guard(const F& f);

    ChatController* m_chat;
    ChatSession* m_session;
    store::HistoryStore* m_store; // nullptr: history is off
    qint64 m_sessionId = 0;
    std::vector<qint64> m_ids;  // per chat row: its store message id
    qint64 m_streamId = 0;      // the reply being streamed; 0 when none
    QString m_streamText;       // its latest text
    bool m_streamDirty = false; // m_streamText not yet written
    QElapsedTimer m_sinceStreamSave;
    QTimer m_streamTimer;                   // single shot: the next streamed save
    QTimer m_settingsTimer;                 // single shot: debounced settings save
    store::SessionSettings m_savedSettings; // what the store holds for m_sessionId
    QString m_modelPath;
    bool m_loading = false; // the session is being replaced by us: ignore its signals
};

} // namespace dw
