#include "chat_input.h"

#include <QKeyEvent>

namespace dw {

ChatInput::ChatInput(QWidget* parent) : QPlainTextEdit(parent) {
    setTabChangesFocus(true); // Tab moves to the buttons, as everywhere else in the window
    setPlaceholderText(tr("Message (Enter sends, Shift+Enter for a new line)"));
    setAccessibleName(tr("Message"));
    setAccessibleDescription(tr("Type a message. Enter sends it; Shift+Enter starts a new line."));
}

QSize ChatInput::sizeHint() const {
    const int lines = 3;
    const int h = fontMetrics().lineSpacing() * lines + 2 * (frameWidth() + int(document()->documentMargin()));
    return {QPlainTextEdit::sizeHint().width(), h};
}

void ChatInput::keyPressEvent(QKeyEvent* event) {
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && (event->modifiers() & Qt::ShiftModifier)) {
        insertPlainText(QStringLiteral("\n")); // a new paragraph, not QTextEdit's U+2028
        event->accept();
        return;
    }
    if (enter && !(event->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier))) {
        event->accept();
        emit submitRequested();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace dw
