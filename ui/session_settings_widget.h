#pragma once
// Per-session settings: the system prompt, a sampling preset (Precise / Balanced / Creative /
// Custom) with its parameters, and the reply length limit. Editing a parameter away from a
// named preset's values switches the preset to Custom. Writes through to the ChatSession.
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QPlainTextEdit;
class QSpinBox;

namespace dw {

class ChatSession;

class SessionSettingsWidget : public QWidget {
    Q_OBJECT
public:
    explicit SessionSettingsWidget(QWidget* parent = nullptr);
    void setSession(ChatSession* session);

    QPlainTextEdit* systemPromptEdit() const { return m_system; }
    QComboBox* presetBox() const { return m_preset; }

private:
    void loadFromSession();
    void presetChosen();
    void valuesEdited();
    void store();

    ChatSession* m_session = nullptr;
    QPlainTextEdit* m_system = nullptr;
    QComboBox* m_preset = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_minP = nullptr;
    QDoubleSpinBox* m_repeat = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    bool m_loading = false; // true while widgets are filled from the session
};

} // namespace dw
