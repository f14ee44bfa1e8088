// Start-up and crash safety of the chat history, end to end:
//  - the real `deepwell` is started as a separate process with an isolated data folder, sends
//    a message, is SIGKILLed while the reply streams, and is started again: the database
//    passes PRAGMA integrity_check and holds the user's message and the partial reply
//    (marked interrupted) in the session, which opens in the chat with its note;
//  - a damaged or truncated database: the window says so, the old file is kept beside the
//    new one byte for byte, and the new one works;
//  - a history that cannot be opened at all: the window warns that nothing is saved, and why,
//    and the chat still works.
#include "chat_input.h"
#include "chat_panel.h"
#include "deepwell/thread_guard.h"
#include "history_panel.h"
#include "history_startup.h"
#include "history_test_util.h"
#include "main_window.h"
#include "ui_test_util.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QRandomGenerator>
#include <QSettings>
#include <QStatusBar>
#include <QtTest>

using namespace dw;
using dw::store::test::readBytes;
using dw::store::test::writeBytes;

class TestHistoryStartup : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

    // The program's environment: every folder it may write under `home` (QStandardPaths on
    // Linux reads XDG_DATA_HOME for AppDataLocation, XDG_CONFIG_HOME for QSettings).

    static QProcessEnvironment isolated(const QString& home) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), home);
        env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/cache"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        return env;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        m_model = dwtest::writeTinyModel(m_dir);
    }

    void killedMidReplyKeepsTheMessageAndThePartialReply() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const QString question = QStringLiteral("Tell me everything about lighthouses, 灯塔.");
        QProcess app;
        app.setProcessEnvironment(isolated(home.path()));
        app.setProgram(QStringLiteral(DW_DEEPWELL_EXE));
        // An endless reply (no end token, a sliding window): it is still streaming when killed.
        app.setArguments({QStringLiteral("--model"), m_model, QStringLiteral("--send"), question,
                          QStringLiteral("--max-tokens"), QStringLiteral("10000000"),
                          QStringLiteral("--ignore-eos"), QStringLiteral("--long-context")});
        app.start();
        QVERIFY2(app.waitForStarted(30000), qPrintable(app.errorString()));
        QByteArray out;
        int savedChars = 0;
        auto replySaved = [&] { // "deepwell: reply text saved <id> <characters>"
            out += app.readAllStandardOutput();
            for (const QByteArray& line : out.split('\n')) {
                const QList<QByteArray> f = line.trimmed().split(' ');
                if (line.startsWith("deepwell: reply text saved") && f.size() == 6)
                    savedChars = f[5].toInt();
            }
            return savedChars > 0 || app.state() == QProcess::NotRunning;
        };
        QTRY_VERIFY_WITH_TIMEOUT(replySaved(), 120000);
        QVERIFY2(app.state() == QProcess::Running, app.readAllStandardError().constData());
        app.kill(); // SIGKILL
        QVERIFY(app.waitForFinished(30000));
        QCOMPARE(app.exitStatus(), QProcess::CrashExit);

        // The database under the isolated AppDataLocation, as the killed program left it.
        const QString db = home.path() + QStringLiteral("/data/Deepwell/deepwell/history.sqlite3");
        QVERIFY2(QFileInfo::exists(db), qPrintable(db));
        QCOMPARE(dwtest::raw(db, QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
        QCOMPARE(
            dwtest::raw(db, QStringLiteral("SELECT content FROM messages WHERE role = 'user'")),
            question);
        QCOMPARE(
            dwtest::raw(db, QStringLiteral("SELECT state FROM messages WHERE role = 'assistant'")),
            QStringLiteral("streaming"));
        // Through hex(): a random model's text may hold U+0000, where a C string would end.
        const QString partial = QString::fromUtf8(QByteArray::fromHex(
            dwtest::raw(
                db, QStringLiteral("SELECT hex(content) FROM messages WHERE role = 'assistant'"))
                .toLatin1()));
        QVERIFY(partial.size() >= savedChars); // at least what it said it had saved
        qInfo("killed mid-reply: %d characters reported saved, %d in the file", savedChars,
              int(partial.size()));

        // Restarted, the program finds the cut-off reply and marks it interrupted.
        QProcess again;
        again.setProcessEnvironment(isolated(home.path()));
        again.start(QStringLiteral(DW_DEEPWELL_EXE), {QStringLiteral("--model"), m_model});
        QVERIFY(again.waitForStarted(30000));
        QTRY_COMPARE_WITH_TIMEOUT(
            dwtest::raw(db, QStringLiteral("SELECT state FROM messages WHERE role = 'assistant'")),
            QStringLiteral("interrupted"), 60000);
        again.kill();
        QVERIFY(again.waitForFinished(30000));
        QCOMPARE(dwtest::raw(db, QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));

        // The session holds both, and opens in the chat with the reply marked as cut off.
        HistoryStartup startup = openHistory(db);
        QVERIFY2(startup.store, qPrintable(startup.failure));
        qint64 id = 0;
        for (const store::Session& s : startup.store->listSessions())
            if (!startup.store->messages(s.id).empty()) id = s.id;
        QVERIFY(id != 0);
        QCOMPARE(dwtest::storedMessages(*startup.store, id),
                 (QStringList{QStringLiteral("user:complete:") + question,
                              QStringLiteral("assistant:interrupted:") + partial}));
        dwtest::Chat chat;
        HistoryController history(&chat.controller, startup.store.get());
        QVERIFY(history.openSession(id));
        QCOMPARE(chat.session.count(), 2);
        QVERIFY(chat.session.at(1).interrupted);
        QCOMPARE(chat.session.at(1).text, partial);
    }

    void damagedFileIsKeptBesideAFreshOne_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("random bytes") << QStringLiteral("random");
        QTest::newRow("truncated") << QStringLiteral("truncated");
    }
    void damagedFileIsKeptBesideAFreshOne() {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("history.sqlite3"));
        QByteArray bytes;
        if (kind == QLatin1String("random")) {
            bytes.resize(8192);
            QRandomGenerator rng(99);
            for (char& c : bytes) c = char(rng.bounded(256));
        } else { // a real history cut in half
            {
                auto store = store::HistoryStore::open(path.toStdString());
                for (int s = 0; s < 5; ++s) {
                    const int64_t id = store->createSession();
                    for (int m = 0; m < 40; ++m)
                        store->appendMessage(id, store::Role::User,
                                             std::string(400, char('a' + m % 26)));
                }
            }
            const QByteArray full = readBytes(path);
            QVERIFY(full.size() > 64 * 1024);
            bytes = full.left(full.size() / 2);
        }
        QVERIFY(writeBytes(path, bytes));

        HistoryStartup startup = openHistory(path);
        QVERIFY2(startup.store, qPrintable(startup.failure));
        QVERIFY(startup.noticeIsWarning);
        const QString movedTo = toQString(startup.store->openReport().movedTo);
        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        EngineBridge bridge;
        MainWindow w(&bridge, &settings, &startup);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        HistoryPanel* panel = w.historyPanel();
        QVERIFY(panel->banner()->isVisible());
        const QString shown = panel->bannerLabel()->text();
        QVERIFY2(shown.contains(QStringLiteral("damaged")) && shown.contains(movedTo),
                 qPrintable(shown));
        QCOMPARE(QFileInfo(movedTo).absolutePath(), QFileInfo(path).absolutePath()); // beside it
        QCOMPARE(readBytes(movedTo), bytes);                                         // kept whole
        QVERIFY(w.history()->currentSessionId() != 0); // the fresh history is in use
        QCOMPARE(dwtest::raw(path, QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
        QCOMPARE(dwtest::raw(path, QStringLiteral("SELECT count(*) FROM sessions")),
                 QStringLiteral("1"));
        if (kind == QLatin1String("truncated"))
            QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("history_recovered.png")));
    }

    void oldDeletedSessionsArePurgedAtStart() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("history.sqlite3"));
        dw::store::test::FakeClock clock;
        qint64 old = 0, recent = 0;
        {
            HistoryStartup first = openHistory(path, dw::store::test::optionsWith(clock));
            old = first.store->createSession();
            first.store->appendMessage(old, store::Role::User, "long ago");
            first.store->deleteSession(old);
            *clock.now += qint64(kKeepDeletedDays + 1) * 24 * 3600 * 1000;
            recent = first.store->createSession();
            first.store->appendMessage(recent, store::Role::User, "yesterday");
            first.store->deleteSession(recent);
            *clock.now += 24 * 3600 * 1000;
        }
        HistoryStartup again = openHistory(path, dw::store::test::optionsWith(clock));
        QCOMPARE(again.purged, 1);
        QVERIFY(!again.store->session(old));   // gone for good
        QVERIFY(again.store->session(recent)); // still restorable
        QVERIFY(again.store->session(recent)->deletedAt);
    }

    void unopenableHistoryWarnsAndTheChatStillWorks() {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(QStringLiteral("not-a-folder"));
        QVERIFY(writeBytes(blocker, "a file where the history folder should be"));
        HistoryStartup startup = openHistory(blocker + QStringLiteral("/history.sqlite3"));
        QVERIFY(!startup.store);
        QVERIFY2(startup.failure.contains(QStringLiteral("not being saved")) &&
                     startup.failure.contains(blocker),
                 qPrintable(startup.failure));

        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        EngineBridge bridge;
        MainWindow w(&bridge, &settings, &startup);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.historyPanel()->banner()->isVisible());
        QCOMPARE(w.historyPanel()->bannerLabel()->text(), startup.failure);
        QLabel* off = nullptr;
        for (QLabel* l : w.statusBar()->findChildren<QLabel*>())
            if (l->text() == QStringLiteral("History off")) off = l;
        QVERIFY(off && off->toolTip() == startup.failure);
        QVERIFY(!w.historyPanel()->searchEdit()->isEnabled());

        w.openModel(m_model, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(w.chatPanel()->isShowingChat(), 60000);
        dwtest::setTestReplies(w.session(), 12);
        w.chatPanel()->input()->setPlainText(QStringLiteral("Still there?"));
        QTest::keyClick(w.chatPanel()->input(), Qt::Key_Return);
        QCOMPARE(w.session()->count(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->at(1).finished, 60000);
        QCOMPARE(w.session()->at(1).timings.generatedTokens, 12);
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("history_off.png")));
    }
};

QTEST_MAIN(TestHistoryStartup)
#include "tst_history_startup.moc"
