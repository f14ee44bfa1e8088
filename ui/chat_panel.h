#pragma once
// The chat panel: session settings, the transcript, the input with Send / Stop / Regenerate,
// the context-overflow choices and the edit-and-resend bar. Before a model is ready it shows
// a plain notice (no model, loading with progress and Cancel, or why loading failed).
// GUI thread.
#include "chat_controller.h"

#include <QWidget>

class QAction;
class QFrame;
class QLabel;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QToolButton;

namespace dw {

class ChatInput;
class ChatView;
class SessionSettingsWidget;

class ChatPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChatPanel(ChatController* controller, QWidget* parent = nullptr);

    // Model state, as the main window learns it from the EngineBridge.
    void showNotice(const QString& text);       // no model / loading failed
    void showLoading(const QString& what);      // with a progress bar and Cancel
    void setLoadProgress(double fraction);
    void showChat(const ModelInfo& info);

    void newSession();
    void beginEdit(int row);  // puts the message in the input; Send resends it
    void cancelEdit();
    bool isEditing() const { return m_editRow >= 0; }
    void submit();            // what Enter and the Send button do

    ChatController* controller() const { return m_controller; }
    ChatInput* input() const { return m_input; }
    ChatView* view() const { return m_view; }
    SessionSettingsWidget* settingsWidget() const { return m_settings; }
    QPushButton* sendButton() const { return m_send; }
    QPushButton* stopButton() const { return m_stop; }
    QPushButton* regenerateButton() const { return m_regenerate; }
    QFrame* overflowBar() const { return m_overflowBar; }
    QPushButton* overflowButton(OverflowChoice choice) const;
    QLabel* noticeLabel() const { return m_notice; }
    QLabel* statusLabel() const { return m_status; }
    bool isShowingChat() const;

signals:
    void cancelLoadRequested();

private:
    QWidget* buildTopBar();
    QWidget* buildNoticePage();
    QFrame* buildOverflowBar();
    QFrame* buildEditBar();
    QWidget* buildInputRow();
    void onEscape();
    void updateButtons();
    void onOverflow(const ContextOverflow& overflow);
    void onReplyFinished(int row);

    ChatController* m_controller;
    QStackedWidget* m_stack = nullptr;
    QLabel* m_notice = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancelLoad = nullptr;
    ChatView* m_view = nullptr;
    SessionSettingsWidget* m_settings = nullptr;
    QToolButton* m_settingsToggle = nullptr;
    QLabel* m_context = nullptr;
    QFrame* m_overflowBar = nullptr;
    QLabel* m_overflowText = nullptr;
    QPushButton* m_overflowButtons[4] = {};
    QFrame* m_editBar = nullptr;
    ChatInput* m_input = nullptr;
    QPushButton* m_send = nullptr;
    QPushButton* m_stop = nullptr;
    QPushButton* m_regenerate = nullptr;
    QLabel* m_status = nullptr;
    QAction* m_escape = nullptr;
    int m_editRow = -1;
};

} // namespace dw
