#include "monitor_timeline.h"

#include "monitor_chart_view.h"
#include "monitor_format.h"
#include "monitor_rows.h"

#include <QChart>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace dw {

namespace {

const QColor kRed(0xc6, 0x28, 0x28);

} // namespace

MonitorTimeline::MonitorTimeline(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_legend = new QLabel(this);
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setWordWrap(true);
    const auto swatch = [](TelemetryMarkKind k, const QString& name) {
        return QStringLiteral("<span style='color:%1'>&#9474;&#9650;</span>&nbsp;%2")
            .arg(markColor(k).name(), name.toHtmlEscaped());
    };
    m_legend->setText(
        tr("Marks: %1 &nbsp; %2 &nbsp; %3 &nbsp;·&nbsp; drag to zoom in, wheel to zoom, "
           "right-click to zoom out")
            .arg(swatch(TelemetryMarkKind::ModelLoad, tr("model load")),
                 swatch(TelemetryMarkKind::Prefill, tr("prefill")),
                 swatch(TelemetryMarkKind::Decode, tr("decode"))));
    layout->addWidget(m_legend);

    m_memory = makeChart(tr("Engine memory by category"), tr("MiB"), tr("fragmentation (%)"));
    m_serving =
        makeChart(tr("Throughput and latency"), tr("tokens/s"), tr("time to first token (ms)"));
    m_gpu = makeChart(tr("GPU and host"), tr("%"), tr("power (W)"));
    m_gpu.time->setTitleText(tr("time (s)"));
    for (Chart* c : {&m_memory, &m_serving, &m_gpu}) layout->addWidget(c->view, 1);
    m_gpu.left->setRange(0, 100);
    m_memory.right->setRange(0, 100);
    updateBands();
}

MonitorTimeline::~MonitorTimeline() = default;

MonitorTimeline::Chart MonitorTimeline::makeChart(const QString& title, const QString& leftTitle,
                                                  const QString& rightTitle) {
    Chart c;
    c.chart = new QChart;
    c.chart->setTitle(title);
    QFont tf = c.chart->titleFont();
    tf.setBold(true);
    c.chart->setTitleFont(tf);
    c.chart->setMargins(QMargins(2, 2, 2, 2));
    c.chart->setBackgroundRoundness(0);
    c.chart->legend()->setAlignment(Qt::AlignBottom);
    c.chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
    const auto axis = [&](const QString& t, Qt::Alignment a) {
        auto* ax = new QValueAxis;
        ax->setTitleText(t);
        ax->setLabelFormat(QStringLiteral("%.0f"));
        ax->setTickCount(5);
        ax->setRange(0, 1);
        c.chart->addAxis(ax, a);
        return ax;
    };
    c.time = axis(QString(), Qt::AlignBottom);
    c.time->setTickCount(7);
    c.left = axis(leftTitle, Qt::AlignLeft);
    c.right = axis(rightTitle, Qt::AlignRight);
    c.time->setRange(0, 60);
    c.view = new MonitorChartView(c.chart, c.time, this);
    c.view->setMinimumHeight(190);
    MonitorChartView* view = c.view;
    connect(view, &MonitorChartView::userZoomed, this, [this, view] { onUserZoomed(view); });
    // Labels change width with the ranges: line the plot areas up again after each layout.
    connect(c.chart, &QChart::plotAreaChanged, this, [this] {
        if (m_alignQueued) return;
        m_alignQueued = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_alignQueued = false;
                alignPlots();
            },
            Qt::QueuedConnection);
    });
    return c;
}

void MonitorTimeline::setThresholds(const Thresholds& thresholds) {
    m_thresholds = thresholds;
    updateBands();
    rescaleValues();
}

void MonitorTimeline::updateBands() {
    const auto pct = [](double v) { return MonitorFormat::percent(v); };
    m_memory.view->setBands(
        {{m_memory.right, 100.0 * m_thresholds.fragmentationMax,
          100.0 * m_thresholds.fragmentationMax, kRed,
          tr("fragmentation limit %1").arg(pct(100.0 * m_thresholds.fragmentationMax))}});
    m_serving.view->setBands(
        {{m_serving.right, m_thresholds.p99LatencyMs, m_thresholds.p99LatencyMs, kRed,
          tr("P99 limit %1").arg(MonitorFormat::seconds(m_thresholds.p99LatencyMs / 1000.0))}});
    m_gpu.view->setBands({{m_gpu.left, m_thresholds.gpuUtilizationLowPercent,
                           m_thresholds.gpuUtilizationHighPercent, QColor(0x2e, 0x7d, 0x32),
                           tr("target utilization %1–%2")
                               .arg(pct(m_thresholds.gpuUtilizationLowPercent),
                                    pct(m_thresholds.gpuUtilizationHighPercent))}});
}

void MonitorTimeline::alignPlots() {
    // Three charts, one time axis: the plot areas start and end at the same x whatever the
    // width of each chart's value labels, by padding the narrower charts' margins. Measured
    // from the laid-out plot areas (less the padding added before), so it settles at once.
    constexpr int kMargin = 2;
    double left = 0, right = 0;
    std::vector<std::pair<double, double>> natural;
    for (const Chart* c : {&m_memory, &m_serving, &m_gpu}) {
        const QRectF plot = c->chart->plotArea();
        const QMargins m = c->chart->margins();
        const double l = plot.left() - (m.left() - kMargin);
        const double r = c->chart->size().width() - plot.right() - (m.right() - kMargin);
        natural.emplace_back(l, r);
        left = std::max(left, l);
        right = std::max(right, r);
    }
    int i = 0;
    for (Chart* c : {&m_memory, &m_serving, &m_gpu}) {
        const auto [l, r] = natural[size_t(i++)];
        const QMargins m(kMargin + int(std::lround(left - l)), kMargin,
                         kMargin + int(std::lround(right - r)), kMargin);
        if (m != c->chart->margins()) c->chart->setMargins(m);
    }
}

void MonitorTimeline::followNewest() {
    if (m_samples.empty()) return;
    const double first = m_samples.front().seconds, last = m_samples.back().seconds;
    applyRange(first, std::max(last, first + m_minimumSpan), nullptr);
}

void MonitorTimeline::applyRange(double from, double to, const MonitorChartView* source) {
    m_applying = true;
    for (Chart* c : {&m_memory, &m_serving, &m_gpu}) {
        if (c->view != source) c->time->setRange(from, to);
        c->time->setLabelFormat(tickFormat(c->time));
    }
    m_applying = false;
}

// Decimals enough to tell the ticks apart.
QString MonitorTimeline::tickFormat(const QValueAxis* axis) {
    const double step = (axis->max() - axis->min()) / std::max(1, axis->tickCount() - 1);
    return step >= 1.0   ? QStringLiteral("%.0f")
           : step >= 0.1 ? QStringLiteral("%.1f")
                         : QStringLiteral("%.2f");
}

void MonitorTimeline::onUserZoomed(MonitorChartView* source) {
    if (m_applying) return;
    const bool was = m_zoomed;
    m_zoomed = true;
    applyRange(source->timeAxis()->min(), source->timeAxis()->max(), source);
    rescaleValues();
    m_gpu.left->setRange(0, 100); // a right-click zoom-out scales every axis
    if (!was) emit zoomedChanged(true);
}

void MonitorTimeline::setTimeRange(double from, double to) {
    m_gpu.time->setRange(from, to);
    onUserZoomed(m_gpu.view);
}

void MonitorTimeline::resetZoom() {
    const bool was = m_zoomed;
    m_zoomed = false;
    for (Chart* c : {&m_memory, &m_serving, &m_gpu}) c->chart->zoomReset();
    m_gpu.left->setRange(0, 100);
    m_memory.right->setRange(0, 100);
    followNewest();
    rescaleValues();
    if (was) emit zoomedChanged(false);
}

void MonitorTimeline::setMinimumSpan(double seconds) {
    m_minimumSpan = std::max(1.0, seconds);
    if (!m_zoomed) followNewest();
}

void MonitorTimeline::setPaused(bool paused) {
    if (paused == m_paused) return;
    m_paused = paused;
    emit pausedChanged(paused);
}

double MonitorTimeline::timeFrom() const {
    return m_gpu.time->min();
}
double MonitorTimeline::timeTo() const {
    return m_gpu.time->max();
}

QList<MonitorChartView*> MonitorTimeline::views() const {
    return {m_memory.view, m_serving.view, m_gpu.view};
}

} // namespace dw
