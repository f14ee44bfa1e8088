// HistoryStore: opening and migrations, sessions, messages, titles, streaming, delete/undo,
// duplicate, threads.
#include "store/title.h"
#include "store_test_util.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace dw::store;
using namespace dw::store::test;

class TestHistoryStore : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string dbPath(const char* name) { return m_dir.filePath(name).toStdString(); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void openCreatesFolderAndSchema() {
        const std::string path = dbPath("nested/folder/history.db");
        auto store = HistoryStore::open(path);
        QVERIFY(QFileInfo::exists(q(path)));
        QCOMPARE(store->openReport().outcome, OpenReport::Outcome::Created);
        QCOMPARE(store->openReport().fromVersion, 0);
        QCOMPARE(store->openReport().toVersion, HistoryStore::schemaVersion());
        QVERIFY(store->openReport().movedTo.empty());
        QCOMPARE(rawQuery(path, "PRAGMA journal_mode"), std::string("wal"));
        QCOMPARE(rawQuery(path, "PRAGMA user_version"),
                 std::to_string(HistoryStore::schemaVersion()));
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                "('sessions','messages','message_search')"),
                 std::string("3"));
    }

    void reopenIsIdempotent() {
        const std::string path = dbPath("reopen.db");
        int64_t sid = 0;
        {
            auto store = HistoryStore::open(path);
            sid = store->createSession({"Be brief.", "{\"temp\":0.7}", "/m/a.gguf"});
            store->appendMessage(sid, Role::User, "hello");
        }
        for (int round = 0; round < 2; ++round) {
            auto store = HistoryStore::open(path);
            QCOMPARE(store->openReport().outcome, OpenReport::Outcome::Opened);
            QCOMPARE(store->openReport().fromVersion, HistoryStore::schemaVersion());
            QCOMPARE(store->openReport().interruptedMessages, 0);
            QVERIFY(store->openReport().message.empty());
            QCOMPARE(store->listSessions().size(), size_t(1));
            QCOMPARE(store->messages(sid).size(), size_t(1));
            QCOMPARE(store->session(sid)->settings.samplingJson, std::string("{\"temp\":0.7}"));
        }
    }

    void zeroLengthFileIsFresh() {
        const QString path = m_dir.filePath("empty.db");
        QVERIFY(writeBytes(path, {}));
        auto store = HistoryStore::open(path.toStdString());
        QCOMPARE(store->openReport().outcome, OpenReport::Outcome::Created);
        QVERIFY(store->createSession() > 0);
        const QStringList aside = QDir(m_dir.path()).entryList({"empty.db.corrupt*"});
        QVERIFY2(aside.isEmpty(), qPrintable(aside.join(',')));
    }

    void newerVersionRefusedUntouched() {
        const std::string path = dbPath("newer.db");
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "CREATE TABLE future(x); PRAGMA user_version = 99;", nullptr,
                              nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        const QByteArray before = readBytes(q(path));
        try {
            HistoryStore::open(path);
            QFAIL("a database from a newer version was opened");
        } catch (const StoreError& e) {
            QCOMPARE(e.kind(), StoreErrorKind::NewerVersion);
            const QString msg = e.what();
            QVERIFY2(msg.contains(q(path)) && msg.contains("newer") && msg.contains("99"),
                     e.what());
        }
        QCOMPARE(readBytes(q(path)), before);
        QCOMPARE(rawQuery(path, "PRAGMA user_version"), std::string("99"));
    }

    void foreignDatabaseRefusedUntouched() {
        const std::string path = dbPath("foreign.db");
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "CREATE TABLE contacts(name); INSERT INTO contacts VALUES('x');",
                              nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        const QByteArray before = readBytes(q(path));
        QVERIFY_THROWS_EXCEPTION(StoreError, HistoryStore::open(path));
        try {
            HistoryStore::open(path);
        } catch (const StoreError& e) {
            QCOMPARE(e.kind(), StoreErrorKind::NotHistoryDatabase);
        }
        QCOMPARE(readBytes(q(path)), before);
    }

    void unwritableLocationIsAClearError() {
        // A regular file where a folder should be: fails for every user, root included.
        const QString blocker = m_dir.filePath("blocker");
        QVERIFY(writeBytes(blocker, "not a folder"));
        const std::string path = (blocker + "/sub/history.db").toStdString();
        try {
            HistoryStore::open(path);
            QFAIL("opened a database below a regular file");
        } catch (const StoreError& e) {
            QCOMPARE(e.kind(), StoreErrorKind::CannotOpen);
            QVERIFY2(QString(e.what()).contains(blocker), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(StoreError, HistoryStore::open(""));
    }

    void sessionsCrudAndOrdering() {
        FakeClock clock;
        auto store = HistoryStore::open(dbPath("crud.db"), optionsWith(clock));
        const int64_t a = store->createSession({"sys A", "{}", "/m/a.gguf"});
        const int64_t b = store->createSession();
        const int64_t c = store->createSession();
        auto list = store->listSessions();
        QCOMPARE(list.size(), size_t(3));
        QCOMPARE(list[0].id, c); // newest first
        QCOMPARE(list[2].id, a);
        store->appendMessage(a, Role::User, "first question");
        list = store->listSessions();
        QCOMPARE(list[0].id, a); // activity moves a session to the top
        QCOMPARE(list[1].id, c);
        QCOMPARE(list[2].id, b);
        QVERIFY(list[0].updatedAt > list[1].updatedAt);

        const Session sa = *store->session(a);
        QCOMPARE(sa.settings, (SessionSettings{"sys A", "{}", "/m/a.gguf"}));
        QVERIFY(!sa.deletedAt);
        store->setSessionSettings(b, {"new prompt", "{\"top_p\":0.9}", "/m/b.gguf"});
        QCOMPARE(store->session(b)->settings.systemPrompt, std::string("new prompt"));
        QCOMPARE(store->session(b)->settings.modelPath, std::string("/m/b.gguf"));
        QVERIFY(!store->session(987654));
        QVERIFY(!store->message(987654));

        try {
            store->renameSession(987654, "x");
            QFAIL("renamed a missing session");
        } catch (const StoreError& e) {
            QCOMPARE(e.kind(), StoreErrorKind::NotFound);
        }
        QVERIFY_THROWS_EXCEPTION(StoreError, store->appendMessage(987654, Role::User, "x"));
    }

    void messagesInOrderWithStats() {
        FakeClock clock;
        auto store = HistoryStore::open(dbPath("msgs.db"), optionsWith(clock));
        const int64_t s = store->createSession();
        const int64_t m0 = store->appendMessage(s, Role::System, "You are terse.");
        const int64_t m1 = store->appendMessage(s, Role::User, "Why is the sky blue?");
        const int64_t m2 = store->beginAssistantMessage(s);
        QVERIFY(store->updateStreamingMessage(m2, "Rayleigh"));
        QVERIFY(store->updateStreamingMessage(m2, "Rayleigh scattering"));
        MessageStats stats{12, 34, 56.5, 78.25, "stop"};
        QVERIFY(store->finishMessage(m2, MessageState::Complete, stats, "Rayleigh scattering."));
        QVERIFY(!store->updateStreamingMessage(m2, "late text")); // no longer streaming
        QVERIFY(!store->finishMessage(m2, MessageState::Cancelled));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->finishMessage(m2, MessageState::Streaming));

        const auto msgs = store->messages(s);
        QCOMPARE(msgs.size(), size_t(3));
        QCOMPARE(msgs[0].id, m0);
        QCOMPARE(msgs[1].id, m1);
        QCOMPARE(msgs[2].id, m2);
        for (int i = 0; i < 3; ++i) QCOMPARE(msgs[size_t(i)].ordinal, i);
        QCOMPARE(msgs[0].role, Role::System);
        QCOMPARE(msgs[2].role, Role::Assistant);
        QCOMPARE(msgs[2].content, std::string("Rayleigh scattering."));
        QCOMPARE(msgs[2].state, MessageState::Complete);
        QCOMPARE(msgs[2].stats, stats);
        QVERIFY(!msgs[1].stats.promptTokens); // NULL stays absent
        QCOMPARE(store->message(m1)->content, std::string("Why is the sky blue?"));
    }

    void editAndTruncate() {
        auto store = HistoryStore::open(dbPath("edit.db"));
        const int64_t s = store->createSession();
        const int64_t u0 = store->appendMessage(s, Role::User, "What is 2+2?");
        store->appendMessage(s, Role::Assistant, "5");
        store->appendMessage(s, Role::User, "Are you sure?");
        store->appendMessage(s, Role::Assistant, "Yes");
        // Edit-and-resend of the first question: keep it, drop what came after.
        store->editMessage(u0, "What is 3+3?");
        QCOMPARE(store->truncateAfter(s, 0), 3);
        auto msgs = store->messages(s);
        QCOMPARE(msgs.size(), size_t(1));
        QCOMPARE(msgs[0].content, std::string("What is 3+3?"));
        QCOMPARE(store->truncateAfter(s, 0), 0);
        const int64_t reply = store->appendMessage(s, Role::Assistant, "6");
        QCOMPARE(store->message(reply)->ordinal, 1); // ordinals stay contiguous
        QVERIFY_THROWS_EXCEPTION(StoreError, store->editMessage(987654, "x"));
    }

    void deriveTitleRule_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << "Hello there"
                               << "Hello there";
        QTest::newRow("first line only") << "Line one\nLine two"
                                         << "Line one";
        QTest::newRow("skips blank lines") << "\n  \n\t Real start  \nmore"
                                           << "Real start";
        QTest::newRow("empty") << ""
                               << "";
        QTest::newRow("only blanks") << " \n\t\n"
                                     << "";
        QTest::newRow("exactly 60") << QString(60, 'a') << QString(60, 'a');
        QTest::newRow("61 is cut") << QString(61, 'a') << QString(59, 'a') + QChar(0x2026);
        QTest::newRow("cut drops trailing space")
            << QString(58, 'a') + "  bbbb" << QString(58, 'a') + QChar(0x2026);
        const QString zh = QString::fromUtf8("我们正在测试大语言模型的中文搜索功能");
        QTest::newRow("chinese short") << zh << zh;
        QTest::newRow("chinese long") << zh.repeated(4) << zh.repeated(4).left(59) + QChar(0x2026);
        QTest::newRow("ideographic spaces trimmed")
            << QString::fromUtf8("\u3000\u3000你好，世界\u3000") << QString::fromUtf8("你好，世界");
        // U+1F600 is 4 UTF-8 bytes (a surrogate pair in QString): never split.
        const QString emoji = QString::fromUtf8("\U0001F600");
        QTest::newRow("emoji long") << emoji.repeated(70) << emoji.repeated(59) + QChar(0x2026);
    }

    void deriveTitleRule() {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        const std::string title = deriveTitle(input.toStdString());
        QCOMPARE(QString::fromStdString(title), expected);
        // Valid UTF-8: decoding and encoding again gives the same bytes.
        QCOMPARE(QString::fromUtf8(title.data(), qsizetype(title.size())).toStdString(), title);
        QVERIFY(QString::fromStdString(title).toUcs4().size() <= qsizetype(kTitleMaxChars));
    }

    void sessionTitleFollowsFirstUserMessage() {
        auto store = HistoryStore::open(dbPath("title.db"));
        const int64_t s = store->createSession();
        QCOMPARE(store->session(s)->title, std::string());
        store->appendMessage(s, Role::System, "system text is not a title");
        QCOMPARE(store->session(s)->title, std::string());
        const int64_t u = store->appendMessage(s, Role::User, "  你好，世界\nsecond line");
        QCOMPARE(store->session(s)->title, std::string("你好，世界"));
        store->appendMessage(s, Role::User, "a later question");
        QCOMPARE(store->session(s)->title, std::string("你好，世界"));
        store->editMessage(u, "Edited question");
        QCOMPARE(store->session(s)->title, std::string("Edited question"));

        store->renameSession(s, "  My chat\n");
        QCOMPARE(store->session(s)->title, std::string("My chat"));
        QVERIFY(store->session(s)->titleIsCustom);
        store->editMessage(u, "Another edit");
        QCOMPARE(store->session(s)->title, std::string("My chat"));
        store->renameSession(s, ""); // back to automatic
        QVERIFY(!store->session(s)->titleIsCustom);
        QCOMPARE(store->session(s)->title, std::string("Another edit"));
        store->truncateAfter(s, -1);
        QCOMPARE(store->session(s)->title, std::string());
    }

    void streamingSurvivesCopyWhileOpen() {
        const QString path = m_dir.filePath("stream.db");
        const QString copy = m_dir.filePath("stream-copy.db");
        auto store = HistoryStore::open(path.toStdString());
        const int64_t s = store->createSession();
        store->appendMessage(s, Role::User, "Count to three");
        const int64_t a = store->beginAssistantMessage(s);
        QVERIFY(store->updateStreamingMessage(a, "one"));
        QVERIFY(store->updateStreamingMessage(a, "one two"));
        // What a crash leaves on disk: the main file and the WAL as they are now.
        QVERIFY(QFile::copy(path, copy));
        QVERIFY(QFile::copy(path + "-wal", copy + "-wal"));
        QCOMPARE(store->message(a)->state, MessageState::Streaming);

        auto recovered = HistoryStore::open(copy.toStdString());
        QCOMPARE(recovered->openReport().interruptedMessages, 1);
        QVERIFY(QString::fromStdString(recovered->openReport().message).contains("interrupted"));
        const auto msgs = recovered->messages(s);
        QCOMPARE(msgs.size(), size_t(2));
        QCOMPARE(msgs[0].content, std::string("Count to three"));
        QCOMPARE(msgs[0].state, MessageState::Complete);
        QCOMPARE(msgs[1].content, std::string("one two"));
        QCOMPARE(msgs[1].state, MessageState::Interrupted);
        QCOMPARE(rawQuery(copy.toStdString(), "PRAGMA integrity_check"), std::string("ok"));
    }

    void softDeleteUndoPurge() {
        FakeClock clock;
        auto store = HistoryStore::open(dbPath("delete.db"), optionsWith(clock));
        const int64_t keep = store->createSession();
        const int64_t gone = store->createSession();
        store->appendMessage(gone, Role::User, "lighthouse keeper");
        store->appendMessage(keep, Role::User, "unrelated");
        QCOMPARE(store->search("lighthouse").size(), size_t(1));

        store->deleteSession(gone);
        QCOMPARE(store->listSessions().size(), size_t(1));
        QCOMPARE(store->listSessions()[0].id, keep);
        QCOMPARE(store->listDeletedSessions().size(), size_t(1));
        QVERIFY(store->session(gone)->deletedAt.has_value());
        QVERIFY(store->search("lighthouse").empty());
        QVERIFY_THROWS_EXCEPTION(StoreError, store->appendMessage(gone, Role::User, "x"));

        store->undoDelete(gone);
        QCOMPARE(store->listSessions().size(), size_t(2));
        QCOMPARE(store->search("lighthouse").size(), size_t(1));

        store->deleteSession(gone);
        const int64_t deletedAt = *store->session(gone)->deletedAt;
        QCOMPARE(store->purgeDeleted(deletedAt - 1), 0); // not old enough
        QVERIFY(store->session(gone).has_value());
        QCOMPARE(store->purgeDeleted(deletedAt), 1);
        QVERIFY(!store->session(gone));
        QVERIFY(store->messages(gone).empty());
        QVERIFY_THROWS_EXCEPTION(StoreError, store->undoDelete(gone));
        const std::string path = store->path();
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM messages WHERE session_id = " +
                                    std::to_string(gone)),
                 std::string("0"));
        // The index row went with the message (cascade delete fires the trigger).
        QCOMPARE(rawQuery(path, "SELECT count(*) FROM message_search WHERE message_search "
                                "MATCH '\"lighthouse\"'"),
                 std::string("0"));
        QCOMPARE(store->messages(keep).size(), size_t(1));
    }

    void duplicateCopiesEverything() {
        auto store = HistoryStore::open(dbPath("dup.db"));
        const int64_t s = store->createSession({"sys", "{\"t\":1}", "/m.gguf"});
        store->appendMessage(s, Role::User, "Original question");
        const int64_t a = store->beginAssistantMessage(s);
        store->updateStreamingMessage(a, "partial");
        const int64_t d = store->duplicateSession(s);
        QVERIFY(d != s);
        const Session copy = *store->session(d);
        QCOMPARE(copy.title, std::string("Original question (copy)"));
        QVERIFY(copy.titleIsCustom);
        QCOMPARE(copy.settings, store->session(s)->settings);
        const auto orig = store->messages(s), dup = store->messages(d);
        QCOMPARE(dup.size(), orig.size());
        for (size_t i = 0; i < dup.size(); ++i) {
            QCOMPARE(dup[i].content, orig[i].content);
            QCOMPARE(dup[i].role, orig[i].role);
            QCOMPARE(dup[i].ordinal, orig[i].ordinal);
            QVERIFY(dup[i].id != orig[i].id);
        }
        QCOMPARE(dup[1].state, MessageState::Interrupted); // nothing streams into a copy
        QCOMPARE(orig[1].state, MessageState::Streaming);
        store->editMessage(dup[0].id, "changed in the copy");
        QCOMPARE(store->messages(s)[0].content, std::string("Original question"));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->duplicateSession(987654));
    }

    void sharedAcrossThreads() {
        auto store = HistoryStore::open(dbPath("threads.db"));
        const int64_t s = store->createSession();
        constexpr int kThreads = 4, kEach = 25;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    const QByteArray text = QByteArray::number(t) + '-' + QByteArray::number(i);
                    store->appendMessage(s, Role::User, text.toStdString());
                }
            });
        for (auto& th : threads) th.join();
        const auto msgs = store->messages(s);
        QCOMPARE(msgs.size(), size_t(kThreads * kEach));
        for (size_t i = 0; i < msgs.size(); ++i) QCOMPARE(msgs[i].ordinal, int(i));
    }
};

QTEST_APPLESS_MAIN(TestHistoryStore)
#include "tst_history_store.moc"
