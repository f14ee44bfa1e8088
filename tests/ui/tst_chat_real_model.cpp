// A chat with the real default model (Gemma 3 270M): the reply streams in, finishes, renders
// as Markdown, and a screenshot is saved. Skips when the model file is missing, unless
// DEEPWELL_REQUIRE_MODEL=1.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"
#include "ui_test_util.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QtTest>

using namespace dw;

class TestChatRealModel : public QObject {
    Q_OBJECT
private slots:
    void chatWithGemma() {
        QString path = qEnvironmentVariable("DEEPWELL_MODEL");
        if (path.isEmpty())
            path = QDir::homePath() + QStringLiteral("/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf");
        if (!QFileInfo(path).isFile()) {
            if (qEnvironmentVariable("DEEPWELL_REQUIRE_MODEL") == QLatin1String("1"))
                QFAIL(qPrintable(QStringLiteral("model missing: %1").arg(path)));
            QSKIP(qPrintable(QStringLiteral("model missing: %1 (set DEEPWELL_MODEL)").arg(path)));
        }
        markForbiddenThread();
        resetForbiddenWorkReport();
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        EngineBridge bridge;
        MainWindow w(&bridge, &settings);
        w.resize(1100, 760);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.openModel(path, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(w.chatPanel()->isShowingChat(), 120000);
        QCOMPARE(bridge.modelInfo().arch, QStringLiteral("gemma3"));

        SessionSettings s = w.session()->settings();
        s.preset = SamplingPreset::Precise;
        s.generate.sampling = presetParams(SamplingPreset::Precise);
        s.generate.maxTokens = 160;
        w.session()->setSettings(s);
        ChatPanel* p = w.chatPanel();
        p->input()->setPlainText(QStringLiteral(
            "Write a short Python function that returns the square of a number, in a code block."));
        QTest::keyClick(p->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!w.session()->at(1).text.trimmed().isEmpty(), 180000);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->at(1).finished, 600000);
        const ChatEntry& reply = w.session()->at(1);
        QVERIFY2(reply.finishReason == FinishReason::Stop || reply.finishReason == FinishReason::Length,
                 qPrintable(reply.error));
        QVERIFY(reply.timings.generatedTokens > 0);
        p->view()->renderNow();
        const QString shot = dwtest::screenshotDir() + QStringLiteral("/main_window_gemma.png");
        QVERIFY(w.grab().save(shot));
        qInfo("screenshot: %s", qPrintable(shot));
        qInfo("reply (%lld tokens): %s", qlonglong(reply.timings.generatedTokens), qPrintable(reply.text));
        // The shown text is the reply rendered: its first words are on screen.
        const QString firstWord = reply.text.simplified().section(QLatin1Char(' '), 0, 0)
                                      .remove(QRegularExpression(QStringLiteral("[^\\w]")));
        if (!firstWord.isEmpty()) QVERIFY(p->view()->toPlainText().contains(firstWord));
        QVERIFY(bridge.updatesDelivered() < bridge.tokensDelivered());
        QCOMPARE(engineWorkOnForbiddenThread(), qint64(0));
    }
};

QTEST_MAIN(TestChatRealModel)
#include "tst_chat_real_model.moc"
