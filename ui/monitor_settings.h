#pragma once
// The monitor's Settings tab: the thresholds (applied as they are edited) and the sampling
// period and length (applied with a button, since a new sampler starts a new timeline).
// GUI thread only.
#include "deepwell/telemetry.h"

#include <QWidget>

class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace dw {

class MonitorSettings : public QWidget {
    Q_OBJECT
public:
    explicit MonitorSettings(QWidget* parent = nullptr);

    void setValues(const Thresholds& thresholds, size_t capacity, double periodSeconds);
    Thresholds thresholds() const;
    void setStatus(const QString& text, bool error);

    QDoubleSpinBox* utilizationLow() const { return m_low; }
    QDoubleSpinBox* utilizationHigh() const { return m_high; }
    QDoubleSpinBox* p99Latency() const { return m_p99; }
    QDoubleSpinBox* fragmentation() const { return m_frag; }

signals:
    void thresholdsEdited(const dw::Thresholds& thresholds);
    void samplingApplied(qulonglong capacity, double periodSeconds);

private:
    void updateDuration();

    QDoubleSpinBox* m_low = nullptr;
    QDoubleSpinBox* m_high = nullptr;
    QDoubleSpinBox* m_p99 = nullptr;
    QDoubleSpinBox* m_frag = nullptr;
    QSpinBox* m_capacity = nullptr;
    QDoubleSpinBox* m_period = nullptr;
    QLabel* m_duration = nullptr;
    QLabel* m_status = nullptr;
    bool m_setting = false;
};

} // namespace dw
