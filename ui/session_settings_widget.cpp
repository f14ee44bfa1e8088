#include "session_settings_widget.h"

#include "chat_session.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>

namespace dw {

namespace {

QDoubleSpinBox* doubleBox(double lo, double hi, double step, const QString& name, QWidget* parent) {
    auto* b = new QDoubleSpinBox(parent);
    b->setRange(lo, hi);
    b->setSingleStep(step);
    b->setDecimals(2);
    b->setAccessibleName(name);
    return b;
}

} // namespace

SessionSettingsWidget::SessionSettingsWidget(QWidget* parent) : QWidget(parent) {
    m_system = new QPlainTextEdit(this);
    m_system->setTabChangesFocus(true);
    m_system->setPlaceholderText(tr("Optional: instructions the model follows for this session"));
    m_system->setAccessibleName(tr("System prompt"));
    m_system->setMaximumHeight(m_system->fontMetrics().lineSpacing() * 4 + 12);

    m_preset = new QComboBox(this);
    for (SamplingPreset p : kAllSamplingPresets) m_preset->addItem(presetDisplayName(p), int(p));
    m_preset->setAccessibleName(tr("Sampling preset"));

    m_temperature = doubleBox(0.0, 2.0, 0.05, tr("Temperature"), this);
    m_topP = doubleBox(0.0, 1.0, 0.01, tr("Top-p"), this);
    m_minP = doubleBox(0.0, 1.0, 0.01, tr("Min-p"), this);
    m_repeat = doubleBox(1.0, 2.0, 0.01, tr("Repeat penalty"), this);
    m_topK = new QSpinBox(this);
    m_topK->setRange(0, 1000);
    m_topK->setSpecialValueText(tr("off"));
    m_topK->setAccessibleName(tr("Top-k"));
    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setRange(1, 1 << 20);
    m_maxTokens->setSingleStep(256);
    m_maxTokens->setAccessibleName(tr("Maximum reply length in tokens"));

    auto* params = new QGridLayout;
    const std::pair<QString, QWidget*> cells[] = {
        {tr("&Temperature"), m_temperature}, {tr("Top-&p"), m_topP},  {tr("Top-&k"), m_topK},
        {tr("M&in-p"), m_minP}, {tr("&Repeat penalty"), m_repeat}, {tr("Max &reply tokens"), m_maxTokens}};
    for (int i = 0; i < 6; ++i) {
        auto* label = new QLabel(cells[i].first, this);
        label->setBuddy(cells[i].second);
        params->addWidget(label, i / 3, (i % 3) * 2);
        params->addWidget(cells[i].second, i / 3, (i % 3) * 2 + 1);
        cells[i].second->setMinimumWidth(cells[i].second->sizeHint().width() + 24);
    }
    params->setColumnStretch(6, 1); // the boxes keep their natural width, the rest is space
    params->setHorizontalSpacing(12);
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("&System prompt"), m_system);
    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(m_preset);
    presetRow->addStretch(1);
    form->addRow(tr("S&ampling"), presetRow);
    qobject_cast<QLabel*>(form->labelForField(presetRow))->setBuddy(m_preset);
    form->addRow(QString(), params);
    qobject_cast<QLabel*>(form->labelForField(m_system))->setBuddy(m_system);

    connect(m_system, &QPlainTextEdit::textChanged, this, &SessionSettingsWidget::store);
    connect(m_preset, &QComboBox::currentIndexChanged, this, &SessionSettingsWidget::presetChosen);
    for (QDoubleSpinBox* b : {m_temperature, m_topP, m_minP, m_repeat})
        connect(b, &QDoubleSpinBox::valueChanged, this, &SessionSettingsWidget::valuesEdited);
    connect(m_topK, &QSpinBox::valueChanged, this, &SessionSettingsWidget::valuesEdited);
    connect(m_maxTokens, &QSpinBox::valueChanged, this, &SessionSettingsWidget::store);
}

void SessionSettingsWidget::setSession(ChatSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (session)
        connect(session, &ChatSession::settingsChanged, this, &SessionSettingsWidget::loadFromSession);
    loadFromSession();
}

void SessionSettingsWidget::loadFromSession() {
    if (!m_session || m_loading) return;
    m_loading = true;
    const SessionSettings& s = m_session->settings();
    if (m_system->toPlainText() != s.systemPrompt) m_system->setPlainText(s.systemPrompt);
    m_preset->setCurrentIndex(m_preset->findData(int(s.preset)));
    const SamplingParams& p = s.generate.sampling;
    m_temperature->setValue(p.temperature);
    m_topP->setValue(p.topP);
    m_topK->setValue(p.topK);
    m_minP->setValue(p.minP);
    m_repeat->setValue(p.repeatPenalty);
    m_maxTokens->setValue(s.generate.maxTokens > 0 ? s.generate.maxTokens : m_maxTokens->maximum());
    m_loading = false;
}

void SessionSettingsWidget::presetChosen() {
    if (m_loading) return;
    const auto preset = SamplingPreset(m_preset->currentData().toInt());
    if (preset != SamplingPreset::Custom) {
        const SamplingParams p = presetParams(preset);
        m_loading = true; // one store() below, not one per box
        m_temperature->setValue(p.temperature);
        m_topP->setValue(p.topP);
        m_topK->setValue(p.topK);
        m_minP->setValue(p.minP);
        m_repeat->setValue(p.repeatPenalty);
        m_loading = false;
    }
    store();
}

void SessionSettingsWidget::valuesEdited() {
    if (m_loading) return;
    SamplingParams p;
    p.temperature = float(m_temperature->value());
    p.topP = float(m_topP->value());
    p.topK = m_topK->value();
    p.minP = float(m_minP->value());
    p.repeatPenalty = float(m_repeat->value());
    const SamplingPreset match = matchPreset(p);
    if (SamplingPreset(m_preset->currentData().toInt()) != match) {
        m_loading = true;
        m_preset->setCurrentIndex(m_preset->findData(int(match)));
        m_loading = false;
    }
    store();
}

void SessionSettingsWidget::store() {
    if (!m_session || m_loading) return;
    SessionSettings s = m_session->settings();
    s.systemPrompt = m_system->toPlainText();
    s.preset = SamplingPreset(m_preset->currentData().toInt());
    s.generate.sampling.temperature = float(m_temperature->value());
    s.generate.sampling.topP = float(m_topP->value());
    s.generate.sampling.topK = m_topK->value();
    s.generate.sampling.minP = float(m_minP->value());
    s.generate.sampling.repeatPenalty = float(m_repeat->value());
    s.generate.maxTokens = m_maxTokens->value();
    m_loading = true; // settingsChanged() comes back to loadFromSession(): nothing to reload
    m_session->setSettings(s);
    m_loading = false;
}

} // namespace dw
