// HistoryController: the chat saved as it happens. Rows are driven through ChatSession the
// way ChatController drives them (no model needed); every check reads the database through a
// second SQLite connection or the store, i.e. what is committed, not what a widget shows.
// tst_history_panel.cpp runs the same paths through the real engine and MainWindow.
#include "chat_format.h"
#include "history_test_util.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace dw;
using dw::store::MessageState;
using dw::store::Role;
using dw::store::test::FakeClock;

class TestHistoryController : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    FakeClock m_clock;
    int m_n = 0;

    QString freshPath() { return m_dir.filePath(QStringLiteral("h%1.db").arg(++m_n)); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void userMessageIsCommittedWhenAppended() {
        const QString path = freshPath();
        auto store = dwtest::openStore(path, m_clock);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        QVERIFY(history.currentSessionId() != 0);
        int seenAtReplyStart = -1;
        // ChatController appends the user row, then the reply row, then asks the engine:
        // when the reply row appears, the user's words must already be in the file.
        connect(&chat.session, &ChatSession::messageAppended, this, [&](int row) {
            if (chat.session.at(row).role == ChatRole::Assistant)
                seenAtReplyStart =
                    dwtest::raw(path, QStringLiteral("SELECT count(*) FROM messages WHERE role = "
                                                     "'user' AND content = 'Hello, 灯塔'"))
                        .toInt();
        });
        chat.session.append(ChatRole::User, QStringLiteral("Hello, 灯塔"));
        chat.session.append(ChatRole::Assistant, QString(), true);
        QCOMPARE(seenAtReplyStart, 1);
        QCOMPARE(dwtest::storedMessages(*store, history.currentSessionId()),
                 (QStringList{QStringLiteral("user:complete:Hello, 灯塔"),
                              QStringLiteral("assistant:streaming:")}));
        QCOMPARE(store->session(history.currentSessionId())->title, std::string("Hello, 灯塔"));
    }

    void replyIsSavedAsItStreamsThenFinished_data() {
        QTest::addColumn<int>("reason");
        QTest::addColumn<QString>("state");
        QTest::newRow("complete") << int(FinishReason::Stop) << QStringLiteral("complete");
        QTest::newRow("length") << int(FinishReason::Length) << QStringLiteral("complete");
        QTest::newRow("cancelled") << int(FinishReason::Cancelled) << QStringLiteral("cancelled");
        QTest::newRow("error") << int(FinishReason::Error) << QStringLiteral("error");
    }
    void replyIsSavedAsItStreamsThenFinished() {
        QFETCH(int, reason);
        QFETCH(QString, state);
        const QString path = freshPath();
        auto store = dwtest::openStore(path, m_clock);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        QSignalSpy saved(&history, &HistoryController::replyTextSaved);
        chat.session.append(ChatRole::User, QStringLiteral("Tell me a story"));
        const int row = chat.session.append(ChatRole::Assistant, QString(), true);
        const qint64 id = history.messageIds().at(size_t(row));
        QString all;
        for (int i = 0; i < 50; ++i) { // one event-loop pass: at most a couple of writes
            const QString piece = QStringLiteral("word%1 ").arg(i);
            all += piece;
            chat.session.appendText(row, piece);
        }
        QVERIFY2(saved.count() < 50, qPrintable(QString::number(saved.count())));
        // The rest arrives within kStreamSaveMs, as one write of the whole text.
        QTRY_COMPARE(
            dwtest::raw(path, QStringLiteral("SELECT content FROM messages WHERE id = %1").arg(id)),
            all);
        QCOMPARE(
            dwtest::raw(path, QStringLiteral("SELECT state FROM messages WHERE id = %1").arg(id)),
            QStringLiteral("streaming"));
        QCOMPARE(saved.last().at(1).toInt(), int(all.size()));

        chat.session.appendText(row, QStringLiteral("The end."));
        RequestTimings t;
        t.promptTokens = 12;
        t.generatedTokens = 52;
        t.firstTokenSeconds = 0.25;
        t.totalSeconds = 2.25;
        chat.session.finish(row, FinishReason(reason), QStringLiteral("boom"), t);
        const store::Message m = *store->message(id);
        QCOMPARE(QLatin1String(store::messageStateName(m.state)), state);
        QCOMPARE(toQString(m.content), all + QStringLiteral("The end."));
        QCOMPARE(m.stats.promptTokens.value_or(-1), 12);
        QCOMPARE(m.stats.generatedTokens.value_or(-1), 52);
        QCOMPARE(m.stats.ttftMs.value_or(-1), 250.0);
        QCOMPARE(m.stats.tokensPerS.value_or(-1), 25.5); // 51 tokens after the first in 2 s
        QCOMPARE(m.stats.finishReason, std::string(finishReasonName(FinishReason(reason))));
    }

    void regenerateAndEditMapToTruncateAndEdit() {
        auto store = dwtest::openStore(freshPath(), m_clock);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        ChatSession& s = chat.session;
        s.append(ChatRole::User, QStringLiteral("Q1"));
        s.append(ChatRole::Assistant, QStringLiteral("A1"));
        s.append(ChatRole::User, QStringLiteral("Q2"));
        s.append(ChatRole::Assistant, QStringLiteral("A2"));
        const qint64 session = history.currentSessionId();
        const qint64 q1 = history.messageIds()[0];
        // Regenerate: the last reply goes, a new one streams in its place.
        s.removeFrom(3);
        QCOMPARE(dwtest::storedMessages(*store, session).size(), 3);
        const int row = s.append(ChatRole::Assistant, QString(), true);
        s.appendText(row, QStringLiteral("A2'"));
        s.finish(row, FinishReason::Stop, QString(), {});
        // Edit-and-resend of the first question (ChatController: drop later rows, new text).
        s.removeFrom(1);
        s.setText(0, QStringLiteral("Q1 edited"));
        QCOMPARE(dwtest::storedMessages(*store, session),
                 QStringList{QStringLiteral("user:complete:Q1 edited")});
        QCOMPARE(history.messageIds()[0], q1); // edited in place
        QCOMPARE(store->session(session)->title, std::string("Q1 edited"));
        s.append(ChatRole::Assistant, QStringLiteral("A1'"));
        QCOMPARE(dwtest::storedMessages(*store, session),
                 (QStringList{QStringLiteral("user:complete:Q1 edited"),
                              QStringLiteral("assistant:complete:A1'")}));
    }

    void settingsAndModelAreKeptWithTheSession() {
        auto store = dwtest::openStore(freshPath(), m_clock);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        history.setModelPath(QStringLiteral("/models/tiny.gguf")); // empty session: at once
        QCOMPARE(store->session(history.currentSessionId())->settings.modelPath,
                 std::string("/models/tiny.gguf"));
        SessionSettings st = chat.session.settings();
        st.systemPrompt = QStringLiteral("Answer in French.");
        st.preset = SamplingPreset::Precise;
        st.generate.sampling = presetParams(SamplingPreset::Precise);
        chat.session.setSettings(st);
        QTRY_COMPARE(toQString(store->session(history.currentSessionId())->settings.systemPrompt),
                     QStringLiteral("Answer in French."));
        SessionSettings back = ChatSession().settings();
        QVERIFY(applySamplingJson(
            toQString(store->session(history.currentSessionId())->settings.samplingJson), back));
        QCOMPARE(back.preset, SamplingPreset::Precise);
    }

    void newConversationMakesANewSessionUnlessEmpty() {
        auto store = dwtest::openStore(freshPath(), m_clock);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        QSignalSpy current(&history, &HistoryController::currentSessionChanged);
        const qint64 first = history.currentSessionId();
        chat.controller.newSession(); // still empty: the same session goes on
        QCOMPARE(history.currentSessionId(), first);
        chat.session.append(ChatRole::User, QStringLiteral("Something"));
        const int row = chat.session.append(ChatRole::Assistant, QString(), true);
        chat.session.appendText(row, QStringLiteral("partial"));
        chat.controller.newSession(); // Ctrl+N while the reply streams
        QVERIFY(history.currentSessionId() != first);
        QCOMPARE(current.count(), 1);
        QCOMPARE(dwtest::storedMessages(*store, first),
                 (QStringList{QStringLiteral("user:complete:Something"),
                              QStringLiteral("assistant:cancelled:partial")}));
        QCOMPARE(store->listSessions().size(), size_t(2));
        // The next start continues the empty newest session instead of adding another.
        HistoryController again(&chat.controller, store.get());
        QCOMPARE(again.currentSessionId(), history.currentSessionId());
    }

    void openingASessionLoadsItAndItContinues() {
        auto store = dwtest::openStore(freshPath(), m_clock);
        const qint64 old = store->createSession(
            {"Be terse.",
             R"({"preset":"creative","temperature":1.1,"topK":80,"topP":0.98,"minP":0.02,"repeatPenalty":1.05,"maxTokens":99})",
             "/models/old.gguf"});
        store->appendMessage(old, Role::User, "What is a lighthouse?");
        store->appendMessage(old, Role::Assistant, "A tower with a", MessageState::Interrupted);
        dwtest::Chat chat;
        QAbstractItemModelTester tester(&chat.session,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        chat.session.append(ChatRole::User, QStringLiteral("a draft conversation, replaced below"));
        HistoryController history(&chat.controller, store.get());
        history.setModelPath(QStringLiteral("/models/new.gguf"));
        QSignalSpy notice(&history, &HistoryController::notice);
        QVERIFY(history.openSession(old));
        QCOMPARE(history.currentSessionId(), old);
        QCOMPARE(chat.session.count(), 2);
        QCOMPARE(chat.session.at(0).text, QStringLiteral("What is a lighthouse?"));
        const ChatEntry& reply = chat.session.at(1);
        QVERIFY(reply.interrupted && reply.finished);
        QCOMPARE(reply.text, QStringLiteral("A tower with a"));
        QVERIFY(finishStateText(reply).contains(QStringLiteral("Interrupted")));
        QCOMPARE(chat.session.settings().systemPrompt, QStringLiteral("Be terse."));
        QCOMPARE(chat.session.settings().preset, SamplingPreset::Custom); // 1.1 is not Creative's
        QCOMPARE(chat.session.settings().generate.maxTokens, 99);
        QCOMPARE(notice.count(), 1);
        QVERIFY(notice.at(0).at(0).toString().contains(QStringLiteral("old.gguf")));
        // Continue it: regenerate the cut-off reply, then a new question.
        chat.session.removeFrom(1);
        chat.session.append(ChatRole::Assistant, QStringLiteral("A tower with a light."));
        chat.session.append(ChatRole::User, QStringLiteral("Who keeps it?"));
        QCOMPARE(dwtest::storedMessages(*store, old),
                 (QStringList{QStringLiteral("user:complete:What is a lighthouse?"),
                              QStringLiteral("assistant:complete:A tower with a light."),
                              QStringLiteral("user:complete:Who keeps it?")}));
        QVERIFY(!history.openSession(987654)); // no such session: nothing changes
        QCOMPARE(history.currentSessionId(), old);
    }

    void deletingTheOpenSessionStartsANewOne() {
        auto store = dwtest::openStore(freshPath(), m_clock);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        chat.session.append(ChatRole::User, QStringLiteral("To be deleted"));
        const qint64 doomed = history.currentSessionId();
        QVERIFY(history.deleteSession(doomed));
        QCOMPARE(chat.session.count(), 0);
        QVERIFY(history.currentSessionId() != doomed);
        QVERIFY(store->session(doomed)->deletedAt.has_value());
        QVERIFY(history.undoDelete(doomed));
        QVERIFY(!store->session(doomed)->deletedAt.has_value());
        QVERIFY(history.openSession(doomed));
        QCOMPARE(chat.session.count(), 1);
    }

    void aFailedWriteIsReportedAndTheChatGoesOn() {
        const QString path = freshPath();
        dwtest::openStore(path, m_clock); // the schema
        dw::store::OpenOptions o = dw::store::test::optionsWith(m_clock);
        o.maxPageCount = dwtest::raw(path, QStringLiteral("PRAGMA page_count")).toLongLong() +
                         12; // a tiny "disk"
        auto store = dw::store::HistoryStore::open(path.toStdString(), o);
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        QSignalSpy failed(&history, &HistoryController::saveFailed);
        const QString huge(400000, QLatin1Char('x'));
        chat.session.append(ChatRole::User, huge);
        QCOMPARE(chat.session.count(), 1); // the chat has it
        QVERIFY(failed.count() >= 1);
        QVERIFY2(
            failed.at(0).at(0).toString().contains(QStringLiteral("full"), Qt::CaseInsensitive),
            qPrintable(failed.at(0).at(0).toString()));
        chat.session.append(ChatRole::User, QStringLiteral("small"));
        QCOMPARE(dwtest::storedMessages(*store, history.currentSessionId()),
                 QStringList{QStringLiteral("user:complete:small")});
    }

    void withoutAStoreNothingIsSaved() {
        dwtest::Chat chat;
        HistoryController history(&chat.controller, nullptr);
        QCOMPARE(history.currentSessionId(), 0);
        chat.session.append(ChatRole::User, QStringLiteral("hi"));
        QVERIFY(!history.openSession(1));
        QVERIFY(!history.deleteSession(1));
        QCOMPARE(chat.session.count(), 1);
    }
};

QTEST_MAIN(TestHistoryController)
#include "tst_history_controller.moc"
