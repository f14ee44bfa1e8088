// The program in Simplified Chinese: with the zh_CN translator installed (as main_gui.cpp does
// for --language zh_CN), the main window's menus, buttons and the GPU monitor read Chinese; the
// choice in View › Language is saved and shown checked at the next start. Screenshots for
// people to judge: main_window_zh_CN.png (a reply on a tiny model) and monitor_zh_CN.png (the
// GPU monitor with the fake NVML during a generation).
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "language.h"
#include "main_window.h"
#include "monitor_test_util.h"

#include <QAction>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

using namespace dw;
using namespace dwtest;

class TestLanguageUi : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

    QString settingsPath() const { return m_dir.filePath(QStringLiteral("settings.ini")); }

    static QStringList menuTitles(MainWindow& w) {
        QStringList out;
        for (QAction* a : w.menuBar()->actions()) out << a->text();
        return out;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        QVERIFY(installTranslators(QCoreApplication::instance(), QStringLiteral("zh_CN")));
        m_model = writeTinyModel(m_dir);
    }

    void mainWindowInChinese() {
        QSettings settings(settingsPath(), QSettings::IniFormat);
        EngineBridge bridge;
        MainWindow w(&bridge, &settings);
        w.resize(1100, 760);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(menuTitles(w), (QStringList{QStringLiteral("文件(&F)"), QStringLiteral("视图(&V)")}));
        auto* zh = w.findChild<QAction*>(QStringLiteral("language_zh_CN"));
        QVERIFY(zh && zh->text() == QStringLiteral("简体中文"));
        QCOMPARE(w.findChild<QAction*>(QStringLiteral("language_system"))->text(), QStringLiteral("跟随系统"));
        QVERIFY(w.findChild<QAction*>(QStringLiteral("language_system"))->isChecked()); // the default

        w.openModel(m_model, testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(w.chatPanel()->isShowingChat(), 60000);
        ChatPanel* p = w.chatPanel();
        QCOMPARE(p->sendButton()->text(), QStringLiteral("发送(&S)"));
        SessionSettings st = w.session()->settings();
        st.generate.maxTokens = 60;
        st.generate.ignoreEos = true;
        w.session()->setSettings(st);
        p->input()->setPlainText(QStringLiteral("你好！请用**粗体**回答。"));
        QTest::keyClick(p->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->count() == 2 && w.session()->at(1).finished, 60000);
        p->view()->renderNow();
        // The transcript's own words: the user's name, the links, the reply's statistics line.
        const QString transcript = p->view()->toPlainText();
        QVERIFY2(transcript.contains(QStringLiteral("重新生成")), qPrintable(transcript.left(300)));
        QVERIFY(transcript.contains(QStringLiteral("已达到长度上限而停止。")));
        QVERIFY(transcript.contains(QStringLiteral("词元/秒")));
        QVERIFY(saveShot(&w, QStringLiteral("main_window_zh_CN.png")));
    }

    void languageChoiceIsSaved() {
        {
            QSettings settings(settingsPath(), QSettings::IniFormat);
            EngineBridge bridge;
            MainWindow w(&bridge, &settings);
            auto* en = w.findChild<QAction*>(QStringLiteral("language_en"));
            QVERIFY(en && en->text() == QStringLiteral("English"));
            en->trigger();
            QVERIFY(en->isChecked());
            QVERIFY(!w.findChild<QAction*>(QStringLiteral("language_system"))->isChecked());
            QCOMPARE(w.statusBar()->currentMessage(), QStringLiteral("新的语言将在 Deepwell 重新启动后生效。"));
            // The first-run screen, for people to judge the longer Chinese texts.
            w.resize(1100, 760);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            w.showFirstRun();
            QVERIFY(saveShot(&w, QStringLiteral("first_run_zh_CN.png")));
        }
        QSettings reread(settingsPath(), QSettings::IniFormat);
        QCOMPARE(languageSetting(reread), QStringLiteral("en"));
        QCOMPARE(resolveLanguage(languageSetting(reread)), QStringLiteral("en"));
        EngineBridge bridge;
        MainWindow again(&bridge, &reread);
        QVERIFY(again.findChild<QAction*>(QStringLiteral("language_en"))->isChecked());
    }

    void monitorDuringGeneration() {
#ifndef FAKE_NVML_PATH
        QSKIP("the fake NVML library is not built (tests/engine/telemetry); no monitor screenshot");
#else
        const QString path = m_dir.filePath(QStringLiteral("tiny-gemma3-monitor.gguf"));
        writeMonitorModel("tiny-gemma3", path.toStdString());
        const auto model = loadOffThread(path);
        EngineBridge bridge;
        MonitorPanel panel(&bridge, fastOptions(QStringLiteral(FAKE_NVML_PATH)));
        panel.resize(980, 1000);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(loadAndWait(bridge, panel, path, *model));
        QCOMPARE(panel.tabs()->tabText(0), QStringLiteral("概览"));
        int finished = 0;
        connect(&bridge, &EngineBridge::finished, this, [&] { ++finished; });
        // One reply first so the timeline and efficiency have figures, then a screenshot while
        // a second one runs (tried a few times in case a reply ends before the panel sees it).
        bridge.generate(reply(1500));
        QTRY_VERIFY_WITH_TIMEOUT(finished == 1, 120000);
        bool shot = false;
        for (int attempt = 0; attempt < 3 && !shot; ++attempt) {
            finished = 0;
            bridge.generate(reply(1900));
            QTRY_VERIFY_WITH_TIMEOUT(panel.requestModel()->rowCount() == 1 || finished > 0, 60000);
            if (finished == 0) {
                const QString header = panel.requestModel()->headerData(0, Qt::Horizontal).toString();
                QCOMPARE(header, QStringLiteral("请求"));
                QVERIFY(saveShot(&panel, QStringLiteral("monitor_zh_CN.png")));
                panel.tabs()->setCurrentIndex(MonitorPanel::TimelineTab);
                QVERIFY(saveShot(&panel, QStringLiteral("monitor_timeline_zh_CN.png")));
                panel.tabs()->setCurrentIndex(MonitorPanel::MemoryTab);
                QVERIFY(saveShot(&panel, QStringLiteral("monitor_memory_zh_CN.png")));
                panel.tabs()->setCurrentIndex(MonitorPanel::SettingsTab);
                QVERIFY(saveShot(&panel, QStringLiteral("monitor_settings_zh_CN.png")));
                panel.tabs()->setCurrentIndex(0);
                shot = true;
            }
            QTRY_VERIFY_WITH_TIMEOUT(finished == 1, 120000);
        }
        QVERIFY(shot);
#endif
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, qPrintable(QString::fromStdString(r.firstWhere)));
    }
};

QTEST_MAIN(TestLanguageUi)
#include "tst_language_ui.moc"
