#pragma once
// The monitor's timeline: three charts stacked on one time axis (seconds since the sampler
// started; zooming one zooms all), each with event marks (model load, prefill, decode) and its
// threshold band:
//   memory    the ledger by category (+ KV cache in use) in MiB or GiB; pool fragmentation in %
//             on the right with its limit line
//   serving   tokens/s; time to first token (mean of the interval, P99) in ms on the right with
//             the P99 limit line
//   GPU       utilization and memory use in % per GPU and host CPU %, with the target band;
//             power in W on the right
// Stacked charts rather than one with five value axes: each unit gets a readable scale.
// While not zoomed, the time range follows the newest sample; pause freezes what is shown
// (the sampler keeps sampling). GUI thread only.
#include "deepwell/telemetry.h"

#include <QWidget>

#include <map>

class QChart;
class QLabel;
class QValueAxis;
class QXYSeries;

namespace dw {

class MonitorChartView;

class MonitorTimeline : public QWidget {
    Q_OBJECT
public:
    explicit MonitorTimeline(QWidget* parent = nullptr);
    ~MonitorTimeline() override;

    // The whole ring and its marks; ignored while paused.
    void setData(const std::vector<TelemetrySample>& samples,
                 const std::vector<TelemetryMark>& marks);
    void setThresholds(const Thresholds& thresholds);

    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // Shows [from, to] on every chart, as a user's zoom would (stops following the newest).
    void setTimeRange(double from, double to);
    void resetZoom(); // follow the newest sample again
    // While following, at least this many seconds are shown (the panel: 60 samples' worth).
    void setMinimumSpan(double seconds);
    bool isZoomed() const { return m_zoomed; }
    double timeFrom() const;
    double timeTo() const;

    // Series by stable key: "memory.weights", "memory.kv_cache_used", "fragmentation",
    // "tokens_per_second", "ttft_mean", "ttft_p99", "gpu0.utilization", "gpu0.memory",
    // "gpu0.power", "host.cpu". Null until the data had that figure.
    QXYSeries* series(const QString& key) const;
    QStringList seriesKeys() const;
    QList<MonitorChartView*> views() const;

signals:
    void pausedChanged(bool paused);
    void zoomedChanged(bool zoomed);

private:
    struct Chart {
        QChart* chart = nullptr;
        MonitorChartView* view = nullptr;
        QValueAxis* time = nullptr;
        QValueAxis* left = nullptr;
        QValueAxis* right = nullptr;
    };
    Chart makeChart(const QString& title, const QString& leftTitle, const QString& rightTitle);
    QXYSeries* ensureSeries(Chart& chart, const QString& key, const QString& name, bool right,
                            const QColor& color, Qt::PenStyle style = Qt::SolidLine,
                            bool scatter = false);
    void rebuild();
    void followNewest();
    void applyRange(double from, double to, const MonitorChartView* source);
    void rescaleValues();
    void updateBands();
    void sortLegends();
    void alignPlots();
    void onUserZoomed(MonitorChartView* source);
    static QString tickFormat(const QValueAxis* axis); // decimals enough to tell ticks apart

    Chart m_memory, m_serving, m_gpu;
    QLabel* m_legend = nullptr;
    std::map<QString, QXYSeries*> m_series;
    std::vector<TelemetrySample> m_samples;
    std::vector<TelemetryMark> m_marks;
    Thresholds m_thresholds;
    double m_minimumSpan = 60.0;
    double m_memoryScale = 1024.0 * 1024.0; // bytes per unit of the memory axis
    bool m_paused = false;
    bool m_zoomed = false;
    bool m_applying = false; // setting ranges ourselves
    bool m_alignQueued = false;
};

} // namespace dw
