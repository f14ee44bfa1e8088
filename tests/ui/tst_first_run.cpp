// The first-run screen in the real MainWindow: shown when no model is loaded and the
// default model's file is missing (the models folder is pointed at an empty one), with the
// command that installs it; "Check again" notices the file once it is there, "Use the
// default model" loads it and the screen gives way to the chat; a failed first load brings
// it back with the engine's message. Every control has an accessible name. Screenshots.
#include "chat_panel.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "first_run.h"
#include "main_window.h"
#include "model_manager.h"
#include "model_test_util.h"
#include "ui_test_util.h"

#include <QAbstractButton>
#include <QClipboard>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QtTest>

using namespace dw;

class TestFirstRun : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_modelsDir;
    std::unique_ptr<QSettings> m_settings;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        m_modelsDir = m_dir.filePath(QStringLiteral("models"));
        QVERIFY(QDir().mkpath(m_modelsDir));
        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("s.ini")),
                                                 QSettings::IniFormat);
    }

    void shownUntilTheDefaultModelLoads() {
        EngineBridge bridge;
        MainWindow w(&bridge, m_settings.get());
        w.setModelsDir(m_modelsDir);
        w.setEngineOptions(dwtest::testEngineOptions());
        w.resize(1100, 760);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        FirstRunWidget* fr = w.firstRun();
        const QString expectedPath =
            QDir(m_modelsDir).filePath(QStringLiteral("gemma-3-270m-q4_k_m.gguf"));
        QCOMPARE(w.defaultModelPath(), expectedPath);
        QVERIFY(w.isShowingFirstRun());
        QVERIFY(fr->isVisible());
        QVERIFY(!fr->defaultModelPresent());
        QVERIFY(!fr->useDefaultButton()->isVisible());
        QVERIFY(fr->recheckButton()->isVisible() && fr->copyCommandButton()->isVisible());
        QCOMPARE(fr->commandLabel()->text(), QStringLiteral("scripts/fetch_default_model.sh"));
        const QString state = fr->defaultStateLabel()->text();
        QVERIFY2(state.contains(QStringLiteral("Gemma 3 270M")) && state.contains(expectedPath) &&
                     state.contains(QStringLiteral("not installed")) &&
                     state.contains(QStringLiteral("never downloads")),
                 qPrintable(state));
        QVERIFY(fr->openButton()->isVisible() && fr->managerButton()->isVisible());
        fr->copyCommandButton()->click();
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QStringLiteral("scripts/fetch_default_model.sh"));
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("first_run_no_model.png")));

        fr->managerButton()->click(); // the model manager opens from here too
        QTRY_VERIFY(w.modelManager()->isVisible());
        w.modelManager()->hide();

        // The user runs the command (here: a tiny stand-in under the default name), then checks.
        dwtest::writeSynthModel(m_modelsDir, "tiny-gemma3",
                                QStringLiteral("gemma-3-270m-q4_k_m.gguf"));
        fr->recheckButton()->click();
        QVERIFY(fr->defaultModelPresent());
        QVERIFY(fr->useDefaultButton()->isVisible());
        QVERIFY(!fr->commandLabel()->isVisible() && !fr->recheckButton()->isVisible());
        QVERIFY(fr->defaultStateLabel()->text().contains(QStringLiteral("is installed")));
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("first_run_default_installed.png")));

        fr->useDefaultButton()->click();
        QVERIFY(!w.isShowingFirstRun()); // loading shows in the chat area
        QTRY_VERIFY_WITH_TIMEOUT(w.chatPanel()->isShowingChat(), 60000);
        QVERIFY(!w.isShowingFirstRun());
        QVERIFY(!fr->isVisible());
        QCOMPARE(bridge.modelInfo().path, expectedPath);
        QVERIFY(QFile::remove(expectedPath));
    }

    void aFailedFirstLoadComesBackWithTheReason() {
        EngineBridge bridge;
        MainWindow w(&bridge, m_settings.get());
        w.setModelsDir(m_modelsDir);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QString bad =
            dwtest::writeRandomBytes(m_dir.filePath(QStringLiteral("bad.gguf")), 3000, 5);
        QSignalSpy failed(&bridge, &EngineBridge::loadFailed);
        w.openModel(bad, dwtest::testEngineOptions());
        QVERIFY(!w.isShowingFirstRun());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY(w.isShowingFirstRun());
        QVERIFY(w.firstRun()->messageLabel()->isVisible());
        QVERIFY2(w.firstRun()->messageLabel()->text().contains(failed.at(0).at(0).toString()),
                 qPrintable(w.firstRun()->messageLabel()->text()));
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("first_run_load_failed.png")));
    }

    void missingModelPathIsNamed() {
        EngineBridge bridge;
        MainWindow w(&bridge, m_settings.get());
        w.setModelsDir(m_modelsDir);
        w.show();
        w.showMissingModel(QStringLiteral("/nowhere/model.gguf"));
        QVERIFY(w.isShowingFirstRun());
        QVERIFY(
            w.firstRun()->messageLabel()->text().contains(QStringLiteral("/nowhere/model.gguf")));
    }

    // The screen shares the chat dock: it must not make the window taller than the chat does.
    void doesNotForceALargeWindow() {
        EngineBridge bridge;
        MainWindow w(&bridge, m_settings.get());
        w.setModelsDir(m_modelsDir);
        w.showFirstRun(
            QStringLiteral(
                "A long message that wraps over several lines, as an error from the engine "
                "naming a file and the field that is wrong would."),
            true);
        const QSize first = w.firstRun()->minimumSizeHint();
        const QSize chat = w.chatPanel()->minimumSizeHint();
        QVERIFY2(first.height() <= chat.height(),
                 qPrintable(QStringLiteral("%1 > %2").arg(first.height()).arg(chat.height())));
        QVERIFY2(first.width() <= 420, qPrintable(QString::number(first.width())));
    }

    void everyControlHasAnAccessibleName() {
        EngineBridge bridge;
        MainWindow w(&bridge, m_settings.get());
        w.setModelsDir(m_modelsDir);
        QStringList missing;
        for (QAbstractButton* b : w.firstRun()->findChildren<QAbstractButton*>())
            if (b->accessibleName().isEmpty()) missing << b->text();
        for (QAbstractButton* b : w.modelManager()->findChildren<QAbstractButton*>())
            if (b->accessibleName().isEmpty()) missing << b->text();
        for (QLabel* l : w.firstRun()->findChildren<QLabel*>())
            if (l->accessibleName().isEmpty() && !l->text().isEmpty()) missing << l->text();
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestFirstRun)
#include "tst_first_run.moc"
