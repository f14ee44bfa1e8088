#include "chat_panel.h"

#include "chat_format.h"
#include "chat_input.h"
#include "chat_session.h"
#include "chat_view.h"
#include "session_settings_widget.h"

#include <QAction>
#include <QBoxLayout>
#include <QFrame>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QToolButton>

namespace dw {

namespace {

QPushButton* button(const QString& text, const QString& accessible, QWidget* parent) {
    auto* b = new QPushButton(text, parent);
    b->setAccessibleName(accessible);
    return b;
}

QFrame* barFrame(QWidget* parent) {
    auto* f = new QFrame(parent);
    f->setFrameShape(QFrame::StyledPanel);
    f->setAutoFillBackground(true);
    f->setBackgroundRole(QPalette::AlternateBase);
    f->hide();
    return f;
}

} // namespace

ChatPanel::ChatPanel(ChatController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller) {
    setAccessibleName(tr("Chat"));
    m_view = new ChatView(this);
    m_view->setSession(controller->session());
    m_settings = new SessionSettingsWidget(this);
    m_settings->setSession(controller->session());
    m_settings->hide();

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(buildNoticePage());
    m_stack->addWidget(m_view);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(buildTopBar());
    layout->addWidget(m_settings);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_overflowBar = buildOverflowBar());
    layout->addWidget(m_editBar = buildEditBar());
    layout->addWidget(buildInputRow());
    m_status = new QLabel(this);
    m_status->setAccessibleName(tr("Status"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    // Esc: stop the reply, else leave editing, else dismiss the overflow question.
    m_escape = new QAction(tr("Stop"), this);
    m_escape->setShortcut(QKeySequence(Qt::Key_Escape));
    m_escape->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(m_escape);
    connect(m_escape, &QAction::triggered, this, &ChatPanel::onEscape);

    connect(m_view, &ChatView::editRequested, this, &ChatPanel::beginEdit);
    connect(m_view, &ChatView::regenerateRequested, controller, &ChatController::regenerate);
    connect(m_view, &ChatView::copied, m_status, &QLabel::setText);
    connect(controller, &ChatController::busyChanged, this, &ChatPanel::updateButtons);
    connect(controller, &ChatController::overflowed, this, &ChatPanel::onOverflow);
    connect(controller, &ChatController::overflowResolved, this, [this] {
        m_overflowBar->hide();
        updateButtons();
    });
    connect(controller, &ChatController::replyFinished, this, &ChatPanel::onReplyFinished);
    connect(controller, &ChatController::notice, m_status, &QLabel::setText);
    connect(controller, &ChatController::draftReturned, this, [this](const QString& text) {
        if (m_input->toPlainText().isEmpty()) m_input->setPlainText(text);
    });
    connect(controller, &ChatController::contextUsage, this, [this](qint64 n, qint64 limit) {
        m_context->setText(tr("Context: %1 / %2 tokens").arg(n).arg(limit));
    });
    connect(controller->session(), &ChatSession::messageAppended, this, &ChatPanel::updateButtons);
    connect(controller->session(), &ChatSession::messagesRemoved, this, &ChatPanel::updateButtons);
    connect(controller->session(), &ChatSession::cleared, this, [this] {
        m_context->clear();
        updateButtons();
    });
    updateButtons();
}

QWidget* ChatPanel::buildTopBar() {
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    m_settingsToggle = new QToolButton(bar);
    m_settingsToggle->setText(tr("Session settings"));
    m_settingsToggle->setAccessibleName(tr("Show session settings"));
    m_settingsToggle->setCheckable(true);
    m_settingsToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_settingsToggle->setArrowType(Qt::RightArrow);
    connect(m_settingsToggle, &QToolButton::toggled, this, [this](bool on) {
        m_settings->setVisible(on);
        m_settingsToggle->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
    });
    m_context = new QLabel(bar);
    m_context->setAccessibleName(tr("Context usage"));
    auto* newSession = button(tr("New session"), tr("New session"), bar);
    newSession->setToolTip(tr("Start an empty conversation (Ctrl+N)"));
    connect(newSession, &QPushButton::clicked, this, &ChatPanel::newSession);
    row->addWidget(m_settingsToggle);
    row->addStretch(1);
    row->addWidget(m_context);
    row->addSpacing(12);
    row->addWidget(newSession);
    return bar;
}

QWidget* ChatPanel::buildNoticePage() {
    auto* page = new QWidget(this);
    auto* col = new QVBoxLayout(page);
    m_notice = new QLabel(page);
    m_notice->setWordWrap(true);
    m_notice->setTextFormat(Qt::PlainText);
    // Expanding and centred instead of stretches around it: a word-wrapped label between
    // stretches gets a one-line height in a stacked page.
    m_notice->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    m_notice->setAlignment(Qt::AlignCenter);
    m_notice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notice->setAccessibleName(tr("Model status"));
    m_progress = new QProgressBar(page);
    m_progress->setRange(0, 1000);
    m_progress->setAccessibleName(tr("Loading progress"));
    m_progress->setTextVisible(false);
    m_cancelLoad = button(tr("Cancel loading"), tr("Cancel loading"), page);
    connect(m_cancelLoad, &QPushButton::clicked, this, &ChatPanel::cancelLoadRequested);
    col->addWidget(m_notice, 1);
    col->addWidget(m_progress);
    col->addWidget(m_cancelLoad, 0, Qt::AlignHCenter);
    col->addStretch(1);
    m_progress->hide();
    m_cancelLoad->hide();
    return page;
}

QFrame* ChatPanel::buildOverflowBar() {
    QFrame* bar = barFrame(this);
    bar->setAccessibleName(tr("The conversation does not fit the context"));
    auto* col = new QVBoxLayout(bar);
    m_overflowText = new QLabel(bar);
    m_overflowText->setWordWrap(true);
    col->addWidget(m_overflowText);
    auto* row = new QHBoxLayout;
    const std::pair<OverflowChoice, QString> choices[] = {
        {OverflowChoice::LongContext, tr("Use &long-context mode")},
        {OverflowChoice::TrimOldMessages, tr("&Trim old messages")},
        {OverflowChoice::NewSession, tr("Start a &new session")},
        {OverflowChoice::Cancel, tr("Cancel")}};
    for (const auto& [choice, text] : choices) {
        auto* b = button(text, QString(text).remove(QLatin1Char('&')), bar);
        m_overflowButtons[int(choice)] = b;
        connect(b, &QPushButton::clicked, this, [this, c = choice] { m_controller->resolveOverflow(c); });
        row->addWidget(b);
    }
    m_overflowButtons[int(OverflowChoice::LongContext)]->setToolTip(
        tr("Keep the start of the conversation and the most recent text; the model forgets the middle."));
    m_overflowButtons[int(OverflowChoice::TrimOldMessages)]->setToolTip(
        tr("Stop sending the oldest messages to the model until the conversation fits."));
    row->addStretch(1);
    col->addLayout(row);
    return bar;
}

QFrame* ChatPanel::buildEditBar() {
    QFrame* bar = barFrame(this);
    auto* row = new QHBoxLayout(bar);
    auto* text = new QLabel(tr("Editing a message: sending it drops every message after it."), bar);
    text->setWordWrap(true);
    auto* cancel = button(tr("Cancel edit"), tr("Cancel edit"), bar);
    connect(cancel, &QPushButton::clicked, this, &ChatPanel::cancelEdit);
    row->addWidget(text, 1);
    row->addWidget(cancel);
    return bar;
}

QWidget* ChatPanel::buildInputRow() {
    auto* box = new QWidget(this);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    m_input = new ChatInput(box);
    connect(m_input, &ChatInput::submitRequested, this, &ChatPanel::submit);
    m_send = button(tr("&Send"), tr("Send message"), box);
    m_send->setToolTip(tr("Send the message (Enter)"));
    m_stop = button(tr("Sto&p"), tr("Stop the reply"), box);
    m_stop->setToolTip(tr("Stop the reply (Esc)"));
    m_regenerate = button(tr("&Regenerate"), tr("Regenerate the last reply"), box);
    m_regenerate->setToolTip(tr("Replace the last reply with a new one"));
    connect(m_send, &QPushButton::clicked, this, &ChatPanel::submit);
    connect(m_stop, &QPushButton::clicked, m_controller, &ChatController::stop);
    connect(m_regenerate, &QPushButton::clicked, m_controller, &ChatController::regenerate);
    auto* buttons = new QVBoxLayout;
    buttons->addWidget(m_send);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_regenerate);
    buttons->addStretch(1);
    row->addWidget(m_input, 1);
    row->addLayout(buttons);
    return box;
}

QPushButton* ChatPanel::overflowButton(OverflowChoice choice) const {
    return m_overflowButtons[int(choice)];
}

bool ChatPanel::isShowingChat() const { return m_stack->currentWidget() == m_view; }

void ChatPanel::showNotice(const QString& text) {
    m_notice->setText(text);
    m_progress->hide();
    m_cancelLoad->hide();
    m_stack->setCurrentIndex(0);
    updateButtons();
}

void ChatPanel::showLoading(const QString& what) {
    m_notice->setText(what);
    m_progress->setValue(0);
    m_progress->show();
    m_cancelLoad->show();
    m_stack->setCurrentIndex(0);
    updateButtons();
}

void ChatPanel::setLoadProgress(double fraction) { m_progress->setValue(int(fraction * 1000.0)); }

void ChatPanel::showChat(const ModelInfo& info) {
    m_view->setAssistantName(info.name);
    m_stack->setCurrentWidget(m_view);
    m_status->setText(tr("%1 is ready (%2, context %3 tokens).").arg(info.name, info.arch).arg(info.contextLimit));
    updateButtons();
    m_input->setFocus();
}

void ChatPanel::newSession() {
    cancelEdit();
    m_controller->newSession();
    m_status->clear();
    m_input->setFocus();
}

void ChatPanel::beginEdit(int row) {
    ChatSession* s = m_controller->session();
    if (m_controller->isBusy() || row < 0 || row >= s->count() || s->at(row).role != ChatRole::User)
        return;
    m_editRow = row;
    m_input->setPlainText(s->at(row).text);
    m_editBar->show();
    m_input->setFocus();
    m_input->moveCursor(QTextCursor::End);
}

void ChatPanel::cancelEdit() {
    if (m_editRow < 0) return;
    m_editRow = -1;
    m_editBar->hide();
    m_input->clear();
}

void ChatPanel::submit() {
    const QString text = m_input->toPlainText();
    const bool ok = m_editRow >= 0 ? m_controller->editAndResend(m_editRow, text)
                                   : m_controller->send(text);
    if (!ok) return;
    m_editRow = -1;
    m_editBar->hide();
    m_input->clear();
}

void ChatPanel::onEscape() {
    if (m_controller->isBusy())
        m_controller->stop();
    else if (m_controller->hasPendingOverflow())
        m_controller->resolveOverflow(OverflowChoice::Cancel);
    else
        cancelEdit();
}

void ChatPanel::updateButtons() {
    const bool busy = m_controller->isBusy();
    const bool ready = isShowingChat() && m_controller->bridge()->isLoaded();
    // Focus follows the reply: input -> Stop while it runs (Esc stays inside the panel),
    // Stop -> input when it ends.
    if (busy) m_stop->setEnabled(true);
    if (busy && m_input->hasFocus()) m_stop->setFocus();
    const bool stopHadFocus = m_stop->hasFocus();
    m_input->setEnabled(ready && !busy && !m_controller->hasPendingOverflow());
    m_send->setEnabled(ready && m_controller->canSend());
    m_stop->setEnabled(busy);
    m_regenerate->setEnabled(ready && m_controller->canRegenerate());
    m_view->setActionsEnabled(!busy);
    if (!busy && stopHadFocus && m_input->isEnabled()) m_input->setFocus();
}

void ChatPanel::onOverflow(const ContextOverflow& o) {
    m_overflowText->setText(
        tr("This conversation needs %1 tokens, but the model's context holds %2, and the reply needs "
           "room for about %3 more. How do you want to continue?")
            .arg(o.promptTokens).arg(o.contextLimit).arg(o.replyReserve));
    m_overflowBar->show();
    updateButtons();
    m_overflowButtons[int(OverflowChoice::TrimOldMessages)]->setFocus();
}

void ChatPanel::onReplyFinished(int row) {
    const ChatEntry& e = m_controller->session()->at(row);
    QString text = finishStateText(e);
    const QString stats = replyStatsText(e.timings);
    if (!stats.isEmpty()) text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + tr("Last reply: %1").arg(stats);
    m_status->setText(text);
    updateButtons();
}

} // namespace dw
