#pragma once
// Shared by the monitor panel tests: fast sampling with a chosen NVML library, rows of the
// panel's tables by key, item-model testers, a reply request, screenshots, and synthetic
// models loaded through the bridge.
#include "engine_bridge.h"
#include "monitor_panel.h"
#include "monitor_table_model.h"
#include "ui_test_util.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <string>
#include <vector>

namespace dwtest {

void writeMonitorModel(const std::string& preset,
                       const std::string& path); // monitor_test_model.cpp

// The two synthetic models of the monitor tests, written into `dir` and loaded off the GUI
// thread: a dense one (tiny Gemma 3) and a MoE one (tiny Qwen3-MoE, for the heatmap).
struct MonitorTestModels {
    QString dense, moe;
    std::shared_ptr<const dw::Model> denseModel, moeModel;

    void create(const QTemporaryDir& dir) {
        dense = dir.filePath(QStringLiteral("tiny-gemma3.gguf"));
        moe = dir.filePath(QStringLiteral("tiny-qwen3moe.gguf"));
        writeMonitorModel("tiny-gemma3", dense.toStdString());
        writeMonitorModel("tiny-qwen3moe", moe.toStdString());
        denseModel = loadOffThread(dense);
        moeModel = loadOffThread(moe);
    }
};

inline dw::MonitorOptions fastOptions(const QString& nvmlLibrary) {
    dw::MonitorOptions o;
    o.nvml.libraryPath = nvmlLibrary.toStdString();
    o.sampler.periodSeconds = 0.1;
    o.sampler.efficiencyGpu = 0; // the fake's GPU 1 reports no power
    o.refreshMs = 100;
    return o;
}

inline int rowOf(const dw::MonitorTableModel* m, const char* key) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->cell(r, 0).value.toString() == QLatin1String(key)) return r;
    return -1;
}

inline QVariant valueOf(const dw::MonitorTableModel* m, const char* key, int column = 1) {
    return m->cell(rowOf(m, key), column).value;
}

inline std::vector<std::unique_ptr<QAbstractItemModelTester>>
testModels(const dw::MonitorPanel& p) {
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
    for (dw::MonitorTableModel* m :
         {p.gpuModel(), p.processModel(), p.hostModel(), p.ledgerModel(), p.poolModel(),
          p.requestModel(), p.warningModel(), p.efficiencyModel(), p.comparisonModel()})
        testers.push_back(std::make_unique<QAbstractItemModelTester>(
            m, QAbstractItemModelTester::FailureReportingMode::QtTest));
    return testers;
}

inline dw::GenerationRequest reply(int maxTokens) {
    dw::GenerationRequest r;
    r.messages = {{"user", "Tell me about the sea.", {}}};
    r.generate.maxTokens = maxTokens;
    r.generate.ignoreEos = true; // a random model may end at once; the tests want tokens
    return r;
}

inline bool saveShot(QWidget* w, const QString& name) {
    QTest::qWait(150); // posted layout requests (tables that just grew) are handled first
    return saveScreenshot(w, name);
}

// Loads `path` through the bridge and waits until the panel's ledger shows its weights.
inline bool loadAndWait(dw::EngineBridge& bridge, const dw::MonitorPanel& panel,
                        const QString& path, const dw::Model& model) {
    bridge.loadModel(path, testEngineOptions());
    return QTest::qWaitFor(
        [&] {
            return valueOf(panel.ledgerModel(), "weights").toULongLong() == model.weightBytes();
        },
        60000);
}

} // namespace dwtest
