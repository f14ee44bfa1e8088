#pragma once
// The transcript: every message of a ChatSession as Markdown in one QTextBrowser. Each row's
// Markdown is rendered once and cached; a streamed update re-renders only its own row, and
// updates arriving in one event-loop pass cause one document rebuild. Links in the document
// carry the actions: copy a message, copy a code block, edit a user message, regenerate the
// last reply. GUI thread.
#include "markdown.h"

#include <QTextBrowser>
#include <QTimer>

#include <vector>

namespace dw {

class ChatSession;

class ChatView : public QTextBrowser {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);

    void setSession(ChatSession* session);
    // Edit/Regenerate links are shown only while no reply is running.
    void setActionsEnabled(bool enabled);
    void setAssistantName(const QString& name);

    // The raw text of code block `block` of message `row` ("" when absent).
    QString codeBlock(int row, int block) const;
    int codeBlockCount(int row) const;
    int rebuildCount() const { return m_rebuilds; }         // whole-document rebuilds
    int tailRebuildCount() const { return m_tailRebuilds; } // last-message-only updates
    void renderNow(); // rebuilds at once if a rebuild is pending (tests)

signals:
    void editRequested(int row);
    void regenerateRequested();
    void copied(const QString& what); // a short status line, translated

protected:
    void changeEvent(QEvent* event) override;

private:
    struct RowCache {
        bool valid = false;
        RenderedMarkdown md;
    };
    void onAnchor(const QUrl& url);
    void invalidate(int row);
    void invalidateAll();
    void scheduleRebuild();
    void rebuild();
    void rebuildTail();
    const RenderedMarkdown& rendered(int row);
    QString rowHtml(int row);
    QString footerHtml(int row) const;
    void updateStyleSheet();
    QColor codeBackground() const;

    ChatSession* m_session = nullptr;
    std::vector<RowCache> m_cache; // one per session row
    bool m_actionsEnabled = true;
    QTimer m_renderTimer;          // single shot: the next renderNow()
    bool m_rebuildPending = false; // m_renderTimer is running
    bool m_fullPending = false;    // ... and it must rebuild everything
    bool m_tailPending = false;    // ... or only the last message
    int m_tailStart = -1;          // document position where the last message begins
    int m_rebuilds = 0;
    int m_tailRebuilds = 0;
    qint64 m_lastRenderMs = 0;
    QString m_assistantName;
};

} // namespace dw
