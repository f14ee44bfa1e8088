// Swapping models while the app runs, through the real MainWindow and engine: a reply on
// model A keeps streaming while B loads in the background, B takes over only when that reply
// has ended and then serves the next message; a reply is never cut short by a swap; a
// truncated or random-bytes file, or a cancelled load, leaves the serving model in place with
// the engine's message shown; a second load replaces a first still in progress.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"
#include "model_details_view.h"
#include "model_facts.h"
#include "model_manager.h"
#include "model_test_util.h"
#include "recent_models.h"
#include "ui_test_util.h"

#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QtTest>

using namespace dw;

namespace {

// What Model::load says about a file (the message the bridge must pass on unchanged).
QString loadErrorOffThread(const QString& path) {
    QString message;
    std::thread([&] {
        try {
            (void)Model::load(path.toStdString());
        } catch (const std::exception& e) {
            message = QString::fromUtf8(e.what());
        }
    }).join();
    return message;
}

} // namespace

class TestModelSwap : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_a, m_b;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<EngineBridge> m_bridge;
    std::unique_ptr<MainWindow> m_window;

    ChatPanel* panel() const { return m_window->chatPanel(); }
    ChatSession* session() const { return m_window->session(); }
    const ChatEntry& last() const { return session()->at(session()->count() - 1); }
    void setReply(int maxTokens, bool endless) {
        dwtest::setTestReplies(session(), maxTokens, endless);
    }
    void send(const QString& text) {
        panel()->input()->setPlainText(text);
        QTest::keyClick(panel()->input(), Qt::Key_Return);
        QVERIFY(last().streaming);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        m_a = dwtest::writeSynthModel(m_dir.path(), "tiny-gemma3", QStringLiteral("a.gguf"),
                                      "Model A");
        m_b = dwtest::writeSynthModel(m_dir.path(), "tiny-qwen3moe", QStringLiteral("b.gguf"),
                                      "Model B");
        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("s.ini")),
                                                 QSettings::IniFormat);
        m_bridge = std::make_unique<EngineBridge>();
        m_window = std::make_unique<MainWindow>(m_bridge.get(), m_settings.get());
        m_window->setModelsDir(m_dir.filePath(QStringLiteral("no-models-here")));
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->activateWindow();
        m_window->openModel(m_a, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(panel()->isShowingChat(), 60000);
        QCOMPARE(m_bridge->modelInfo().name, QStringLiteral("Model A"));
    }

    void cleanupTestCase() {
        m_window.reset();
        m_bridge.reset();
    }

    void replyOnAKeepsStreamingWhileBLoads() {
        setReply(1 << 20, true); // endless: only the user ends it
        send(QStringLiteral("Tell me a very long story"));
        QTRY_VERIFY_WITH_TIMEOUT(last().text.size() > 20, 60000);
        QSignalSpy pending(m_bridge.get(), &EngineBridge::swapPending);
        QSignalSpy loaded(m_bridge.get(), &EngineBridge::modelLoaded);
        m_window->openModel(m_b, dwtest::testEngineOptions());
        QVERIFY(panel()->isShowingChat()); // the conversation stays on screen
        QTRY_COMPARE_WITH_TIMEOUT(pending.count(), 1, 60000);
        QCOMPARE(pending.at(0).at(0).value<ModelInfo>().name, QStringLiteral("Model B"));
        QVERIFY(m_bridge->isSwapPending() && m_bridge->isLoading());
        QCOMPARE(m_bridge->modelInfo().name, QStringLiteral("Model A"));
        const qsizetype atReady = last().text.size();
        QTRY_VERIFY_WITH_TIMEOUT(last().text.size() > atReady + 20, 60000); // A keeps streaming
        QVERIFY(last().streaming);
        QCOMPARE(loaded.count(), 0);
        QVERIFY(m_window->modelManager()->stateLabel()->text().contains(
            QStringLiteral("takes over when")));

        QTest::mouseClick(panel()->stopButton(), Qt::LeftButton); // the user ends the reply
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 30000);
        QCOMPARE(last().finishReason, FinishReason::Cancelled);
        QVERIFY(last().timings.generatedTokens > 0);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 30000); // B takes over once it has ended
        QCOMPARE(m_bridge->modelInfo().name, QStringLiteral("Model B"));
        QCOMPARE(m_bridge->modelInfo().arch, QStringLiteral("qwen3moe"));
        QVERIFY(!m_bridge->isLoading() && !m_bridge->isSwapPending());
        QCOMPARE(m_window->recentModels()->paths().first(), m_b);
    }

    // The prompt is counted with the serving model's tokenizer and template, so the count
    // tells which model served it.
    void theNextMessageIsServedByB() {
        panel()->newSession();
        setReply(24, false);
        send(QStringLiteral("Hello, who is there?"));
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
        QCOMPARE(last().finishReason, FinishReason::Length);
        const auto messages = session()->promptMessages(session()->count() - 1);
        const qint64 withB = dwtest::promptTokens(*dwtest::loadOffThread(m_b), messages);
        const qint64 withA = dwtest::promptTokens(*dwtest::loadOffThread(m_a), messages);
        QVERIFY2(withA != withB, "the two test models must count this prompt differently");
        QCOMPARE(last().timings.promptTokens, withB);
    }

    // Whenever the new model becomes ready, a running reply still ends on its own terms.
    void aReplyIsNeverCutShortBySwapping() {
        setReply(300, false);
        QSignalSpy loaded(m_bridge.get(), &EngineBridge::modelLoaded);
        send(QStringLiteral("Count to a thousand"));
        m_window->openModel(m_a, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
        QCOMPARE(last().finishReason, FinishReason::Length);
        QCOMPARE(last().timings.generatedTokens, qint64(300));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
        QCOMPARE(m_bridge->modelInfo().name, QStringLiteral("Model A"));
    }

    void brokenFileLeavesTheServingModel_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("truncated model") << "truncated";
        QTest::newRow("random bytes") << "random";
    }
    void brokenFileLeavesTheServingModel() {
        QFETCH(QString, kind);
        const QString path =
            kind == QLatin1String("truncated")
                ? dwtest::writeTruncatedCopy(m_b, m_dir.filePath(QStringLiteral("c.gguf")), 0.5)
                : dwtest::writeRandomBytes(m_dir.filePath(QStringLiteral("d.gguf")), 5000, 11);
        const QString expected = loadErrorOffThread(path);
        QVERIFY(!expected.isEmpty());
        const QString serving = m_bridge->modelInfo().name;
        QSignalSpy failed(m_bridge.get(), &EngineBridge::loadFailed);
        m_window->modelManager()->loadFile(path); // as the manager's Load button does
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QCOMPARE(failed.at(0).at(0).toString(), expected);
        QCOMPARE(failed.at(0).at(1).toBool(), false);
        QVERIFY(m_bridge->isLoaded() && !m_bridge->isLoading());
        QCOMPARE(m_bridge->modelInfo().name, serving);
        QVERIFY(panel()->isShowingChat());
        const QString state = m_window->modelManager()->stateLabel()->text();
        QVERIFY2(state.contains(expected) && state.contains(QFileInfo(path).fileName()),
                 qPrintable(state));
        QVERIFY2(state.contains(QStringLiteral("%1 is still serving").arg(serving)),
                 qPrintable(state));
        QVERIFY(m_window->statusBar()->currentMessage().contains(expected));
        setReply(16, false); // and it still answers
        send(QStringLiteral("Still there?"));
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
        QCOMPARE(last().finishReason, FinishReason::Length);
    }

    void cancelledLoadKeepsTheServingModel() {
        const QString serving = m_bridge->modelInfo().name;
        QSignalSpy failed(m_bridge.get(), &EngineBridge::loadFailed);
        QSignalSpy loaded(m_bridge.get(), &EngineBridge::modelLoaded);
        m_window->openModel(m_b, dwtest::testEngineOptions());
        QVERIFY(m_window->modelManager()->cancelButton()->isEnabled());
        m_window->modelManager()->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QCOMPARE(failed.at(0).at(1).toBool(), true);
        QTest::qWait(50); // a swap that should not happen would have had time to
        QCOMPARE(loaded.count(), 0);
        QCOMPARE(m_bridge->modelInfo().name, serving);
        QVERIFY(
            m_window->modelManager()->stateLabel()->text().contains(QStringLiteral("cancelled")));
    }

    void aSecondLoadReplacesTheFirst() {
        QSignalSpy loaded(m_bridge.get(), &EngineBridge::modelLoaded);
        QSignalSpy failed(m_bridge.get(), &EngineBridge::loadFailed);
        const QString other = m_bridge->modelInfo().name == QLatin1String("Model A") ? m_b : m_a;
        const QString first = other == m_b ? m_a : m_b;
        m_window->openModel(first, dwtest::testEngineOptions());
        m_window->openModel(other, dwtest::testEngineOptions());
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
        QCOMPARE(loaded.at(0).at(0).value<ModelInfo>().path, other);
        QTest::qWait(50);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(failed.count(), 0); // the superseded load ends silently
    }

    // Once loaded, the manager shows what the engine recorded in its memory ledger.
    void managerShowsTheEnginesFigures() {
        setReply(8, false); // one reply on the serving engine records its activations
        send(QStringLiteral("Hi"));
        QTRY_VERIFY_WITH_TIMEOUT(last().finished, 60000);
        const ModelInfo info = m_bridge->modelInfo();
        const LedgerSnapshot snap = m_bridge->engineMemory();
        const LedgerDeviceUsage* host = snap.device(MemoryDevice::host());
        QVERIFY(host);
        QVERIFY(info.weightBytes > 0 && info.kvCacheBytes > 0);
        QCOMPARE(info.weightBytes, (*host)[LedgerCategory::Weights].current);
        QCOMPARE(info.kvCacheBytes, (*host)[LedgerCategory::KvCache].current);
        m_window->showModelManager();
        ModelManager* mm = m_window->modelManager();
        QVERIFY(QTest::qWaitForWindowExposed(mm));
        mm->selectPath(info.path);
        QCOMPARE(mm->selectedPath(), info.path);
        QTRY_VERIFY_WITH_TIMEOUT(!mm->isInspecting(), 30000);
        const QString text = mm->details()->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("Loaded now")), qPrintable(text));
        const LedgerSnapshot now = m_bridge->engineMemory();
        const LedgerDeviceUsage* h = now.device(MemoryDevice::host());
        QVERIFY((*h)[LedgerCategory::Activations].peak > 0);
        for (LedgerCategory c :
             {LedgerCategory::Weights, LedgerCategory::KvCache, LedgerCategory::Activations})
            QVERIFY2(text.contains(QStringLiteral("%1 (peak %2)")
                                       .arg(ModelText::bytes((*h)[c].current),
                                            ModelText::bytes((*h)[c].peak))),
                     qPrintable(text));
        QVERIFY(mm->stateLabel()->text().contains(QStringLiteral("%1 is serving").arg(info.name)));
        mm->resize(1100, 720);
        QCoreApplication::processEvents();
        const QString shot = dwtest::screenshotDir() + QStringLiteral("/model_manager_loaded.png");
        qInfo("screenshot: %s", qPrintable(shot));
        QVERIFY(mm->grab().save(shot));
        mm->hide();
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestModelSwap)
#include "tst_model_swap.moc"
