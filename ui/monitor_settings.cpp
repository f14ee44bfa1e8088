#include "monitor_settings.h"

#include "monitor_format.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dw {

namespace {

QDoubleSpinBox* spin(double min, double max, int decimals, const QString& suffix, QWidget* parent) {
    auto* s = new QDoubleSpinBox(parent);
    s->setRange(min, max);
    s->setDecimals(decimals);
    s->setSuffix(suffix);
    s->setKeyboardTracking(false); // apply once the number is complete
    return s;
}

} // namespace

MonitorSettings::MonitorSettings(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* limits = new QGroupBox(tr("Thresholds (drawn as bands, raised as warnings)"), this);
    auto* form = new QFormLayout(limits);
    m_low = spin(0, 100, 0, tr(" %"), limits);
    m_high = spin(0, 100, 0, tr(" %"), limits);
    m_p99 = spin(1, 600000, 0, tr(" ms"), limits);
    m_frag = spin(0, 100, 1, tr(" %"), limits);
    const auto row = [](QFormLayout* f, const QString& label, QWidget* w) {
        w->setAccessibleName(label);
        f->addRow(label, w);
    };
    row(form, tr("GPU utilization at least"), m_low);
    row(form, tr("GPU utilization at most"), m_high);
    row(form, tr("P99 time to first token under"), m_p99);
    row(form, tr("Pool fragmentation under"), m_frag);
    layout->addWidget(limits);
    for (QDoubleSpinBox* s : {m_low, m_high, m_p99, m_frag})
        connect(s, &QDoubleSpinBox::valueChanged, this, [this] {
            if (!m_setting) emit thresholdsEdited(thresholds());
        });

    auto* sampling = new QGroupBox(tr("Sampling"), this);
    auto* sform = new QFormLayout(sampling);
    m_period = spin(0.1, 60, 1, tr(" s"), sampling);
    m_capacity = new QSpinBox(sampling);
    m_capacity->setRange(10, 100000);
    m_capacity->setSuffix(tr(" samples"));
    m_duration = new QLabel(sampling);
    row(sform, tr("Sample every"), m_period);
    row(sform, tr("Keep"), m_capacity);
    sform->addRow(tr("Timeline length"), m_duration);
    auto* apply = new QPushButton(tr("Apply (starts a new timeline)"), sampling);
    apply->setAccessibleName(tr("Apply the sampling settings"));
    sform->addRow(QString(), apply);
    layout->addWidget(sampling);
    connect(m_period, &QDoubleSpinBox::valueChanged, this, &MonitorSettings::updateDuration);
    connect(m_capacity, &QSpinBox::valueChanged, this, &MonitorSettings::updateDuration);
    connect(apply, &QPushButton::clicked, this,
            [this] { emit samplingApplied(qulonglong(m_capacity->value()), m_period->value()); });

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    layout->addStretch(1);
}

void MonitorSettings::setValues(const Thresholds& t, size_t capacity, double periodSeconds) {
    m_setting = true;
    m_low->setValue(t.gpuUtilizationLowPercent);
    m_high->setValue(t.gpuUtilizationHighPercent);
    m_p99->setValue(t.p99LatencyMs);
    m_frag->setValue(100.0 * t.fragmentationMax);
    m_capacity->setValue(int(capacity));
    m_period->setValue(periodSeconds);
    m_setting = false;
    updateDuration();
}

Thresholds MonitorSettings::thresholds() const {
    Thresholds t;
    t.gpuUtilizationLowPercent = m_low->value();
    t.gpuUtilizationHighPercent = m_high->value();
    t.p99LatencyMs = m_p99->value();
    t.fragmentationMax = m_frag->value() / 100.0;
    return t;
}

void MonitorSettings::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

void MonitorSettings::updateDuration() {
    const double seconds = m_capacity->value() * m_period->value();
    m_duration->setText(seconds >= 120
                            ? tr("%1 minutes").arg(QString::number(seconds / 60.0, 'f', 1))
                            : tr("%1 seconds").arg(QString::number(seconds, 'f', 0)));
}

} // namespace dw
