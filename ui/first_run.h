#pragma once
// What the chat area shows while no model is loaded: what Deepwell is, whether the default
// model is installed, and what to do — use it, or (since Deepwell installs offline and never
// downloads by itself) the one command that fetches it; or open any GGUF file. GUI thread.
#include <QWidget>

class QLabel;
class QPushButton;

namespace dw {

class FirstRunWidget : public QWidget {
    Q_OBJECT
public:
    explicit FirstRunWidget(QWidget* parent = nullptr);

    // The default model: where it should be, its name and size, the command that installs it.
    void setDefaultModel(const QString& path, const QString& name, const QString& size,
                         const QString& installCommand);
    void recheck(); // looks for the default model file again
    bool defaultModelPresent() const { return m_present; }
    const QString& defaultModelPath() const { return m_path; }
    // A line above the rest, e.g. why the last load failed ("" hides it).
    void setMessage(const QString& text, bool error);

    QLabel* messageLabel() const { return m_message; }
    QLabel* defaultStateLabel() const { return m_state; }
    QLabel* commandLabel() const { return m_command; }
    QPushButton* useDefaultButton() const { return m_useDefault; }
    QPushButton* recheckButton() const { return m_recheck; }
    QPushButton* copyCommandButton() const { return m_copy; }
    QPushButton* openButton() const { return m_open; }
    QPushButton* managerButton() const { return m_manager; }

signals:
    void useDefaultRequested(const QString& path);
    void openRequested();
    void managerRequested();

private:
    void update();

    QString m_path, m_name, m_size, m_install;
    bool m_present = false;
    QLabel* m_message = nullptr;
    QLabel* m_state = nullptr;
    QLabel* m_command = nullptr;
    QPushButton* m_useDefault = nullptr;
    QPushButton* m_recheck = nullptr;
    QPushButton* m_copy = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_manager = nullptr;
};

} // namespace dw
