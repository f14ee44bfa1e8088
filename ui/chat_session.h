#pragma once
// The state of one conversation: its messages, system prompt and generation settings. A list
// model (one row per message) so views and, later, the history store can follow it; it knows
// nothing of the engine (ChatController drives generation) nor of widgets. GUI thread only.
#include "deepwell/engine.h"
#include "sampling_presets.h"

#include <QAbstractListModel>
#include <QString>

#include <vector>

namespace dw {

enum class ChatRole { User, Assistant };

struct ChatEntry {
    quint64 id = 0;             // unique within the session, stable while the row lives
    ChatRole role = ChatRole::User;
    QString text;               // Markdown source as typed or generated
    bool streaming = false;     // an assistant reply still being generated
    bool finished = false;      // an assistant reply with a finish event (fields below)
    FinishReason finishReason = FinishReason::Stop;
    QString error;              // finishReason == Error: the engine's message
    RequestTimings timings;
    bool interrupted = false;   // from the history: Deepwell stopped while it was streaming
};

struct SessionSettings {
    QString systemPrompt;
    SamplingPreset preset = SamplingPreset::Balanced;
    GenerateOptions generate;   // max tokens, stop strings, sampling (the preset's, or custom)
    bool longContext = false;   // keep sinks + a sliding window instead of refusing to overflow
};

class ChatSession : public QAbstractListModel {
    Q_OBJECT
public:
    enum Roles {
        RoleRole = Qt::UserRole + 1, // int(ChatRole)
        IdRole,
        StreamingRole,
        FinishedRole,
        FinishReasonRole,            // int(FinishReason); only meaningful when finished
        InContextRole,               // false for rows trimmed out of the model's context
    };

    explicit ChatSession(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    int count() const { return int(m_entries.size()); }
    const ChatEntry& at(int row) const;
    int rowOfId(quint64 id) const; // -1 when absent

    // Appends a message and returns its row.
    int append(ChatRole role, const QString& text, bool streaming = false);
    void appendText(int row, const QString& text);   // streamed text of a reply
    void setText(int row, const QString& text);
    void finish(int row, FinishReason reason, const QString& error, const RequestTimings& timings);
    void removeFrom(int row);                        // drops rows row..count()-1
    void clear();                                    // a new, empty conversation
    // Replaces the conversation (e.g. one opened from the history): fresh ids are given to
    // `entries`, every row is in context. One model reset; emits cleared() and
    // settingsChanged() like clear().
    void replaceAll(std::vector<ChatEntry> entries, const SessionSettings& settings);

    // Rows before firstInContext() are shown but no longer sent to the model (trimmed).
    int firstInContext() const { return m_firstInContext; }
    void setFirstInContext(int row);

    // The prompt for a reply at row `endRow`: the system prompt (when set) and the rows
    // firstInContext() .. endRow-1.
    std::vector<ChatMessage> promptMessages(int endRow) const;

    const SessionSettings& settings() const { return m_settings; }
    void setSettings(const SessionSettings& settings);

signals:
    void messageAppended(int row);
    void messageUpdated(int row);    // text or state changed
    void messageFinished(int row);
    void messagesRemoved(int firstRow);
    void cleared(); // all rows were replaced: by none (clear()) or by replaceAll()'s
    void firstInContextChanged(int row);
    void settingsChanged();

private:
    void changed(int row, const QList<int>& roles);

    std::vector<ChatEntry> m_entries;
    int m_firstInContext = 0;
    quint64 m_nextId = 1;
    SessionSettings m_settings;
};

} // namespace dw
