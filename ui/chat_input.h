#pragma once
// The message editor: Enter sends, Shift+Enter starts a new line (plain text only).
#include <QPlainTextEdit>

namespace dw {

class ChatInput : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ChatInput(QWidget* parent = nullptr);
    QSize sizeHint() const override;

signals:
    void submitRequested();

protected:
    void keyPressEvent(QKeyEvent* event) override;
};

} // namespace dw
