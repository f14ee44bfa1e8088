// What the window looks like and remembers: screenshots for people to judge (a streamed reply
// from the engine, a Markdown-rich conversation, the no-model notice), the layout and geometry
// restored from settings, and the transcript's partial (streaming) update matching a full one.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"
#include "ui_test_util.h"

#include <QDockWidget>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QToolButton>
#include <QtTest>

using namespace dw;

namespace {

const char* kMarkdownReply = R"(### Reading a file line by line

Open the file in a `with` block, so it is closed even when an error occurs:

```python
with open("notes.txt", encoding="utf-8") as f:
    for line in f:
        print(line.rstrip())
```

| Method | Memory | When to use |
|---|---|---|
| `for line in f` | one line at a time | large files |
| `f.readlines()` | the whole file | small files |

- ~~`f.read().split()`~~ splits on every space, not on lines
- Docs: https://docs.python.org/3/tutorial/inputoutput.html

中文说明：逐行读取文件时，用 `for` 循环最省内存。)";

} // namespace

class TestMainWindowLook : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

    std::unique_ptr<QSettings> settings() const {
        return std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        markForbiddenThread();
        resetForbiddenWorkReport();
        m_model = dwtest::writeTinyModel(m_dir);
    }

    void noModelNotice() {
        auto s = settings();
        EngineBridge bridge;
        MainWindow w(&bridge, s.get());
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.showMissingModel(QStringLiteral("/home/someone/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf"));
        QVERIFY(!w.chatPanel()->isShowingChat());
        QVERIFY(w.chatPanel()->noticeLabel()->text().contains(QStringLiteral("gemma-3-270m-q4_k_m.gguf")));
        QVERIFY(!w.chatPanel()->input()->isEnabled());
        QVERIFY(!w.chatPanel()->sendButton()->isEnabled());
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("main_window_no_model.png")));
    }

    void replyAndMarkdownScreenshots() {
        auto s = settings();
        EngineBridge bridge;
        MainWindow w(&bridge, s.get());
        w.resize(1100, 760);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.openModel(m_model, dwtest::testEngineOptions());
        QTRY_VERIFY_WITH_TIMEOUT(w.chatPanel()->isShowingChat(), 60000);
        SessionSettings st = w.session()->settings();
        st.generate.maxTokens = 60;
        st.generate.ignoreEos = true;
        w.session()->setSettings(st);

        ChatPanel* p = w.chatPanel();
        p->input()->setPlainText(QStringLiteral("Hello! Please answer with **bold** text."));
        QTest::keyClick(p->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->count() == 2 && w.session()->at(1).finished, 60000);
        p->view()->renderNow();
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("main_window_reply.png")));

        // A conversation as the history store will hand it over: rows with finished replies.
        p->newSession();
        w.session()->append(ChatRole::User, QStringLiteral("How do I read a file line by line in Python? 也请用中文简单说明。"));
        const int row = w.session()->append(ChatRole::Assistant, QString(), true);
        // Streamed in pieces: each update replaces only the reply in the document, and the
        // result is the same as rendering everything afresh.
        p->view()->renderNow();
        const int full = p->view()->rebuildCount(), tail = p->view()->tailRebuildCount();
        const QString reply = QString::fromUtf8(kMarkdownReply);
        for (qsizetype i = 0; i < reply.size(); i += 24) {
            w.session()->appendText(row, reply.mid(i, 24));
            p->view()->renderNow();
        }
        QCOMPARE(p->view()->rebuildCount(), full);
        QCOMPARE(p->view()->tailRebuildCount(), tail + int((reply.size() + 23) / 24));
        const QString streamed = p->view()->toPlainText();
        p->view()->setAssistantName(bridge.modelInfo().name); // forces a whole rebuild
        p->view()->renderNow();
        QCOMPARE(p->view()->rebuildCount(), full + 1);
        QCOMPARE(p->view()->toPlainText(), streamed);
        RequestTimings t;
        t.promptTokens = 38;
        t.generatedTokens = 164;
        t.firstTokenSeconds = 0.18;
        t.totalSeconds = 3.9;
        w.session()->finish(row, FinishReason::Stop, QString(), t);
        p->view()->renderNow();
        QCOMPARE(p->view()->codeBlockCount(row), 1);
        const QString shown = p->view()->toPlainText();
        QVERIFY2(shown.contains(QStringLiteral("逐行读取文件")), qPrintable(shown));
        QVERIFY(!shown.contains(QStringLiteral("```")));
        QVERIFY(!shown.contains(QStringLiteral("|---|")));
        QVERIFY(shown.contains(QStringLiteral("Copy code")));
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("main_window_markdown.png")));

        p->findChild<QToolButton*>()->click(); // the session settings open above the transcript
        QVERIFY(dwtest::saveScreenshot(&w, QStringLiteral("main_window_settings.png")));
    }

    void layoutIsRemembered() {
        auto s = settings();
        EngineBridge bridge;
        {
            MainWindow a(&bridge, s.get());
            a.show();
            QVERIFY(QTest::qWaitForWindowExposed(&a));
            a.resize(1000, 700);
            QDockWidget* chat = a.dock(PanelId::Chat);
            QVERIFY(chat);
            QCOMPARE(a.dockWidgetArea(chat), Qt::RightDockWidgetArea);
            a.addDockWidget(Qt::LeftDockWidgetArea, chat);
            QTRY_COMPARE(a.size(), QSize(1000, 700));
            QVERIFY(a.close()); // saves
        }
        MainWindow b(&bridge, s.get());
        QCOMPARE(b.dockWidgetArea(b.dock(PanelId::Chat)), Qt::LeftDockWidgetArea);
        b.show();
        QVERIFY(QTest::qWaitForWindowExposed(&b));
        QCOMPARE(b.size(), QSize(1000, 700));
        b.resetLayout();
        QCOMPARE(b.dockWidgetArea(b.dock(PanelId::Chat)), Qt::RightDockWidgetArea);
        QCOMPARE(b.dockWidgetArea(b.dock(PanelId::History)), Qt::LeftDockWidgetArea);
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, r.firstWhere.c_str());
    }
};

QTEST_MAIN(TestMainWindowLook)
#include "tst_main_window_look.moc"
