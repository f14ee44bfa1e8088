// The timeline's data: the sampler's ring turned into the charts' series (one per figure, in a
// fixed legend order), and value axes scaled to what is in view.
#include "monitor_chart_view.h"
#include "monitor_rows.h"
#include "monitor_timeline.h"

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

const QColor kCategoryColors[kLedgerCategoryCount] = {
    QColor(0x15, 0x65, 0xc0), QColor(0x8e, 0x24, 0xaa), QColor(0xf9, 0xa8, 0x25),
    QColor(0x00, 0x83, 0x8f), QColor(0x6d, 0x4c, 0x41), QColor(0x75, 0x75, 0x75)};
const QColor kGpuColors[] = {QColor(0x2e, 0x7d, 0x32), QColor(0x00, 0x69, 0x5c),
                             QColor(0x55, 0x8b, 0x2f), QColor(0x1b, 0x5e, 0x20)};
const QColor kRed(0xc6, 0x28, 0x28);

// A round upper bound for an axis showing values up to v.
double niceMax(double v) {
    if (!(v > 0)) return 1.0;
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
        if (v * 1.05 <= m * p) return m * p;
    return 12.0 * p;
}

// Where a series goes in its chart's legend: the ledger's order, then GPU by GPU.
int seriesRank(const QString& key) {
    static const QStringList order = {QStringLiteral("memory.weights"),
                                      QStringLiteral("memory.kv_cache"),
                                      QStringLiteral("memory.kv_cache_used"),
                                      QStringLiteral("memory.activations"),
                                      QStringLiteral("memory.scratch"),
                                      QStringLiteral("memory.vision"),
                                      QStringLiteral("memory.other"),
                                      QStringLiteral("fragmentation"),
                                      QStringLiteral("tokens_per_second"),
                                      QStringLiteral("ttft_mean"),
                                      QStringLiteral("ttft_p99")};
    const int i = int(order.indexOf(key));
    if (i >= 0) return i;
    if (key == QLatin1String("host.cpu")) return 1 << 20;
    const int dot = int(key.indexOf(QLatin1Char('.'))); // gpuN.figure
    const QString figure = key.mid(dot + 1);
    const int f = figure == QLatin1String("utilization") ? 0
                  : figure == QLatin1String("memory")    ? 1
                                                         : 2;
    return 1000 + 10 * key.mid(3, dot - 3).toInt() + f;
}

} // namespace

QXYSeries* MonitorTimeline::ensureSeries(Chart& c, const QString& key, const QString& name,
                                         bool right, const QColor& color, Qt::PenStyle style,
                                         bool scatter) {
    auto it = m_series.find(key);
    if (it != m_series.end()) return it->second;
    QXYSeries* s = nullptr;
    if (scatter) {
        auto* sc = new QScatterSeries;
        sc->setMarkerSize(7);
        sc->setBorderColor(color);
        s = sc;
    } else {
        s = new QLineSeries;
        s->setPen(QPen(color, 1.6, style));
    }
    s->setName(name);
    s->setColor(color);
    s->setObjectName(key);
    c.chart->addSeries(s);
    s->attachAxis(c.time);
    s->attachAxis(right ? c.right : c.left);
    m_series[key] = s;
    return s;
}

void MonitorTimeline::setData(const std::vector<TelemetrySample>& samples,
                              const std::vector<TelemetryMark>& marks) {
    if (m_paused) return;
    m_samples = samples;
    m_marks = marks;
    rebuild();
}

void MonitorTimeline::rebuild() {
    // Memory in MiB, or GiB once the largest figure passes 8 GiB.
    uint64_t largest = 0;
    bool held[kLedgerCategoryCount] = {}; // the category held bytes in some sample
    for (const TelemetrySample& s : m_samples) {
        if (!s.memory) continue;
        largest = std::max(largest, ledgerTotalBytes(*s.memory));
        for (int c = 0; c < kLedgerCategoryCount; ++c)
            held[c] = held[c] || ledgerCategoryBytes(*s.memory, static_cast<LedgerCategory>(c)) > 0;
    }
    m_memoryScale = largest > (8ull << 30) ? double(1ull << 30) : double(1ull << 20);
    m_memory.left->setTitleText(largest > (8ull << 30) ? tr("GiB") : tr("MiB"));

    std::map<QString, QList<QPointF>> points;
    for (const TelemetrySample& s : m_samples) {
        const double t = s.seconds;
        if (s.memory) {
            for (int c = 0; c < kLedgerCategoryCount; ++c) {
                const auto cat = static_cast<LedgerCategory>(c);
                const uint64_t b = ledgerCategoryBytes(*s.memory, cat);
                const QString key =
                    QStringLiteral("memory.") + QLatin1String(ledgerCategoryName(cat));
                // Only the categories that held bytes at some time in the ring are drawn.
                if (held[c]) points[key] << QPointF(t, double(b) / m_memoryScale);
            }
            uint64_t kvUsed = 0;
            double frag = 0.0;
            for (const PoolStats& p : s.memory->pools) {
                if (p.category == LedgerCategory::KvCache) kvUsed += p.usage.used;
                frag = std::max(frag, p.fragmentation);
            }
            if (!s.memory->pools.empty()) {
                points[QStringLiteral("memory.kv_cache_used")]
                    << QPointF(t, double(kvUsed) / m_memoryScale);
                points[QStringLiteral("fragmentation")] << QPointF(t, 100.0 * frag);
            }
        }
        if (s.tokensPerSecond)
            points[QStringLiteral("tokens_per_second")] << QPointF(t, *s.tokensPerSecond);
        if (s.ttftMeanSeconds)
            points[QStringLiteral("ttft_mean")] << QPointF(t, 1000.0 * *s.ttftMeanSeconds);
        if (s.serving && s.serving->ttftWindowSamples > 0)
            points[QStringLiteral("ttft_p99")] << QPointF(t, 1000.0 * s.serving->ttftP99Seconds);
        for (const GpuSample& g : s.gpus) {
            const QString p = QStringLiteral("gpu%1.").arg(g.index);
            if (g.utilizationPercent)
                points[p + QStringLiteral("utilization")] << QPointF(t, *g.utilizationPercent);
            if (g.memoryUsedBytes && g.memoryTotalBytes && *g.memoryTotalBytes > 0)
                points[p + QStringLiteral("memory")]
                    << QPointF(t, 100.0 * double(*g.memoryUsedBytes) / double(*g.memoryTotalBytes));
            if (g.powerWatts) points[p + QStringLiteral("power")] << QPointF(t, *g.powerWatts);
        }
        if (s.host.cpuUtilizationPercent)
            points[QStringLiteral("host.cpu")] << QPointF(t, *s.host.cpuUtilizationPercent);
    }

    std::vector<QString> keys;
    for (const auto& [key, pts] : points) keys.push_back(key);
    std::sort(keys.begin(), keys.end(),
              [](const QString& a, const QString& b) { return seriesRank(a) < seriesRank(b); });
    const size_t before = m_series.size();
    for (const QString& key : keys) {
        const QList<QPointF>& pts = points[key];
        QXYSeries* s = nullptr;
        if (key.startsWith(QLatin1String("memory."))) {
            LedgerCategory cat;
            const QByteArray name = key.mid(7).toLatin1();
            if (ledgerCategoryFromName(name.toStdString(), cat))
                s = ensureSeries(m_memory, key, MonitorRows::categoryName(cat), false,
                                 kCategoryColors[int(cat)]);
            else
                s = ensureSeries(m_memory, key, tr("KV cache in use"), false, kCategoryColors[1],
                                 Qt::DashLine);
        } else if (key == QLatin1String("fragmentation")) {
            s = ensureSeries(m_memory, key, tr("fragmentation (worst pool)"), true, kRed,
                             Qt::DotLine);
        } else if (key == QLatin1String("tokens_per_second")) {
            s = ensureSeries(m_serving, key, tr("tokens/s"), false, QColor(0x15, 0x65, 0xc0));
        } else if (key == QLatin1String("ttft_mean")) {
            s = ensureSeries(m_serving, key, tr("time to first token"), true,
                             QColor(0xef, 0x6c, 0x00), Qt::SolidLine, true);
        } else if (key == QLatin1String("ttft_p99")) {
            s = ensureSeries(m_serving, key, tr("P99 time to first token"), true,
                             QColor(0xbf, 0x36, 0x0c), Qt::DashLine);
        } else if (key == QLatin1String("host.cpu")) {
            s = ensureSeries(m_gpu, key, tr("host CPU"), false, QColor(0x75, 0x75, 0x75),
                             Qt::DotLine);
        } else { // gpuN.figure
            const int dot = int(key.indexOf(QLatin1Char('.')));
            const int gpu = key.mid(3, dot - 3).toInt();
            const QString figure = key.mid(dot + 1);
            const QColor color = kGpuColors[gpu % int(std::size(kGpuColors))];
            if (figure == QLatin1String("utilization"))
                s = ensureSeries(m_gpu, key, tr("GPU %1 utilization").arg(gpu), false, color);
            else if (figure == QLatin1String("memory"))
                s = ensureSeries(m_gpu, key, tr("GPU %1 memory").arg(gpu), false, color,
                                 Qt::DashLine);
            else
                s = ensureSeries(m_gpu, key, tr("GPU %1 power").arg(gpu), true,
                                 QColor(0xd8, 0x43, 0x15));
        }
        s->replace(pts);
    }
    for (auto& [key, s] : m_series)
        if (!points.count(key)) s->clear(); // the figure is gone (e.g. after the ring moved on)
    if (m_series.size() != before) sortLegends();
    for (Chart* c : {&m_memory, &m_serving, &m_gpu}) c->view->setMarks(m_marks);
    if (!m_zoomed) followNewest();
    rescaleValues();
}

void MonitorTimeline::sortLegends() {
    // A legend lists series in the order they were added: add them again in rank order.
    for (Chart* c : {&m_memory, &m_serving, &m_gpu}) {
        QList<QAbstractSeries*> all = c->chart->series();
        std::sort(all.begin(), all.end(), [](QAbstractSeries* a, QAbstractSeries* b) {
            return seriesRank(a->objectName()) < seriesRank(b->objectName());
        });
        for (QAbstractSeries* s : all) {
            const QList<QAbstractAxis*> axes = s->attachedAxes();
            c->chart->removeSeries(s);
            c->chart->addSeries(s);
            for (QAbstractAxis* a : axes) s->attachAxis(a);
        }
    }
}

void MonitorTimeline::rescaleValues() {
    // Each value axis from 0 to a round number above what is visible in the time range.
    const double from = timeFrom(), to = timeTo();
    std::map<QValueAxis*, double> top;
    for (const auto& [key, s] : m_series) {
        if (!s->isVisible()) continue;
        for (QAbstractAxis* a : s->attachedAxes()) {
            auto* v = qobject_cast<QValueAxis*>(a);
            if (!v || a->orientation() != Qt::Vertical) continue;
            double& m = top[v];
            for (const QPointF& p : s->points())
                if (p.x() >= from && p.x() <= to) m = std::max(m, p.y());
        }
    }
    top[m_serving.right] =
        std::max(top[m_serving.right], m_thresholds.p99LatencyMs); // the limit shows
    top[m_memory.right] =
        std::max(top[m_memory.right], 100.0 * m_thresholds.fragmentationMax * 1.4);
    for (QValueAxis* a :
         {m_memory.left, m_memory.right, m_serving.left, m_serving.right, m_gpu.right}) {
        a->setRange(0, niceMax(top[a]));
        a->applyNiceNumbers(); // round ticks (0, 2.5, 5 rather than 0, 1.3, 3.8)
        a->setLabelFormat(tickFormat(a));
    }
}

QXYSeries* MonitorTimeline::series(const QString& key) const {
    auto it = m_series.find(key);
    return it == m_series.end() ? nullptr : it->second;
}

QStringList MonitorTimeline::seriesKeys() const {
    QStringList keys;
    for (const auto& [key, s] : m_series) keys << key;
    return keys;
}

} // namespace dw
