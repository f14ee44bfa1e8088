// The GPU monitor panel's actions with the real CPU engine and the fake NVML library: the MoE
// heatmap fills and resets (across a model swap), CSV, PNG and snapshots are written and read
// back and compared, and a new sampling setup starts a new timeline.
#include "deepwell/error.h"
#include "deepwell/model.h"
#include "deepwell/thread_guard.h"
#include "monitor_chart_view.h"
#include "monitor_format.h"
#include "monitor_heatmap.h"
#include "monitor_test_util.h"
#include "monitor_timeline.h"

#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QXYSeries>

#include <unistd.h>

using namespace dw;
using namespace dwtest;

class TestMonitorActions : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    MonitorTestModels m_models;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        m_models.create(m_dir);
    }

    void moeHeatmapFillsAndResetsAcrossASwap() {
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
        panel.resize(900, 700);
        panel.show();
        QVERIFY(loadAndWait(bridge, panel, m_models.dense, *m_models.denseModel));
        // The model swap: the sampler's feeds move to the new engine.
        QVERIFY(loadAndWait(bridge, panel, m_models.moe, *m_models.moeModel));
        panel.tabs()->setCurrentIndex(MonitorPanel::ExpertsTab);
        bool done = false;
        connect(&bridge, &EngineBridge::finished, this, [&] { done = true; });
        bridge.generate(reply(40));
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        ExpertHeatmap* h = panel.heatmap();
        QTRY_VERIFY(h->nonZeroCells() > 0);
        QCOMPARE(h->layerCount(), m_models.moeModel->hparams().nLayer);
        QCOMPARE(h->expertCount(), 16); // tiny-qwen3moe: 16 experts, 4 chosen per token
        for (int l = 0; l < h->layerCount(); ++l) {
            double sum = 0;
            for (int e = 0; e < h->expertCount(); ++e) sum += h->share(l, e);
            QVERIFY(qFuzzyCompare(sum, 1.0));
        }
        QVERIFY(panel.expertNote()->text().contains(QStringLiteral("16 experts")));
        QVERIFY(saveShot(&panel, QStringLiteral("monitor_experts_en.png")));

        panel.findChild<QPushButton*>(QStringLiteral("resetExpertsButton"))->click();
        QCOMPARE(h->nonZeroCells(), 0);
        QTest::qWait(500); // several refreshes: the engine's counts are zero too
        QCOMPARE(h->nonZeroCells(), 0);
        QCOMPARE(h->layerCount(), m_models.moeModel->hparams().nLayer);
    }

    void exportsAndSnapshots() {
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
        panel.resize(900, 900);
        panel.show();
        auto testers = testModels(panel);
        QVERIFY(loadAndWait(bridge, panel, m_models.dense, *m_models.denseModel));
        QTRY_VERIFY(panel.sampler()->samples().size() >= 3);

        const QString csvPath = m_dir.filePath(QStringLiteral("t.csv"));
        QVERIFY(panel.exportCsv(csvPath));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        QVERIFY(lines[0].startsWith("seconds,gpu0_utilization_percent,"));
        QVERIFY(lines[0].contains("memory_weights_bytes"));
        QVERIFY(lines.size() >= 4);         // header, 3+ samples, the final line end
        QVERIFY(lines[1].contains(",75,")); // the fake GPU's utilization

        panel.tabs()->setCurrentIndex(MonitorPanel::TimelineTab);
        const QString pngPath = m_dir.filePath(QStringLiteral("t.png"));
        QVERIFY(panel.exportPng(pngPath));
        const QImage png(pngPath);
        QVERIFY(!png.isNull() && png.width() > 100);
        QString error;
        QVERIFY(!panel.exportCsv(m_dir.filePath(QStringLiteral("missing/dir/t.csv")), &error));
        QVERIFY(!error.isEmpty());

        const QString snapPath = m_dir.filePath(QStringLiteral("before.json"));
        QVERIFY(panel.saveSnapshot(snapPath));
        const TelemetrySnapshot saved = loadTelemetrySnapshot(snapPath.toStdString());
        QCOMPARE(saved.name, std::string("before"));
        QVERIFY(saved.samples.size() >= 3);
        QCOMPARE(saved.samples.back().gpus.at(0).name, std::string("Fake GPU 0"));
        QCOMPARE(ledgerCategoryBytes(*saved.samples.back().memory, LedgerCategory::Weights),
                 m_models.denseModel->weightBytes());

        panel.tabs()->setCurrentIndex(MonitorPanel::SnapshotsTab);
        const MonitorTableModel* cmp = panel.comparisonModel();
        QVERIFY(panel.loadComparison(snapPath, true)); // B
        QCOMPARE(cmp->headers().value(2), QStringLiteral("B: before"));
        QCOMPARE(cmp->headers().value(1), QStringLiteral("A"));
        QVERIFY(!valueOf(cmp, "samples", 1).isValid()); // no baseline yet
        QCOMPARE(valueOf(cmp, "samples", 2).toDouble(), double(saved.samples.size()));
        QVERIFY(panel.loadComparison(snapPath)); // A: the same file on both sides
        QCOMPARE(cmp->headers().value(1), QStringLiteral("A: before"));
        for (int r = 0; r < cmp->rowCount(); ++r)
            if (cmp->cell(r, 1).value.isValid()) QCOMPARE(cmp->cell(r, 3).value.toDouble(), 0.0);
        // The current timeline, after a reply, beside the idle baseline saved before it.
        panel.compareWithCurrent();
        QVERIFY(cmp->headers().value(2).startsWith(QStringLiteral("B: current")));
        bool done = false;
        connect(&bridge, &EngineBridge::finished, this, [&] { done = true; });
        bridge.generate(reply(200));
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        QTRY_VERIFY(valueOf(cmp, "generated tokens", 2).toDouble() >= 200.0);
        QCOMPARE(valueOf(cmp, "generated tokens", 1).toDouble(), 0.0);
        QVERIFY(valueOf(cmp, "generated tokens", 3).toDouble() >= 200.0); // the change, B − A
        QVERIFY(saveShot(&panel, QStringLiteral("monitor_snapshots_en.png")));

        QFile bad(m_dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"format\": \"something else\"}");
        bad.close();
        QVERIFY(!panel.loadComparison(bad.fileName(), true, &error));
        QVERIFY(error.startsWith(QStringLiteral("The snapshot could not be read")));
    }

    void reconfigureStartsANewTimeline() {
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
        QVERIFY(loadAndWait(bridge, panel, m_models.dense, *m_models.denseModel));
        MonitorOptions o = panel.options();
        o.sampler.capacity = 5;
        o.sampler.periodSeconds = 0.05;
        o.refreshMs = 50;
        const TelemetrySampler* before = panel.sampler();
        panel.reconfigure(o);
        QVERIFY(panel.sampler() != before);
        QCOMPARE(panel.sampler()->options().capacity, size_t(5));
        QTest::qWait(600); // more than five periods: the ring stays at five samples
        QCOMPARE(panel.sampler()->samples().size(), size_t(5));
        const auto latest = panel.sampler()->latest();
        QVERIFY(latest && latest->memory); // the new sampler reads the engine too
        QCOMPARE(ledgerCategoryBytes(*latest->memory, LedgerCategory::Weights),
                 m_models.denseModel->weightBytes());

        o.sampler.capacity = 1; // below the sampler's minimum: refused, the panel keeps going
        const TelemetrySampler* current = panel.sampler();
        QVERIFY_THROWS_EXCEPTION(Error, panel.reconfigure(o));
        QCOMPARE(panel.sampler(), current);
        QCOMPARE(panel.sampler()->options().capacity, size_t(5));
        QVERIFY(panel.sampler()->running());
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestMonitorActions)
#include "tst_monitor_actions.moc"
