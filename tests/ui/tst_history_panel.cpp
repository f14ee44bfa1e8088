// The History panel in the real MainWindow, with the real engine on the tiny synthetic model
// and a real history database, driven like a user: the chat saved as it streams (the user's
// message committed before the reply is requested), sessions newest first, opening and
// continuing one, F2 rename, Ctrl+F search with highlighted hits, Del with Undo and Ctrl+Z,
// duplicate, import errors, accessible names, and a screenshot to look at.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "history_panel.h"
#include "history_startup.h"
#include "history_test_util.h"
#include "main_window.h"
#include "search_results_model.h"
#include "session_list_model.h"
#include "ui_test_util.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QtTest>

using namespace dw;
using dw::store::MessageState;
using dw::store::Role;

class TestHistoryPanel : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_dbPath;
    dw::store::test::FakeClock m_clock;
    std::unique_ptr<QSettings> m_settings;
    HistoryStartup m_history;
    std::unique_ptr<EngineBridge> m_bridge;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_listTester;
    qint64 m_lighthouse = 0, m_lisbon = 0, m_lens = 0;

    store::HistoryStore& store() { return *m_history.store; }
    HistoryPanel* panel() { return m_window->historyPanel(); }
    ChatPanel* chat() { return m_window->chatPanel(); }
    ChatSession* session() { return m_window->session(); }
    QListView* list() { return panel()->sessionView(); }
    void select(qint64 id) {
        const int row = panel()->sessionModel()->rowOfSession(id);
        QVERIFY(row >= 0);
        list()->setCurrentIndex(panel()->sessionModel()->index(row));
    }
    QStringList titles() {
        QStringList out;
        for (int r = 0; r < panel()->sessionModel()->rowCount(); ++r)
            out << panel()->sessionModel()->index(r).data().toString();
        return out;
    }
    void sendAndWait(const QString& text) {
        chat()->input()->setPlainText(text);
        QTest::keyClick(chat()->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!session()->at(session()->count() - 1).streaming, 60000);
    }
    bool saveShot(const QString& name) { return dwtest::saveScreenshot(m_window.get(), name); }

    void seed() {
        m_lens = store().createSession();
        store().appendMessage(m_lens, Role::User, "Explain the Fresnel lens in two sentences.");
        store().appendMessage(
            m_lens, Role::Assistant,
            "A Fresnel lens is a flat lens cut into concentric rings, each a slice of a "
            "thick curved lens. It lets a lighthouse throw a strong beam with far less glass.");
        m_lisbon = store().createSession();
        store().appendMessage(m_lisbon, Role::User,
                              "Plan three days in Lisbon for someone who likes tiles.");
        store().appendMessage(m_lisbon, Role::Assistant,
                              "Day 1: the National Tile Museum (Museu Nacional do Azulejo), then",
                              MessageState::Interrupted);
        m_lighthouse = store().createSession();
        store().appendMessage(m_lighthouse, Role::User, "How do lighthouses work?");
        store().appendMessage(
            m_lighthouse, Role::Assistant,
            "A **lighthouse** focuses one lamp into a beam with a lens, and turns it so ships "
            "see a flash pattern that names the lighthouse.");
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        const QString model = dwtest::writeTinyModel(m_dir);
        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("settings.ini")),
                                                 QSettings::IniFormat);
        m_dbPath = m_dir.filePath(QStringLiteral("data/history.sqlite3"));
        m_history = openHistory(m_dbPath, dw::store::test::optionsWith(m_clock));
        QVERIFY2(m_history.store, qPrintable(m_history.failure));
        QVERIFY(m_history.notice.isEmpty()); // a first start says nothing
        seed();
        m_bridge = std::make_unique<EngineBridge>();
        m_window = std::make_unique<MainWindow>(m_bridge.get(), m_settings.get(), &m_history);
        m_listTester = std::make_unique<QAbstractItemModelTester>(
            panel()->sessionModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_window->resize(1200, 760);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        m_window->openModel(model, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(chat()->isShowingChat(), 60000);
        dwtest::setTestReplies(session(), 40);
    }

    void cleanupTestCase() {
        m_listTester.reset();
        m_window.reset();
        m_bridge.reset();
    }

    void sessionsNewestFirst() {
        QVERIFY(!panel()->banner()->isVisible());
        QCOMPARE(titles(),
                 (QStringList{
                     QStringLiteral("New conversation"), QStringLiteral("How do lighthouses work?"),
                     QStringLiteral("Plan three days in Lisbon for someone who likes tiles."),
                     QStringLiteral("Explain the Fresnel lens in two sentences.")}));
        QCOMPARE(panel()->selectedSession(), m_window->history()->currentSessionId());
        QCOMPARE(m_window->dockWidgetArea(m_window->dock(PanelId::History)),
                 Qt::LeftDockWidgetArea);
    }

    void theChatIsSavedAsItRuns() {
        const qint64 current = m_window->history()->currentSessionId();
        int committedAtReplyStart = -1;
        auto probe = connect(session(), &ChatSession::messageAppended, this, [&](int row) {
            if (session()->at(row).role == ChatRole::Assistant) // just before the engine is asked
                committedAtReplyStart =
                    dwtest::raw(m_dbPath, QStringLiteral("SELECT count(*) FROM messages WHERE "
                                                         "content = 'Which lamp do they use?'"))
                        .toInt();
        });
        sendAndWait(QStringLiteral("Which lamp do they use?"));
        disconnect(probe);
        QCOMPARE(committedAtReplyStart, 1);
        const ChatEntry& reply = session()->at(1);
        QCOMPARE(reply.finishReason, FinishReason::Length);
        const std::vector<store::Message> stored = store().messages(current);
        QCOMPARE(stored.size(), size_t(2));
        QCOMPARE(stored[1].state, MessageState::Complete);
        QCOMPARE(toQString(stored[1].content), reply.text);
        QCOMPARE(stored[1].stats.generatedTokens.value_or(0), 40);
        QCOMPARE(titles().first(), QStringLiteral("Which lamp do they use?"));

        // Regenerate replaces the reply in the store too (SQLite may give the new row the old
        // id: it is told apart by its time, the fake clock's seconds).
        QTest::mouseClick(chat()->regenerateButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(session()->at(1).finished, 60000);
        const std::vector<store::Message> again = store().messages(current);
        QCOMPARE(again.size(), size_t(2));
        QVERIFY(again[1].createdAt > stored[1].createdAt);
        QCOMPARE(toQString(again[1].content), session()->at(1).text);

        emit chat()->view()->anchorClicked(QUrl(QStringLiteral("dw:edit/0"))); // edit-and-resend
        chat()->input()->setPlainText(QStringLiteral("Which lamp did old lighthouses use?"));
        QTest::keyClick(chat()->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(session()->at(1).finished, 60000);
        const std::vector<store::Message> edited = store().messages(current);
        QCOMPARE(edited.size(), size_t(2));
        QCOMPARE(edited[0].id, stored[0].id);
        QCOMPARE(toQString(edited[0].content),
                 QStringLiteral("Which lamp did old lighthouses use?"));
        QCOMPARE(toQString(edited[1].content), session()->at(1).text);
    }

    void openAndContinueASession() {
        select(m_lisbon);
        QTest::keyClick(list(), Qt::Key_Return);
        QCOMPARE(m_window->history()->currentSessionId(), m_lisbon);
        QCOMPARE(session()->count(), 2);
        QVERIFY(session()->at(1).interrupted);
        chat()->view()->renderNow();
        QVERIFY(chat()->view()->toPlainText().contains(QStringLiteral("Interrupted")));
        QVERIFY(chat()->regenerateButton()->isEnabled());
        SessionSettings st = session()->settings(); // the session's own settings came with it
        QCOMPARE(st.generate.maxTokens, ChatSession().settings().generate.maxTokens);
        st.generate.maxTokens = 40;
        session()->setSettings(st);
        sendAndWait(QStringLiteral("Add a day trip to Sintra."));
        QCOMPARE(store().messages(m_lisbon).size(), size_t(4));
        QCOMPARE(titles().first(),
                 QStringLiteral("Plan three days in Lisbon for someone who likes tiles."));
        QVERIFY(list()->currentIndex().data(SessionListModel::CurrentRole).toBool());
    }

    void renameWithF2() {
        select(m_lens);
        list()->setFocus();
        QTest::keyClick(list(), Qt::Key_F2);
        auto* editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
        QVERIFY(editor && list()->isAncestorOf(editor));
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("Fresnel lenses"));
        QTest::keyClick(editor, Qt::Key_Return); // the delegate commits on the next event loop pass
        QTRY_COMPARE(store().session(m_lens)->title, std::string("Fresnel lenses"));
        QVERIFY(store().session(m_lens)->titleIsCustom);
        QCOMPARE(panel()
                     ->sessionModel()
                     ->index(panel()->sessionModel()->rowOfSession(m_lens))
                     .data()
                     .toString(),
                 QStringLiteral("Fresnel lenses"));
    }

    void ctrlFSearchesWithHighlights() {
        chat()->input()->setFocus();
        QTest::keyClick(chat()->input(), Qt::Key_F, Qt::ControlModifier);
        QVERIFY(panel()->searchEdit()->hasFocus());
        QTest::keyClicks(panel()->searchEdit(), QStringLiteral("lighthouse"));
        QTRY_VERIFY(panel()->isShowingResults());
        QAbstractItemModelTester tester(panel()->resultsModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        SearchResultsModel* hits = panel()->resultsModel();
        QVERIFY(hits->rowCount() >= 3);
        for (int r = 0; r < hits->rowCount(); ++r) {
            const QString html = hits->index(r).data(SearchResultsModel::HtmlRole).toString();
            QVERIFY2(html.contains(QStringLiteral("<b>lighthouse</b>"), Qt::CaseInsensitive),
                     qPrintable(html));
        }
        QVERIFY(saveShot(QStringLiteral("history_search.png")));
        panel()->resultsView()->setCurrentIndex(hits->index(hits->rowCount() - 1));
        const qint64 target =
            hits->index(hits->rowCount() - 1).data(SearchResultsModel::SessionIdRole).toLongLong();
        QTest::keyClick(panel()->resultsView(), Qt::Key_Return);
        QCOMPARE(m_window->history()->currentSessionId(), target);
        QTest::keyClick(panel()->searchEdit(), Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(panel()->searchEdit(), Qt::Key_Backspace);
        QVERIFY(!panel()->isShowingResults());
    }

    void deleteWithUndo() {
        select(m_lighthouse); // the session deleted below is not the open one
        QTest::keyClick(list(), Qt::Key_Return);
        const int before = panel()->sessionModel()->rowCount();
        select(m_lens);
        list()->setFocus();
        QTest::keyClick(list(), Qt::Key_Delete);
        QCOMPARE(panel()->sessionModel()->rowCount(), before - 1);
        QCOMPARE(panel()->sessionModel()->rowOfSession(m_lens), -1);
        QVERIFY(panel()->undoBar()->isVisible());
        QVERIFY(panel()->undoBar()->findChild<QLabel*>()->text().contains(
            QStringLiteral("Fresnel lenses")));
        QTest::mouseClick(panel()->undoButton(), Qt::LeftButton);
        QVERIFY(panel()->sessionModel()->rowOfSession(m_lens) >= 0);
        QVERIFY(!panel()->undoBar()->isVisible());

        select(m_lens);
        QTest::keyClick(list(), Qt::Key_Delete);
        QCOMPARE(panel()->sessionModel()->rowOfSession(m_lens), -1);
        QTest::keyClick(list(), Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(panel()->sessionModel()->rowOfSession(m_lens) >= 0);
        QVERIFY(!panel()->undoDelete()); // nothing left to undo
    }

    void duplicateAndImport() {
        select(m_lighthouse);
        panel()->duplicateSelected();
        QVERIFY(titles().contains(QStringLiteral("How do lighthouses work? (copy)")));
        QCOMPARE(panel()->sessionView()->currentIndex().data().toString(),
                 QStringLiteral("How do lighthouses work? (copy)"));

        const QString bad = m_dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"format":"deepwell-history","version":1,"sessions":[{"title":"t","messages":[{"role":"robot","content":"x"}]}]})");
        f.close();
        const int before = panel()->sessionModel()->rowCount();
        QVERIFY(!panel()->importFile(bad));
        QMessageBox* box = panel()->findChild<QMessageBox*>(QStringLiteral("historyError"));
        QVERIFY(box && box->isVisible());
        QVERIFY2(box->text().contains(QStringLiteral("sessions[0].messages[0].role")),
                 qPrintable(box->text()));
        const QPointer<QMessageBox> gone = box;
        box->close();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QVERIFY(!gone);
        QCOMPARE(panel()->sessionModel()->rowCount(), before);

        const QString good = m_dir.filePath(QStringLiteral("good.json"));
        QCOMPARE(exportSessionFile(store(), m_lisbon, good, ExportFormat::Json), QString());
        QVERIFY(panel()->importFile(good));
        QCOMPARE(panel()->sessionModel()->rowCount(), before + 1);
    }

    void everyControlOfThePanelHasAnAccessibleName() {
        QStringList missing;
        for (QWidget* w : panel()->findChildren<QWidget*>()) {
            const bool control = qobject_cast<QAbstractButton*>(w) || qobject_cast<QLineEdit*>(w) ||
                                 qobject_cast<QAbstractItemView*>(w) || qobject_cast<QLabel*>(w);
            if (!control || w->objectName().startsWith(QLatin1String("qt_")))
                continue; // Qt's own parts
            if (w->accessibleName().isEmpty())
                missing << QStringLiteral("%1 '%2'").arg(
                    QString::fromLatin1(w->metaObject()->className()),
                    w->property("text").toString());
        }
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
        QVERIFY(!m_window->dock(PanelId::History)->accessibleName().isEmpty());
    }

    void ctrlNStartsAStoredSession() {
        select(m_lighthouse);
        QTest::keyClick(list(), Qt::Key_Return);
        const int before = panel()->sessionModel()->rowCount();
        QTest::keyClick(chat()->input(), Qt::Key_N, Qt::ControlModifier);
        QCOMPARE(session()->count(), 0);
        const qint64 fresh = m_window->history()->currentSessionId();
        QVERIFY(fresh != m_lighthouse && store().session(fresh));
        QCOMPARE(panel()->sessionModel()->rowCount(), before + 1);
        QCOMPARE(titles().first(), QStringLiteral("New conversation"));
        QCOMPARE(panel()->selectedSession(), fresh);
        QTest::keyClick(chat()->input(), Qt::Key_N,
                        Qt::ControlModifier); // still empty: no second one
        QCOMPARE(m_window->history()->currentSessionId(), fresh);
        QCOMPARE(panel()->sessionModel()->rowCount(), before + 1);
    }

    void sessionsScreenshot() {
        select(m_lighthouse);
        QTest::keyClick(list(), Qt::Key_Return);
        chat()->view()->renderNow();
        QVERIFY(saveShot(QStringLiteral("history_sessions.png")));
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestHistoryPanel)
#include "tst_history_panel.moc"
