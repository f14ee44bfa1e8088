// The real MainWindow with the real engine on a tiny synthetic model, driven like a user:
// Enter / Shift+Enter, streaming, Esc to stop, Regenerate, Edit-and-resend, copy links,
// Ctrl+N, accessible names, and that no engine work ran on the GUI thread. Screenshots and
// the layout test are in tst_main_window_look.cpp; overflow choices in tst_chat_overflow.cpp.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"
#include "session_settings_widget.h"
#include "ui_test_util.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QClipboard>
#include <QComboBox>
#include <QFrame>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QtTest>

using namespace dw;

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<EngineBridge> m_bridge;
    std::unique_ptr<MainWindow> m_window;

    ChatPanel* panel() const { return m_window->chatPanel(); }
    ChatSession* session() const { return m_window->session(); }
    const ChatEntry& last() const { return session()->at(session()->count() - 1); }
    void setReplyLength(int maxTokens, bool endless) { dwtest::setTestReplies(session(), maxTokens, endless); }
    void sendAndWait(const QString& text) {
        panel()->input()->setPlainText(text);
        QTest::keyClick(panel()->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!session()->at(session()->count() - 1).streaming, 60000);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        const QString model = dwtest::writeTinyModel(m_dir);
        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("settings.ini")),
                                                 QSettings::IniFormat);
        m_bridge = std::make_unique<EngineBridge>();
        m_window = std::make_unique<MainWindow>(m_bridge.get(), m_settings.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QVERIFY(!panel()->isShowingChat()); // a notice until the model is ready
        m_window->openModel(model, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(panel()->isShowingChat(), 60000);
        QVERIFY(panel()->input()->isEnabled());
        setReplyLength(40, false);
    }

    void cleanupTestCase() {
        m_window.reset();
        m_bridge.reset();
    }

    void enterSendsShiftEnterBreaksLine() {
        ChatInput* input = panel()->input();
        input->setFocus();
        QTest::keyClicks(input, QStringLiteral("first line"));
        QTest::keyClick(input, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClicks(input, QStringLiteral("second line"));
        QCOMPARE(session()->count(), 0);
        QCOMPARE(input->toPlainText(), QStringLiteral("first line\nsecond line"));

        QTest::keyClick(input, Qt::Key_Return);
        QCOMPARE(session()->count(), 2);
        QCOMPARE(session()->at(0).text, QStringLiteral("first line\nsecond line"));
        QVERIFY(input->toPlainText().isEmpty());
        QVERIFY(!input->isEnabled());
        QVERIFY(panel()->stopButton()->isEnabled());
        QVERIFY(!panel()->sendButton()->isEnabled());

        QTRY_VERIFY_WITH_TIMEOUT(!session()->at(1).text.isEmpty(), 60000); // streamed text
        QTRY_VERIFY_WITH_TIMEOUT(session()->at(1).finished, 60000);
        QCOMPARE(session()->at(1).finishReason, FinishReason::Length);
        QCOMPARE(session()->at(1).timings.generatedTokens, qint64(40));
        QTRY_VERIFY(input->isEnabled());
        QVERIFY(!panel()->stopButton()->isEnabled());
        QVERIFY(panel()->regenerateButton()->isEnabled());
        panel()->view()->renderNow();
        const QString shown = panel()->view()->toPlainText();
        QVERIFY2(shown.contains(QStringLiteral("second line")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("40 generated")), qPrintable(shown));
        QVERIFY(panel()->statusLabel()->text().contains(QStringLiteral("40 generated")));
    }

    void escStopsAReplyMidway() {
        setReplyLength(1 << 20, true);
        panel()->input()->setPlainText(QStringLiteral("Tell me a very long story"));
        QTest::keyClick(panel()->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(last().text.size() > 20, 60000);
        QVERIFY(last().streaming);
        QVERIFY(!panel()->input()->isEnabled());
        QWidget* focus = QApplication::focusWidget();
        QVERIFY(focus && panel()->isAncestorOf(focus)); // focus stayed in the panel
        QTest::keyClick(focus, Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 30000);
        QCOMPARE(last().finishReason, FinishReason::Cancelled);
        QVERIFY(last().timings.generatedTokens > 0);
        QTRY_VERIFY(panel()->input()->isEnabled());
        QVERIFY(panel()->input()->hasFocus());
        panel()->view()->renderNow();
        QVERIFY(panel()->view()->toPlainText().contains(QStringLiteral("Stopped by you.")));
        QVERIFY(panel()->statusLabel()->text().contains(QStringLiteral("Stopped by you.")));
        setReplyLength(40, false);
    }

    void regenerateReplacesTheLastReply() {
        const int n = session()->count();
        QVERIFY(n >= 2);
        const quint64 oldId = last().id;
        const QString question = session()->at(n - 2).text;
        QTest::mouseClick(panel()->regenerateButton(), Qt::LeftButton);
        QCOMPARE(session()->count(), n);
        QVERIFY(last().id != oldId);
        QVERIFY(last().streaming);
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
        QCOMPARE(session()->count(), n);
        QCOMPARE(last().finishReason, FinishReason::Length);
        QCOMPARE(session()->at(n - 2).text, question);
        QCOMPARE(session()->rowOfId(oldId), -1);
    }

    void regenerateLinkInTheTranscript() {
        const quint64 oldId = last().id;
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:regenerate")));
        QVERIFY(last().id != oldId);
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
    }

    void editAndResendDropsLaterMessages() {
        sendAndWait(QStringLiteral("A second question"));
        QVERIFY(session()->count() >= 4);
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:edit/0")));
        QCOMPARE(panel()->input()->toPlainText(), session()->at(0).text);
        QVERIFY(panel()->isEditing());
        panel()->input()->setPlainText(QStringLiteral("The edited question"));
        QTest::keyClick(panel()->input(), Qt::Key_Return);
        QCOMPARE(session()->count(), 2);
        QCOMPARE(session()->at(0).text, QStringLiteral("The edited question"));
        QVERIFY(!panel()->isEditing());
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
        QCOMPARE(session()->count(), 2);
    }

    void editCanBeCancelledWithEsc() {
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:edit/0")));
        QVERIFY(panel()->isEditing());
        QTest::keyClick(panel()->input(), Qt::Key_Escape);
        QVERIFY(!panel()->isEditing());
        QVERIFY(panel()->input()->toPlainText().isEmpty());
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:edit/1"))); // a reply: no
        QVERIFY(!panel()->isEditing());
    }

    void copyLinks() {
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:copy/0")));
        QCOMPARE(QGuiApplication::clipboard()->text(), session()->at(0).text);
        const int row = session()->append(ChatRole::Assistant,
                                          QStringLiteral("Two blocks:\n\n```sh\nls -l\n```\n\n```\nsecond\n  block\n```"));
        panel()->view()->renderNow();
        QCOMPARE(panel()->view()->codeBlockCount(row), 2);
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:copy-code/%1/1").arg(row)));
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("second\n  block"));
        emit panel()->view()->anchorClicked(QUrl(QStringLiteral("dw:copy-code/%1/9").arg(row)));
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("second\n  block")); // no block 9
        QVERIFY(panel()->statusLabel()->text().contains(QStringLiteral("copied")));
    }

    void ctrlNStartsANewSession() {
        QVERIFY(session()->count() > 0);
        QTest::keyClick(panel()->input(), Qt::Key_N, Qt::ControlModifier);
        QCOMPARE(session()->count(), 0);
        QVERIFY(panel()->input()->isEnabled());
        QVERIFY(!panel()->regenerateButton()->isEnabled());
        sendAndWait(QStringLiteral("Hello again"));
        QCOMPARE(session()->count(), 2);
    }

    void sessionSettingsReachTheSession() {
        QComboBox* preset = panel()->settingsWidget()->presetBox();
        preset->setCurrentIndex(preset->findData(int(SamplingPreset::Precise)));
        QCOMPARE(session()->settings().preset, SamplingPreset::Precise);
        QCOMPARE(session()->settings().generate.sampling.temperature,
                 presetParams(SamplingPreset::Precise).temperature);
        QVERIFY(session()->settings().generate.ignoreEos); // fields the widget does not show stay
        panel()->settingsWidget()->systemPromptEdit()->setPlainText(QStringLiteral("Answer in one line."));
        QCOMPARE(session()->settings().systemPrompt, QStringLiteral("Answer in one line."));
        sendAndWait(QStringLiteral("With a system prompt"));
        QCOMPARE(last().finishReason, FinishReason::Length);
        QVERIFY(last().timings.promptTokens > 0);
    }

    void everyControlHasAnAccessibleName() {
        QStringList missing;
        for (QWidget* w : m_window->findChildren<QWidget*>()) {
            const bool control = qobject_cast<QAbstractButton*>(w) || qobject_cast<QAbstractSpinBox*>(w) ||
                                 qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractScrollArea*>(w);
            if (!control || w->objectName().startsWith(QLatin1String("qt_"))) continue; // Qt's own parts
            if (qobject_cast<QAbstractScrollArea*>(w) && !qobject_cast<QPlainTextEdit*>(w) &&
                !qobject_cast<QTextEdit*>(w))
                continue;
            if (w->accessibleName().isEmpty())
                missing << QStringLiteral("%1 '%2'").arg(QString::fromLatin1(w->metaObject()->className()),
                                                         w->property("text").toString());
        }
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
    }

    void streamedTextWasCoalesced() {
        QVERIFY(m_bridge->updatesDelivered() > 0);
        QVERIFY2(m_bridge->updatesDelivered() < m_bridge->tokensDelivered(),
                 qPrintable(QStringLiteral("%1 updates for %2 tokens")
                                .arg(m_bridge->updatesDelivered()).arg(m_bridge->tokensDelivered())));
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, qPrintable(QStringLiteral("%1 times, first in %2")
                                              .arg(r.count).arg(QString::fromStdString(r.firstWhere))));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
