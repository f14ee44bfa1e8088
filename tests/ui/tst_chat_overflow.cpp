// When the conversation would overflow the context, the chat asks (before anything is sent)
// and each answer does what it says: Cancel gives the draft back, long-context mode sends it
// with a sliding window, a new session starts over with it, trimming stops sending the oldest
// turns.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"
#include "ui_test_util.h"

#include <QFrame>
#include <QPushButton>
#include <QSettings>
#include <QtTest>

using namespace dw;

class TestChatOverflow : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<EngineBridge> m_bridge;
    std::unique_ptr<MainWindow> m_window;
    QString m_huge;   // over the whole context by itself
    QString m_medium; // a few of these overflow it

    static constexpr int kContext = 512;
    static constexpr int kReply = 32;

    ChatPanel* panel() const { return m_window->chatPanel(); }
    ChatSession* session() const { return m_window->session(); }
    void sendExpectingOverflow(const QString& text) {
        panel()->input()->setPlainText(text);
        QTest::keyClick(panel()->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(panel()->overflowBar()->isVisible(), 30000);
        QVERIFY(!panel()->input()->isEnabled());
        QVERIFY(!panel()->sendButton()->isEnabled());
    }
    void seedHistory(int pairs) {
        for (int i = 0; i < pairs; ++i) {
            session()->append(ChatRole::User, QStringLiteral("Question %1: ").arg(i) + m_medium);
            session()->append(ChatRole::Assistant, QStringLiteral("Answer %1: ").arg(i) + m_medium);
        }
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        const QString path = dwtest::writeTinyModel(m_dir);
        const auto model = dwtest::loadOffThread(path);
        m_huge = QString::fromStdString(dwtest::textOfAtLeast(*model, kContext + 100));
        m_medium = QString::fromStdString(dwtest::textOfAtLeast(*model, kContext / 5));
        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        m_bridge = std::make_unique<EngineBridge>();
        m_window = std::make_unique<MainWindow>(m_bridge.get(), m_settings.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        EngineOptions o = dwtest::testEngineOptions();
        o.maxContext = kContext;
        m_window->openModel(path, o);
        QTRY_VERIFY_WITH_TIMEOUT(panel()->isShowingChat(), 60000);
        dwtest::setTestReplies(session(), kReply);
    }

    void cleanupTestCase() {
        m_window.reset();
        m_bridge.reset();
    }

    void init() { panel()->newSession(); }

    void cancelGivesTheDraftBack() {
        sendExpectingOverflow(m_huge);
        QCOMPARE(session()->count(), 0); // nothing was sent
        QVERIFY(panel()->input()->toPlainText().isEmpty());
        QTest::keyClick(panel()->overflowButton(OverflowChoice::Cancel), Qt::Key_Escape);
        QVERIFY(!panel()->overflowBar()->isVisible());
        QCOMPARE(panel()->input()->toPlainText(), m_huge);
        QVERIFY(panel()->input()->isEnabled());
        QCOMPARE(session()->count(), 0);
    }

    void longContextMode() {
        sendExpectingOverflow(m_huge);
        panel()->view()->renderNow();
        QVERIFY(!panel()->view()->toPlainText().contains(QStringLiteral("item1,"))); // taken back
        const QString shot = dwtest::screenshotDir() + QStringLiteral("/chat_overflow.png");
        QVERIFY(m_window->grab().save(shot));
        qInfo("screenshot: %s", qPrintable(shot));
        QTest::mouseClick(panel()->overflowButton(OverflowChoice::LongContext), Qt::LeftButton);
        QVERIFY(!panel()->overflowBar()->isVisible());
        QVERIFY(session()->settings().longContext);
        QCOMPARE(session()->count(), 2);
        QCOMPARE(session()->at(0).text, m_huge);
        QTRY_VERIFY_WITH_TIMEOUT(session()->at(1).finished, 60000);
        QCOMPARE(session()->at(1).finishReason, FinishReason::Length);
        QVERIFY(session()->at(1).timings.promptTokens > kContext);
        panel()->newSession();
        QVERIFY(!session()->settings().longContext); // a choice for one conversation
    }

    void newSessionWithTheMessage() {
        seedHistory(3);
        sendExpectingOverflow(QStringLiteral("A short question"));
        QCOMPARE(session()->count(), 6); // the history stays until the user chooses
        QTest::mouseClick(panel()->overflowButton(OverflowChoice::NewSession), Qt::LeftButton);
        QCOMPARE(session()->count(), 2);
        QCOMPARE(session()->at(0).text, QStringLiteral("A short question"));
        QTRY_VERIFY_WITH_TIMEOUT(session()->at(1).finished, 60000);
        QCOMPARE(session()->at(1).finishReason, FinishReason::Length);
    }

    void trimOldMessages() {
        seedHistory(3);
        sendExpectingOverflow(QStringLiteral("And the last question?"));
        QTest::mouseClick(panel()->overflowButton(OverflowChoice::TrimOldMessages), Qt::LeftButton);
        QCOMPARE(session()->count(), 8);
        QTRY_VERIFY_WITH_TIMEOUT(session()->at(7).finished, 60000);
        QCOMPARE(session()->at(7).finishReason, FinishReason::Length);
        const int first = session()->firstInContext();
        QVERIFY(first >= 2 && first <= 6 && first % 2 == 0); // whole turns, a user message first
        QVERIFY(session()->at(7).timings.promptTokens + kReply <= kContext);
        panel()->view()->renderNow();
        QVERIFY(panel()->view()->toPlainText().contains(QStringLiteral("no longer sent to the model")));
        QVERIFY(!session()->data(session()->index(0), ChatSession::InContextRole).toBool());

        // The next message goes out with the trimmed history only. The reply's text may
        // tokenize longer than it was generated, so it may have to ask (and trim) again.
        panel()->input()->setPlainText(QStringLiteral("One more"));
        QTest::keyClick(panel()->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(panel()->overflowBar()->isVisible() ||
                                     (session()->count() == 10 && session()->at(9).finished), 60000);
        if (panel()->overflowBar()->isVisible()) {
            QTest::mouseClick(panel()->overflowButton(OverflowChoice::TrimOldMessages), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(session()->count() == 10 && session()->at(9).finished, 60000);
            QVERIFY(session()->firstInContext() > first);
        }
        QCOMPARE(session()->at(9).finishReason, FinishReason::Length);
        QVERIFY(session()->at(9).timings.promptTokens + kReply <= kContext);
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestChatOverflow)
#include "tst_chat_overflow.moc"
