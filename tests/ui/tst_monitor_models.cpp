// The monitor panel's pieces on hand-made telemetry (no engine, no driver): figure texts, the
// table model (QAbstractItemModelTester, minimal change signals), the rows of every table,
// the MoE heatmap's shares and the timeline's series, marks, pause and zoom.
#include "monitor_chart_view.h"
#include "monitor_format.h"
#include "monitor_heatmap.h"
#include "monitor_rows.h"
#include "monitor_table_model.h"
#include "monitor_timeline.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QWheelEvent>
#include <QXYSeries>
#include <QtTest>

using namespace dw;

namespace {

GpuSample fullGpu(double util, double watts) {
    GpuSample g;
    g.index = 0;
    g.name = "Test GPU";
    g.utilizationPercent = util;
    g.memoryBusyPercent = 40;
    g.memoryUsedBytes = 6ull << 30;
    g.memoryTotalBytes = 24ull << 30;
    g.temperatureCelsius = 61;
    g.powerWatts = watts;
    g.powerLimitWatts = 450;
    g.smClockMHz = 2520;
    g.processesKnown = true;
    g.processes = {{42, 512ull << 20, "deepwell"}, {43, std::nullopt, ""}};
    return g;
}

LedgerSnapshot ledger(uint64_t weights, uint64_t kv, uint64_t kvUsed) {
    LedgerSnapshot l;
    LedgerDeviceUsage host;
    host.categories[size_t(LedgerCategory::Weights)] = {weights, weights};
    host.categories[size_t(LedgerCategory::KvCache)] = {kv, kv};
    host.categories[size_t(LedgerCategory::Activations)] = {1000, 4000};
    host.totalBytes = weights + kv + 1000;
    host.peakTotalBytes = weights + kv + 4000;
    l.devices.push_back(host);
    PoolStats pool;
    pool.name = "kv";
    pool.category = LedgerCategory::KvCache;
    pool.usage = {kv, kvUsed, (kv - kvUsed) / 2};
    pool.fragmentation = poolFragmentation(pool.usage);
    l.pools.push_back(pool);
    return l;
}

// Samples at t = 0..n-1 s: the fake GPU, a ledger and serving figures.
std::vector<TelemetrySample> timelineSamples(int n) {
    std::vector<TelemetrySample> out;
    for (int i = 0; i < n; ++i) {
        TelemetrySample s;
        s.seconds = i;
        s.gpuAvailable = true;
        s.gpus = {fullGpu(50 + i, 200 + i)};
        s.host.cpuUtilizationPercent = 10.0 * (i % 3);
        s.memory = ledger(100ull << 20, 64ull << 20, uint64_t(i) << 20);
        s.serving = ServingFigures{};
        s.serving->ttftWindowSamples = i > 0 ? 1 : 0;
        s.serving->ttftP99Seconds = 0.2;
        if (i > 0) s.tokensPerSecond = 30.0 + i;
        if (i == 2) s.ttftMeanSeconds = 0.15;
        out.push_back(s);
    }
    return out;
}

int row(const MonitorTableModel& m, const QString& key) {
    for (int r = 0; r < m.rowCount(); ++r)
        if (m.cell(r, 0).value.toString() == key) return r;
    return -1;
}

} // namespace

class TestMonitorModels : public QObject {
    Q_OBJECT

private slots:
    void bytesText_data() {
        QTest::addColumn<qulonglong>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << 0ull << "0 B";
        QTest::newRow("below a KiB") << 1023ull << "1023 B";
        QTest::newRow("one and a half KiB") << 1536ull << "1.50 KiB";
        QTest::newRow("five MiB") << (5ull << 20) << "5.00 MiB";
        QTest::newRow("24 GiB") << (24ull << 30) << "24.0 GiB";
        QTest::newRow("300 GiB") << (300ull << 30) << "300 GiB";
    }
    void bytesText() {
        QFETCH(qulonglong, bytes);
        QFETCH(QString, text);
        QCOMPARE(MonitorFormat::bytes(bytes), text);
    }

    void otherTexts() {
        QCOMPARE(MonitorFormat::signedBytes(-2048), QStringLiteral("\u22122.00 KiB"));
        QCOMPARE(MonitorFormat::signedBytes(1536), QStringLiteral("+1.50 KiB"));
        QCOMPARE(MonitorFormat::seconds(0.35), QStringLiteral("350 ms"));
        QCOMPARE(MonitorFormat::seconds(2.1), QStringLiteral("2.10 s"));
        QCOMPARE(MonitorFormat::percent(75), QStringLiteral("75 %"));
        QCOMPARE(MonitorFormat::tokensPerJoule(0.1234), QStringLiteral("0.123 tokens/J"));
        QCOMPARE(MonitorFormat::orNa(std::optional<double>(), MonitorFormat::watts),
                 QStringLiteral("n/a"));
    }

    void tableModelSignalsOnlyWhatChanged() {
        MonitorTableModel m({QStringLiteral("Figure"), QStringLiteral("Value")});
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&m, &QAbstractItemModel::dataChanged);
        const auto cell = [](const QString& t, double v) { return MonitorCell{t, v, false, {}}; };
        m.setRows({{cell("a", 1), cell("1", 1)}, {cell("b", 2), cell("2", 2)}, {cell("c", 3)}});
        QCOMPARE(resets.size(), 1);
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(m.data(m.index(2, 1)).toString(), QString()); // padded
        m.setRows({{cell("a", 1), cell("1", 1)}, {cell("b", 2), cell("9", 9)}, {cell("c", 3)}});
        QCOMPARE(resets.size(), 1);
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0][0].toModelIndex().row(), 1);
        QCOMPARE(changes[0][1].toModelIndex().row(), 1);
        QCOMPARE(m.data(m.index(1, 1), MonitorTableModel::ValueRole).toDouble(), 9.0);
        m.setRows({{cell("a", 1), cell("1", 1)}, {cell("b", 2), cell("9", 9)}, {cell("c", 3)}});
        QCOMPARE(changes.size(), 1); // nothing changed, nothing said
        m.setHeaders({QStringLiteral("Figure"), QStringLiteral("GPU 0"), QStringLiteral("GPU 1")});
        QCOMPARE(resets.size(), 2);
        QCOMPARE(m.columnCount(), 3);
        QCOMPARE(m.headerData(2, Qt::Horizontal).toString(), QStringLiteral("GPU 1"));
        QCOMPARE(m.findRow(QStringLiteral("c")), 2);
        m.setRows({});
        QCOMPARE(m.rowCount(), 0);
    }

    void gpuRows() {
        TelemetrySample s;
        s.gpuAvailable = true;
        GpuSample partial;
        partial.index = 1;
        partial.name = "Second";
        partial.memoryUsedBytes = 1ull << 30;
        s.gpus = {fullGpu(95, 250), partial};
        Thresholds t;
        const auto warnings = evaluateThresholds(s, t);
        MonitorTableModel m(MonitorRows::gpuHeaders(s));
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setRows(MonitorRows::gpuRows(s, warnings));
        QCOMPARE(m.headers(), QStringList({"Figure", "GPU 0", "GPU 1"}));
        const int util = row(m, QStringLiteral("utilization"));
        QVERIFY(util >= 0);
        QCOMPARE(m.cell(util, 1).value.toDouble(), 95.0);
        QVERIFY(m.cell(util, 1).warn); // above the 85 % band
        QCOMPARE(m.cell(util, 2).text, QStringLiteral("n/a"));
        QVERIFY(!m.cell(util, 2).value.isValid());
        QCOMPARE(m.cell(row(m, "name"), 1).text, QStringLiteral("Test GPU"));
        QCOMPARE(m.cell(row(m, "memory_used"), 1).value.toULongLong(), 6ull << 30);
        QCOMPARE(m.cell(row(m, "memory_used"), 1).text, QStringLiteral("6.00 GiB (25 %)"));
        QCOMPARE(m.cell(row(m, "power"), 1).value.toDouble(), 250.0);
        QCOMPARE(m.cell(row(m, "processes"), 2).text, QStringLiteral("n/a"));
        QCOMPARE(row(m, "error"), -1);

        const auto procs = MonitorRows::processRows(s, 42);
        QCOMPARE(procs.size(), 2);
        QCOMPARE(procs[0][2].text, QStringLiteral("deepwell (this program)"));
        QCOMPARE(procs[1][2].text, QStringLiteral("(not visible)"));
        QCOMPARE(procs[1][3].text, QStringLiteral("n/a"));
    }

    void hostRows() {
        HostSample h;
        h.cpuCount = 8;
        h.memoryTotalBytes = 16ull << 30;
        h.memoryAvailableBytes = 12ull << 30;
        MonitorTableModel m(MonitorRows::hostHeaders());
        m.setRows(MonitorRows::hostRows(h));
        QCOMPARE(m.cell(row(m, "cpus"), 1).value.toDouble(), 8.0);
        QCOMPARE(m.cell(row(m, "ram_used"), 1).value.toULongLong(), 4ull << 30);
        QCOMPARE(m.cell(row(m, "cpu_utilization"), 1).text, QStringLiteral("n/a")); // first sample
    }

    void ledgerRows() {
        const LedgerSnapshot l = ledger(100ull << 20, 64ull << 20, 16ull << 20);
        LedgerEstimate e;
        e.bytes[size_t(LedgerCategory::Weights)] = 100ull << 20;
        e.bytes[size_t(LedgerCategory::KvCache)] = 60ull << 20;
        MonitorTableModel m(MonitorRows::ledgerHeaders());
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setRows(MonitorRows::ledgerRows(l, e));
        const int w = row(m, "weights"), kv = row(m, "kv_cache"), total = row(m, "total");
        QCOMPARE(m.cell(w, 1).value.toULongLong(), 100ull << 20);
        QCOMPARE(m.cell(w, 4).value.toLongLong(), 0);
        QCOMPARE(m.cell(kv, 4).value.toLongLong(), qlonglong(4ull << 20));
        QCOMPARE(m.cell(kv, 4).text, QStringLiteral("+4.00 MiB"));
        QCOMPARE(m.cell(row(m, "activations"), 2).value.toULongLong(), 4000ull); // peak
        QCOMPARE(m.cell(row(m, "kv_cache_used"), 1).value.toULongLong(), 16ull << 20);
        QCOMPARE(m.cell(total, 1).value.toULongLong(), ledgerTotalBytes(l));
        QCOMPARE(m.cell(total, 3).value.toULongLong(), e.total());
        m.setRows(MonitorRows::ledgerRows(l, std::nullopt)); // no engine: no estimate
        QCOMPARE(m.cell(w, 3).text, QStringLiteral("n/a"));

        Thresholds t;
        const auto pools = MonitorRows::poolRows(l, t);
        QCOMPARE(pools.size(), 1);
        QCOMPARE(pools[0][5].value.toDouble(), 100.0 * l.pools[0].fragmentation);
        QCOMPARE(pools[0][5].warn,
                 l.pools[0].fragmentation > 0.15); // half the free bytes in one run
        QVERIFY(pools[0][5].warn);

        EngineStats stats;
        stats.kvPerRequest = {{7, 3, 40}};
        const auto requests = MonitorRows::requestRows(stats, 16);
        QCOMPARE(requests.size(), 1);
        QCOMPARE(requests[0][1].value.toDouble(), 3.0);
        QCOMPARE(requests[0][3].value.toDouble(), 100.0 * 40 / 48);
    }

    void warningsAndEfficiency() {
        TelemetrySample s;
        s.gpus = {fullGpu(95, 250)};
        Thresholds t;
        MonitorTableModel m(MonitorRows::warningHeaders());
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setRows(MonitorRows::warningRows(evaluateThresholds(s, t)));
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.cell(0, 0).value.toString(), QStringLiteral("gpu_utilization_high"));
        QCOMPARE(m.cell(0, 4).text,
                 QStringLiteral("GPU 0 utilization 95 % is above 85 %: requests will queue"));
        t.gpuUtilizationHighPercent = 99; // configurable
        m.setRows(MonitorRows::warningRows(evaluateThresholds(s, t)));
        QCOMPARE(m.rowCount(), 0);

        EfficiencyFigures none;
        auto rows = MonitorRows::efficiencyRows(none);
        QCOMPARE(rows[1][1].text, QStringLiteral("needs NVML power"));
        QCOMPARE(rows[2][1].text, QStringLiteral("no reply yet"));
        EfficiencyFigures f;
        f.gpuAvailable = true;
        f.powerWatts = 250;
        f.haveReply = true;
        f.replyTokens = 100;
        f.replySeconds = 2;
        f.replyJoules = 500;
        f.replyTokensPerJoule = 0.2;
        rows = MonitorRows::efficiencyRows(f);
        QCOMPARE(rows[1][1].text, QStringLiteral("n/a (no power figure)")); // live not computed
        QCOMPARE(rows[2][1].value.toDouble(), 0.2);
        QCOMPARE(rows[3][1].text, QStringLiteral("500 J"));
    }

    void comparisonRows() {
        TelemetrySnapshot a, b;
        a.name = "before";
        b.name = "after";
        a.samples = timelineSamples(3);
        b.samples = timelineSamples(5);
        MonitorTableModel m(MonitorRows::comparisonHeaders("A", "B"));
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setRows(MonitorRows::comparisonRows(compareTelemetry(a, b)));
        const int samples = row(m, "samples");
        QVERIFY(samples >= 0);
        QCOMPARE(m.cell(samples, 0).text, QStringLiteral("Samples"));
        QCOMPARE(m.cell(samples, 1).value.toDouble(), 3.0);
        QCOMPARE(m.cell(samples, 2).value.toDouble(), 5.0);
        QCOMPARE(m.cell(samples, 3).text, QStringLiteral("+2 (66.7 %)"));
        QCOMPARE(m.cell(row(m, "peak memory: weights"), 0).text,
                 QStringLiteral("Peak memory: Weights"));
        QCOMPARE(m.cell(row(m, "peak memory: weights"), 3).value.toDouble(), 0.0);
    }

    void heatmapShares() {
        ExpertHeatmap h;
        h.resize(500, 200);
        QCOMPARE(h.nonZeroCells(), 0);
        h.setCounts({{3, 1, 0, 0}, {}, {0, 0, 2, 2}});
        QCOMPARE(h.layerCount(), 3);
        QCOMPARE(h.expertCount(), 4);
        QCOMPARE(h.share(0, 0), 0.75);
        QCOMPARE(h.share(1, 0), 0.0); // a dense layer
        QCOMPARE(h.share(2, 3), 0.5);
        QCOMPARE(h.share(9, 9), 0.0);
        QCOMPARE(h.nonZeroCells(), 4);
        QCOMPARE(h.totalSelections(), uint64_t(8));
        const QImage img = h.grab().toImage();
        QVERIFY(!img.isNull());
        // The busiest cell (layer 0, expert 0) is drawn darker than a cell never chosen.
        const QColor busy = img.pixelColor(img.width() / 6, 30),
                     idle = img.pixelColor(img.width() * 2 / 3, 30);
        QVERIFY2(busy.lightness() < idle.lightness(),
                 qPrintable(busy.name() + " vs " + idle.name()));
    }

    void timelineSeriesMarksPauseZoom() {
        MonitorTimeline t;
        t.resize(800, 700);
        t.setMinimumSpan(5);
        std::vector<TelemetryMark> marks = {{1.5, TelemetryMarkKind::Prefill, "r"},
                                            {2.0, TelemetryMarkKind::Decode, "r"}};
        t.setData(timelineSamples(10), marks);
        QVERIFY(t.series("memory.weights"));
        QCOMPARE(t.series("memory.weights")->count(), 10);
        QCOMPARE(t.series("memory.weights")->at(0).y(), 100.0); // MiB
        QVERIFY(!t.series("memory.vision"));                    // never held bytes
        QCOMPARE(t.series("tokens_per_second")->count(), 9);
        QCOMPARE(t.series("ttft_mean")->count(), 1);
        QCOMPARE(t.series("ttft_mean")->at(0).y(), 150.0);
        QCOMPARE(t.series("gpu0.utilization")->at(9).y(), 59.0);
        QCOMPARE(t.series("gpu0.memory")->at(0).y(), 25.0);
        QCOMPARE(t.series("gpu0.power")->count(), 10);
        QCOMPARE(t.series("host.cpu")->count(), 10);
        for (MonitorChartView* v : t.views()) {
            QCOMPARE(v->marks().size(), size_t(2));
            QCOMPARE(v->bands().size(), 1);
        }
        QCOMPARE(t.timeFrom(), 0.0);
        QCOMPARE(t.timeTo(), 9.0);

        t.setPaused(true);
        t.setData(timelineSamples(20), marks);
        QCOMPARE(t.series("memory.weights")->count(), 10); // frozen
        t.setPaused(false);
        t.setData(timelineSamples(20), marks);
        QCOMPARE(t.series("memory.weights")->count(), 20);
        QCOMPARE(t.timeTo(), 19.0);

        QSignalSpy zoomed(&t, &MonitorTimeline::zoomedChanged);
        t.setTimeRange(4, 8);
        QVERIFY(t.isZoomed());
        QCOMPARE(zoomed.size(), 1);
        for (MonitorChartView* v : t.views()) {
            QCOMPARE(v->timeAxis()->min(), 4.0);
            QCOMPARE(v->timeAxis()->max(), 8.0);
        }
        t.setData(timelineSamples(25), marks);
        QCOMPARE(t.timeTo(), 8.0); // a zoomed view stays where the user put it
        t.resetZoom();
        QVERIFY(!t.isZoomed());
        QCOMPARE(t.timeTo(), 24.0);

        // The mouse wheel zooms the time axis around the cursor, on every chart at once.
        t.show();
        QVERIFY(QTest::qWaitForWindowExposed(&t));
        MonitorChartView* top = t.views()[0];
        const QPoint centre = top->viewport()->rect().center();
        QWheelEvent wheel(centre, top->viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 240),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(top->viewport(), &wheel);
        QVERIFY(t.isZoomed());
        QVERIFY(t.timeTo() - t.timeFrom() < 24.0);
        QVERIFY(t.timeFrom() > 0.0 && t.timeTo() < 24.0);
        for (MonitorChartView* v : t.views()) {
            QCOMPARE(v->timeAxis()->min(), t.timeFrom());
            QCOMPARE(v->timeAxis()->max(), t.timeTo());
        }
        t.resetZoom();

        Thresholds th;
        th.gpuUtilizationLowPercent = 60;
        t.setThresholds(th);
        QCOMPARE(t.views()[2]->bands()[0].lo, 60.0);
        QCOMPARE(t.views()[2]->bands()[0].hi, 85.0);
    }
};

QTEST_MAIN(TestMonitorModels)
#include "tst_monitor_models.moc"
