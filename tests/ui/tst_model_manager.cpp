// The model manager on the shipped catalogue and real files (tiny synthetic models, a
// truncated one, random bytes, a missing one): the table model passes
// QAbstractItemModelTester through every change; the memory shown for a file is exactly
// estimateMemory's; catalogue models that are not installed show the catalogue's figures,
// marked approximate; the fit against free memory (and a GPU's) is stated in a sentence;
// unusable files say why (the engine's own message); recent files can be removed; screenshots.
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "model_details_view.h"
#include "model_list_model.h"
#include "model_manager.h"
#include "model_test_util.h"
#include "recent_models.h"
#include "ui_test_util.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QtTest>

using namespace dw;

namespace {

constexpr qint64 kContext = 2048;

QString errorOffThread(const QString& path) {
    QString message;
    std::thread([&] {
        try {
            (void)estimateMemory(path.toStdString(), kContext);
        } catch (const std::exception& e) {
            message = QString::fromUtf8(e.what());
        }
    }).join();
    return message;
}

} // namespace

class TestModelManager : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_modelsDir, m_default, m_moe, m_truncated, m_random, m_missing;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<RecentModels> m_recent;
    std::unique_ptr<EngineBridge> m_bridge;
    std::unique_ptr<ModelManager> m_manager;
    std::unique_ptr<QAbstractItemModelTester> m_tester;

    ModelListModel* model() const { return m_manager->listModel(); }
    int rowOf(const QString& path) const { return model()->rowOfPath(path); }
    int rowOfId(const QString& id) const {
        for (int r = 0; r < model()->rowCount(); ++r)
            if (model()->data(model()->index(r, 0), ModelListModel::CatalogueIdRole).toString() ==
                id)
                return r;
        return -1;
    }
    QString text(int row, int column) const {
        return model()->data(model()->index(row, column)).toString();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        m_modelsDir = m_dir.filePath(QStringLiteral("models"));
        QVERIFY(QDir().mkpath(m_modelsDir));
        // The catalogue's default model, stood in for by a tiny synthetic file of that name.
        m_default = dwtest::writeSynthModel(m_modelsDir, "tiny-gemma3",
                                            QStringLiteral("gemma-3-270m-q4_k_m.gguf"));
        m_moe = dwtest::writeSynthModel(m_dir.path(), "tiny-qwen3moe",
                                        QStringLiteral("tiny-qwen3moe.gguf"));
        m_truncated = dwtest::writeTruncatedCopy(
            m_moe, m_dir.filePath(QStringLiteral("truncated.gguf")), 0.6);
        m_random = dwtest::writeRandomBytes(m_dir.filePath(QStringLiteral("random.gguf")), 4096, 7);
        m_missing = m_dir.filePath(QStringLiteral("gone.gguf"));
        QVERIFY(!m_truncated.isEmpty() && !m_random.isEmpty());

        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("s.ini")),
                                                 QSettings::IniFormat);
        m_recent = std::make_unique<RecentModels>(m_settings.get());
        for (const QString& p : {m_missing, m_random, m_truncated, m_moe}) m_recent->add(p);
        m_bridge = std::make_unique<EngineBridge>();
        m_manager = std::make_unique<ModelManager>(m_bridge.get(), m_recent.get());
        m_tester = std::make_unique<QAbstractItemModelTester>(
            model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const CatalogueParseResult c =
            ModelCatalogue::load(QString::fromLatin1(ModelCatalogue::kResourcePath));
        QVERIFY(c.errors.isEmpty());
        m_manager->setCatalogue(c.entries, m_modelsDir);
        m_manager->setContextTokens(kContext);
        m_manager->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_manager.get()));
        QTRY_VERIFY_WITH_TIMEOUT(!m_manager->isInspecting(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(model()->machine().ramTotal > 0, 30000);
    }

    void rowsAreTheCatalogueThenTheRecentFiles() {
        const int catalogueRows = int(model()->catalogue().size());
        QCOMPARE(model()->rowCount(), catalogueRows + 4);
        QCOMPARE(rowOf(m_default),
                 rowOfId(QStringLiteral("gemma-3-270m-q4_k_m"))); // found in the models folder
        QCOMPARE(rowOf(m_moe), catalogueRows);                    // most recent first
        QCOMPARE(rowOf(m_missing), catalogueRows + 3);
        QVERIFY(text(rowOf(m_default), ModelListModel::NameColumn)
                    .contains(QStringLiteral("(default)")));
        QCOMPARE(text(rowOf(m_moe), ModelListModel::ArchitectureColumn),
                 QStringLiteral("qwen3moe"));
    }

    // What the manager shows before loading is exactly what the engine estimates.
    void estimateShownIsTheEngines_data() {
        QTest::addColumn<bool>("isDefault");
        QTest::newRow("catalogue model found on disk") << true;
        QTest::newRow("recent file") << false;
    }
    void estimateShownIsTheEngines() {
        QFETCH(bool, isDefault);
        const QString path = isDefault ? m_default : m_moe;
        const int row = rowOf(path);
        const MemoryEstimate e = dwtest::estimateOffThread(path, kContext);
        QVERIFY(e.totalBytes() > 0);
        QCOMPARE(
            model()->data(model()->index(row, 0), ModelListModel::NeededBytesRole).toULongLong(),
            e.totalBytes());
        QCOMPARE(model()->data(model()->index(row, 0), ModelListModel::ApproximateRole).toBool(),
                 false);
        QCOMPARE(text(row, ModelListModel::MemoryColumn), ModelText::bytes(e.totalBytes()));
        QCOMPARE(model()->facts(row)->estimate.kvCacheBytes, e.kvCacheBytes);
        m_manager->selectPath(path);
        const QString html = m_manager->details()->toHtml();
        for (quint64 figure : {e.weightBytes, e.kvCacheBytes, e.activationBytes, e.totalBytes()})
            QVERIFY2(html.contains(ModelText::bytes(figure)), qPrintable(ModelText::bytes(figure)));
        QVERIFY(html.contains(ModelText::bytes(model()->machine().ramAvailable)));
        const QString plain = m_manager->details()->toPlainText();
        QVERIFY(
            plain.contains(QStringLiteral("general.architecture"))); // every metadata key is listed
        QVERIFY(plain.contains(QStringLiteral("Tensor types")));
        QVERIFY(plain.contains(isDefault ? QStringLiteral("gemma3") : QStringLiteral("qwen3moe")));
        if (!isDefault) QVERIFY(plain.contains(QStringLiteral("Experts per token")));
    }

    void notInstalledModelsShowTheCataloguesFigures() {
        const int row = rowOfId(QStringLiteral("deepseek-v2-lite-chat-q4_k_m"));
        QVERIFY(row >= 0);
        const CatalogueEntry* e = model()->entry(row);
        QCOMPARE(ModelListModel::Status(
                     model()->data(model()->index(row, 0), ModelListModel::StatusRole).toInt()),
                 ModelListModel::Status::NotInstalled);
        QCOMPARE(model()->neededBytes(row), e->fileBytes + e->kvBytesPerToken() * kContext);
        QVERIFY(model()->data(model()->index(row, 0), ModelListModel::ApproximateRole).toBool());
        QVERIFY(text(row, ModelListModel::MemoryColumn).startsWith(QStringLiteral("≈ ")));
        // 10.4 GB as published, shown in the table's binary units and marked approximate.
        QCOMPARE(text(row, ModelListModel::FileSizeColumn), QStringLiteral("≈ 9.69 GiB"));
        QCOMPARE(text(row, ModelListModel::ParametersColumn),
                 QStringLiteral("15.7 B (2.4 B active)"));
        const int estimated = rowOfId(QStringLiteral("qwen3-30b-a3b-q4_k_m"));
        QVERIFY(text(estimated, ModelListModel::FileSizeColumn).startsWith(QStringLiteral("≈ ")));
        QVERIFY(model()->fitSentence(row).contains(QStringLiteral("Not installed")));
        QVERIFY(model()->fitSentence(row).contains(
            QStringLiteral("DeepSeek-V2-Lite-Chat.Q4_K_M.gguf")));
        m_manager->table()->setCurrentIndex(model()->index(row, 0));
        QVERIFY(!m_manager->loadButton()->isEnabled()); // nothing on disk to load
    }

    void fitIsStatedAgainstFreeMemory() {
        const int row = rowOf(m_moe);
        const quint64 needed = model()->neededBytes(row);
        MachineMemory m;
        m.ramTotal = 64ull << 30;
        m.ramAvailable = needed - 1; // one byte short
        m.gpu.reason = "no GPU: this build has no CUDA backend";
        model()->setMachine(m);
        QCOMPARE(model()->status(row), ModelListModel::Status::WontFit);
        QCOMPARE(model()->data(model()->index(row, 0), Qt::ForegroundRole).value<QColor>(),
                 QColor(0xB0, 0x1E, 0x1E));
        QVERIFY2(
            model()->fitSentence(row).contains(
                QStringLiteral("but only %1 of memory is free").arg(ModelText::bytes(needed - 1))),
            qPrintable(model()->fitSentence(row)));
        m.ramAvailable = needed;
        m.gpu.available = true;
        m.gpu.name = "NVIDIA RTX 4090";
        m.gpu.freeMemory = needed / 2;
        model()->setMachine(m);
        QCOMPARE(model()->status(row), ModelListModel::Status::Fits);
        QVERIFY(
            text(row, ModelListModel::FitColumn).contains(QStringLiteral("too big for the GPU")));
        QVERIFY2(model()->fitSentence(row).contains(
                     QStringLiteral("would not fit in the free memory of the NVIDIA RTX 4090")),
                 qPrintable(model()->fitSentence(row)));
        m_manager->refresh(); // back to the real machine, files read again
        QTRY_VERIFY_WITH_TIMEOUT(!m_manager->isInspecting() && !model()->machine().gpu.available,
                                 30000);
    }

    // A file the engine cannot use shows the engine's own message, names nothing it made up.
    void unusableFilesSayWhy_data() {
        QTest::addColumn<QString>("which");
        QTest::newRow("truncated") << "truncated";
        QTest::newRow("random bytes") << "random";
    }
    void unusableFilesSayWhy() {
        QFETCH(QString, which);
        const QString path = which == QLatin1String("truncated") ? m_truncated : m_random;
        const int row = rowOf(path);
        const QString expected = errorOffThread(path);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(model()->status(row), ModelListModel::Status::Unreadable);
        QCOMPARE(model()->data(model()->index(row, 0), ModelListModel::ErrorRole).toString(),
                 expected);
        QCOMPARE(model()->fitSentence(row),
                 QStringLiteral("This file cannot be used: %1").arg(expected));
        m_manager->selectPath(path);
        QVERIFY(!m_manager->loadButton()->isEnabled());
        QVERIFY(m_manager->details()->toPlainText().contains(expected));
    }

    void missingFilesAreMarkedAndRemovable() {
        const int row = rowOf(m_missing);
        QCOMPARE(model()->status(row), ModelListModel::Status::Missing);
        QCOMPARE(text(row, ModelListModel::FitColumn), QStringLiteral("File missing"));
        m_manager->selectPath(m_missing);
        QVERIFY(m_manager->removeButton()->isEnabled());
        QVERIFY(!m_manager->loadButton()->isEnabled());
        m_manager->table()->setFocus();
        QTest::keyClick(m_manager->table(), Qt::Key_Delete);
        QCOMPARE(rowOf(m_missing), -1);
        QVERIFY(!m_recent->paths().contains(m_missing));
        m_manager->selectPath(m_default); // catalogue rows stay
        QVERIFY(!m_manager->removeButton()->isEnabled());
    }

    void addFileListsItFirstAndReadsIt() {
        const QString extra =
            dwtest::writeSynthModel(m_dir.path(), "tiny-llama", QStringLiteral("extra.gguf"));
        m_manager->addFile(extra);
        QCOMPARE(m_recent->paths().first(), extra);
        QCOMPARE(m_manager->selectedPath(), extra);
        QTRY_VERIFY_WITH_TIMEOUT(model()->facts(rowOf(extra)), 30000);
        QCOMPARE(text(rowOf(extra), ModelListModel::ArchitectureColumn), QStringLiteral("llama"));
        QVERIFY(m_manager->loadButton()->isEnabled());
    }

    void contextChangeRecomputes() {
        m_manager->setContextTokens(kContext * 2);
        QTRY_VERIFY_WITH_TIMEOUT(!m_manager->isInspecting() && model()->facts(rowOf(m_moe)), 30000);
        QCOMPARE(model()->neededBytes(rowOf(m_moe)),
                 dwtest::estimateOffThread(m_moe, kContext * 2).totalBytes());
        m_manager->setContextTokens(kContext);
        QTRY_VERIFY_WITH_TIMEOUT(!m_manager->isInspecting() && model()->facts(rowOf(m_moe)), 30000);
    }

    void screenshots() {
        m_manager->resize(1100, 720);
        m_manager->selectPath(m_default);
        QTRY_VERIFY(model()->facts(rowOf(m_default)));
        QVERIFY(dwtest::saveScreenshot(m_manager.get(), QStringLiteral("model_manager.png")));
        m_manager->table()->setCurrentIndex(
            model()->index(rowOfId(QStringLiteral("deepseek-r1-671b-q4_k_m")), 0));
        QVERIFY(dwtest::saveScreenshot(m_manager.get(), QStringLiteral("model_manager_not_installed.png")));
        m_manager->selectPath(m_truncated);
        QVERIFY(dwtest::saveScreenshot(m_manager.get(), QStringLiteral("model_manager_broken_file.png")));
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }

    void cleanupTestCase() {
        m_tester.reset();
        m_manager.reset();
        m_bridge.reset();
    }
};

QTEST_MAIN(TestModelManager)
#include "tst_model_manager.moc"
