// The GPU monitor panel with the real CPU engine on a tiny synthetic model and the fake NVML
// library (tests/engine/telemetry/fake_nvml.cpp): values flow from the fake GPU and the ledger
// into the panel's models and charts during replies, warnings follow the thresholds, and the
// panel says when there is no NVIDIA driver. Screenshots for people to judge go to
// $DEEPWELL_SCREENSHOT_DIR as monitor_*_en.png (a zh_CN set can sit beside them).
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

class TestMonitorPanel : public QObject {
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

    void fakeGpuAndLedgerFlowIntoModels() {
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
        auto testers = testModels(panel);
        QVERIFY(loadAndWait(bridge, panel, m_models.dense, *m_models.denseModel));

        const MonitorTableModel* gpu = panel.gpuModel();
        QTRY_COMPARE_WITH_TIMEOUT(gpu->columnCount(), 3, 10000); // figure + the fake's two GPUs
        QCOMPARE(gpu->cell(rowOf(gpu, "name"), 1).text, QStringLiteral("Fake GPU 0"));
        QCOMPARE(gpu->cell(rowOf(gpu, "name"), 2).text, QStringLiteral("Fake GPU 1"));
        QCOMPARE(valueOf(gpu, "utilization").toDouble(), 75.0);
        QCOMPARE(valueOf(gpu, "power").toDouble(), 250.0);
        QCOMPARE(valueOf(gpu, "memory_used").toULongLong(), 6ull << 30);
        QCOMPARE(valueOf(gpu, "memory_total").toULongLong(), 24ull << 30);
        QCOMPARE(gpu->cell(rowOf(gpu, "power"), 2).text, QStringLiteral("n/a")); // GPU 1 has none
        QVERIFY(panel.gpuStatusLabel()->text().contains(QStringLiteral("Fake GPU 0")));
        const MonitorTableModel* procs = panel.processModel();
        QVERIFY(procs->rowCount() >= 1);
        QCOMPARE(procs->cell(0, 1).value.toDouble(), double(::getpid()));
        QCOMPARE(procs->cell(0, 3).value.toULongLong(), 512ull << 20);

        QVERIFY(valueOf(panel.hostModel(), "cpus").toDouble() >= 1);
        QVERIFY(valueOf(panel.hostModel(), "ram_total").toULongLong() > 0);

        // The ledger: weights as the model counts them, the KV cache as planned before loading.
        const MonitorTableModel* ledger = panel.ledgerModel();
        const EngineOptions o = testEngineOptions();
        const uint64_t kv = m_models.denseModel->kvBytesPerToken() * uint64_t(o.kvTokens);
        QCOMPARE(valueOf(ledger, "kv_cache").toULongLong(), kv);
        QCOMPARE(valueOf(ledger, "kv_cache", 3).toULongLong(), kv);
        QCOMPARE(valueOf(ledger, "weights", 3).toULongLong(), m_models.denseModel->weightBytes());
        QCOMPARE(valueOf(ledger, "weights", 4).toLongLong(), 0);
        QVERIFY(panel.poolModel()->rowCount() >= 1);
        // The engine publishes its KV figures once it has run: after one short reply every
        // block is free or cached again.
        bool done = false;
        connect(&bridge, &EngineBridge::finished, this, [&] { done = true; });
        bridge.generate(reply(4));
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        const QString headroom =
            MonitorFormat::count(o.kvTokens) + QStringLiteral(" more tokens of context fit");
        QTRY_VERIFY2(panel.headroomLabel()->text().contains(headroom),
                     qPrintable(panel.headroomLabel()->text()));
        QVERIFY(panel.expertNote()->text().startsWith(QStringLiteral("Dense model")));
        QVERIFY(!panel.heatmap()->isVisible());
        QCOMPARE(valueOf(panel.efficiencyModel(), "power").toDouble(), 250.0);
    }

    void generationFillsChartsAndEfficiency() {
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
        auto testers = testModels(panel);
        panel.resize(980, 1000);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(loadAndWait(bridge, panel, m_models.dense, *m_models.denseModel));

        int finished = 0;
        GenerationResult result;
        connect(&bridge, &EngineBridge::finished, this, [&](quint64, const GenerationResult& r) {
            ++finished;
            result = r;
        });
        // A few replies with pauses between them, so the timeline has something to show, then
        // two at once (the KV table shows both); the checks are made during and after those.
        const int tokens = 1500, lastTokens = 1900, serial = 3;
        for (int i = 0; i < serial; ++i) {
            finished = 0;
            bridge.generate(reply(tokens));
            QTRY_VERIFY_WITH_TIMEOUT(finished == 1, 120000);
            QTest::qWait(500);
        }
        finished = 0;
        bridge.generate(reply(lastTokens));
        bridge.generate(reply(lastTokens));
        // During the replies: tokens/s on the chart, each request's KV blocks in the table.
        QTRY_VERIFY_WITH_TIMEOUT(panel.requestModel()->rowCount() == 2 || finished > 0, 60000);
        if (finished == 0) {
            QVERIFY(panel.requestModel()->cell(0, 1).value.toDouble() >= 1.0);
            QVERIFY(panel.timeline()->series("tokens_per_second"));
            QVERIFY(saveShot(&panel, QStringLiteral("monitor_en.png")));
            panel.tabs()->setCurrentIndex(MonitorPanel::MemoryTab);
            QVERIFY(saveShot(&panel, QStringLiteral("monitor_memory_en.png")));
            panel.tabs()->setCurrentIndex(MonitorPanel::TimelineTab);
            QVERIFY(saveShot(&panel, QStringLiteral("monitor_timeline_en.png")));
        } else {
            QWARN("the replies ended before the panel saw them running; no screenshots this time");
        }
        QTRY_VERIFY_WITH_TIMEOUT(finished == 2, 120000);
        QCOMPARE(result.reason, FinishReason::Length);
        QCOMPARE(result.timings.generatedTokens, int64_t(lastTokens));

        // The charts got the replies: tokens/s above zero, the ledger's weights, the fake GPU.
        QTRY_VERIFY(panel.timeline()->series("tokens_per_second"));
        const auto points = panel.timeline()->series("tokens_per_second")->points();
        QVERIFY(
            std::any_of(points.begin(), points.end(), [](const QPointF& p) { return p.y() > 0; }));
        QXYSeries* weights = panel.timeline()->series("memory.weights");
        QVERIFY(weights && weights->count() > 0);
        QCOMPARE(weights->points().back().y(), double(m_models.denseModel->weightBytes()) / (1 << 20));
        QXYSeries* util = panel.timeline()->series("gpu0.utilization");
        QVERIFY(util && util->count() > 0);
        QCOMPARE(util->points().back().y(), 75.0);
        QVERIFY(panel.timeline()->series("gpu0.power"));

        // Marks: the model started serving first; each reply has a prefill and, after it, a
        // decode mark (the two last replies' marks may interleave).
        const std::vector<TelemetryMark> marks = panel.sampler()->marks();
        QCOMPARE(marks.size(), size_t(1 + 2 * (serial + 2)));
        QCOMPARE(marks[0].kind, TelemetryMarkKind::ModelLoad);
        QCOMPARE(marks[0].label, m_models.denseModel->name());
        for (size_t i = 1; i < marks.size(); ++i) {
            if (marks[i].kind != TelemetryMarkKind::Decode) {
                QCOMPARE(marks[i].kind, TelemetryMarkKind::Prefill);
                continue;
            }
            const auto prefill = std::find_if(
                marks.begin(), marks.begin() + ptrdiff_t(i), [&](const TelemetryMark& m) {
                    return m.kind == TelemetryMarkKind::Prefill && m.label == marks[i].label;
                });
            QVERIFY2(prefill != marks.begin() + ptrdiff_t(i), marks[i].label.c_str());
            QVERIFY(prefill->seconds <= marks[i].seconds);
        }
        for (MonitorChartView* v : panel.timeline()->views())
            QTRY_COMPARE(v->marks().size(), marks.size());

        // Tokens per joule of the reply: its tokens over the energy the fake's 250 W drew.
        const MonitorTableModel* eff = panel.efficiencyModel();
        QTRY_COMPARE(valueOf(eff, "reply_tokens").toDouble(), double(lastTokens)); // the last reply
        QTRY_VERIFY_WITH_TIMEOUT(valueOf(eff, "reply_tokens_per_joule").isValid(), 10000);
        const double joules = valueOf(eff, "reply_energy").toDouble();
        QVERIFY(joules > 0);
        QVERIFY(qFuzzyCompare(valueOf(eff, "reply_tokens_per_joule").toDouble() * joules,
                              double(lastTokens)));
        QTRY_VERIFY(valueOf(eff, "live_tokens_per_joule").isValid());
    }

    void warningsFollowThresholds() {
        qputenv("FAKE_NVML_UTILIZATION", "95"); // read by the fake on its sampler thread: set first
        {
            EngineBridge bridge;
            MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
            auto testers = testModels(panel);
            const MonitorTableModel* w = panel.warningModel();
            QTRY_VERIFY_WITH_TIMEOUT(rowOf(w, "gpu_utilization_high") >= 0, 10000);
            QCOMPARE(w->cell(0, 2).value.toDouble(), 95.0);
            QVERIFY(panel.gpuModel()->cell(rowOf(panel.gpuModel(), "utilization"), 1).warn);
            auto* banner = panel.findChild<QLabel*>(QStringLiteral("warningBanner"));
            QVERIFY(banner);
            QCOMPARE(banner->text(),
                     QStringLiteral(
                         "Warning: GPU 0 utilization 95 % is above 85 %: requests will queue"));
            Thresholds t;
            t.gpuUtilizationHighPercent = 99;
            QVERIFY(panel.setThresholds(t));
            QCOMPARE(w->rowCount(), 0);
            QCOMPARE(banner->text(), QStringLiteral("No threshold warnings."));
            QVERIFY(!panel.gpuModel()->cell(rowOf(panel.gpuModel(), "utilization"), 1).warn);
            t.gpuUtilizationLowPercent = 100; // low above high
            QString error;
            QVERIFY(!panel.setThresholds(t, &error));
            QVERIFY(!error.isEmpty());
            QCOMPARE(panel.thresholds().gpuUtilizationLowPercent, 70.0);
        }
        qunsetenv("FAKE_NVML_UTILIZATION");
    }

    void noDriverShowsHostFigures() {
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral("/nonexistent/libnvidia-ml.so.1")));
        auto testers = testModels(panel);
        panel.resize(900, 900);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(loadAndWait(bridge, panel, m_models.dense, *m_models.denseModel));
        QTRY_VERIFY(panel.gpuStatusLabel()->text().startsWith(QStringLiteral("No NVIDIA driver")));
        QVERIFY(panel.gpuStatusLabel()->text().contains(
            QStringLiteral("/nonexistent/libnvidia-ml.so.1")));
        QCOMPARE(panel.gpuModel()->rowCount(), 0);
        QVERIFY(valueOf(panel.hostModel(), "ram_total").toULongLong() > 0);
        QTRY_VERIFY(valueOf(panel.hostModel(), "cpu_utilization").isValid()); // from the 2nd sample
        QCOMPARE(panel.efficiencyModel()->cell(rowOf(panel.efficiencyModel(), "power"), 1).text,
                 QStringLiteral("needs NVML power"));
        QVERIFY(saveShot(&panel, QStringLiteral("monitor_no_driver_en.png")));
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestMonitorPanel)
#include "tst_monitor_panel.moc"
