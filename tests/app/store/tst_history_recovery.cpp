// HistoryStore recovery: damaged files moved aside (bytes intact) with a fresh database,
// a real SIGKILL mid-reply, and a full disk.
#include "store_test_util.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace dw::store;
using namespace dw::store::test;

namespace {

// A valid history with enough rows that half of the file cuts through its tables.
void writeValidHistory(const std::string& path) {
    auto store = HistoryStore::open(path);
    for (int s = 0; s < 5; ++s) {
        const int64_t id = store->createSession();
        for (int m = 0; m < 40; ++m)
            store->appendMessage(id, m % 2 ? Role::Assistant : Role::User,
                                 std::string(400, char('a' + m % 26)) + std::to_string(m));
    }
} // closing checkpoints the WAL into the main file and removes it

std::string expectedStream(long lastIndex) {
    std::string text;
    for (long i = 0; i <= lastIndex; ++i) text += "word" + std::to_string(i) + " ";
    return text;
}

} // namespace

class TestHistoryRecovery : public QObject {
    Q_OBJECT
private slots:
    void damagedFileMovedAside_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("random bytes") << "random";
        QTest::newRow("random bytes with a WAL") << "random+wal";
        QTest::newRow("valid database truncated to half") << "truncated";
        QTest::newRow("sqlite header then garbage") << "header";
    }

    void damagedFileMovedAside() {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("history.db");
        QByteArray bytes, walBytes;
        QRandomGenerator rng(1234);
        auto randomBytes = [&](int n) {
            QByteArray b(n, 0);
            for (char& c : b) c = char(rng.bounded(256));
            return b;
        };
        if (kind.startsWith("random")) {
            bytes = randomBytes(8192);
        } else if (kind == "truncated") {
            writeValidHistory(path.toStdString());
            QVERIFY(!QFileInfo::exists(path + "-wal"));
            const QByteArray full = readBytes(path);
            QVERIFY(full.size() > 64 * 1024);
            bytes = full.left(full.size() / 2);
        } else {
            bytes = QByteArray("SQLite format 3", 16) + randomBytes(4096 - 16);
        }
        QVERIFY(writeBytes(path, bytes));
        if (kind.endsWith("+wal")) {
            walBytes = randomBytes(5000);
            QVERIFY(writeBytes(path + "-wal", walBytes));
        }

        auto store = HistoryStore::open(path.toStdString());
        const OpenReport& report = store->openReport();
        QCOMPARE(report.outcome, OpenReport::Outcome::RecoveredFromCorruption);
        const QString movedTo = q(report.movedTo);
        QVERIFY2(QFileInfo(movedTo).fileName().startsWith("history.db.corrupt-"),
                 qPrintable(movedTo));
        QCOMPARE(QFileInfo(movedTo).absolutePath(), QFileInfo(path).absolutePath());
        QCOMPARE(readBytes(movedTo), bytes); // kept byte for byte
        if (!walBytes.isEmpty()) QCOMPARE(readBytes(movedTo + "-wal"), walBytes);
        QVERIFY2(q(report.message).contains(movedTo) && q(report.message).contains("damaged"),
                 report.message.c_str());
        QVERIFY(!report.problem.empty());

        // The fresh database works.
        QVERIFY(store->listSessions().empty());
        const int64_t s = store->createSession();
        store->appendMessage(s, Role::User, "after recovery");
        QCOMPARE(store->messages(s).size(), size_t(1));
        store.reset();
        auto again = HistoryStore::open(path.toStdString());
        QCOMPARE(again->openReport().outcome, OpenReport::Outcome::Opened);
        QCOMPARE(again->listSessions().size(), size_t(1));
        // Only the files that were there: not the empty -wal/-shm SQLite made while looking.
        QCOMPARE(QDir(dir.path()).entryList({"history.db.corrupt-*"}, QDir::Files).size(),
                 walBytes.isEmpty() ? 1 : 2);
    }

    void secondRecoveryGetsItsOwnName() {
        QTemporaryDir dir;
        const QString path = dir.filePath("h.db");
        FakeClock clock;
        std::vector<std::string> moved;
        for (int i = 0; i < 2; ++i) {
            QVERIFY(writeBytes(path, QByteArray(3000, char('x' + i))));
            *clock.now = 1'700'000'000'000; // same second both times
            auto store = HistoryStore::open(path.toStdString(), optionsWith(clock));
            moved.push_back(store->openReport().movedTo);
        }
        QVERIFY(moved[0] != moved[1]);
        QCOMPARE(readBytes(q(moved[0])), QByteArray(3000, 'x'));
        QCOMPARE(readBytes(q(moved[1])), QByteArray(3000, 'y'));
    }

    void killedMidReplyKeepsWhatWasCommitted() {
        QTemporaryDir dir;
        const QString path = dir.filePath("crash.db");
        QProcess helper;
        helper.start(DW_STORE_CRASH_HELPER, {path});
        QVERIFY2(helper.waitForStarted(), qPrintable(helper.errorString()));
        // Read until the reply has been updated a good number of times, then SIGKILL.
        QByteArray out;
        long lastUpdate = -1;
        while (lastUpdate < 200) {
            if (!helper.waitForReadyRead(30000))
                QFAIL(qPrintable("helper stopped: " + helper.readAllStandardError()));
            out += helper.readAllStandardOutput();
            const qsizetype end = out.lastIndexOf('\n');
            const qsizetype start = out.lastIndexOf("UPDATE ", end);
            if (start >= 0) lastUpdate = out.mid(start + 7, end - start - 7).toLong();
        }
        helper.kill(); // SIGKILL: no destructor, no checkpoint, no close
        QVERIFY(helper.waitForFinished(30000));
        QCOMPARE(helper.exitStatus(), QProcess::CrashExit);
        QVERIFY(QFileInfo::exists(path + "-wal")); // the commits are still in the WAL

        auto store = HistoryStore::open(path.toStdString());
        QCOMPARE(store->openReport().outcome, OpenReport::Outcome::Opened);
        QCOMPARE(store->openReport().interruptedMessages, 1);
        const auto sessions = store->listSessions();
        QCOMPARE(sessions.size(), size_t(1));
        QCOMPARE(sessions[0].title, std::string("Tell me a story about a lighthouse."));
        const auto msgs = store->messages(sessions[0].id);
        QCOMPARE(msgs.size(), size_t(2));
        QCOMPARE(msgs[0].role, Role::User);
        QCOMPARE(msgs[0].content, std::string("Tell me a story about a lighthouse."));
        QCOMPARE(msgs[1].state, MessageState::Interrupted);
        // Every update reported before the kill is on disk; one more may have landed.
        const std::string& reply = msgs[1].content;
        long stored = lastUpdate;
        while (expectedStream(stored).size() < reply.size()) ++stored;
        QVERIFY2(reply == expectedStream(stored) && stored <= lastUpdate + 1,
                 qPrintable(QString("stored %1 chars, last reported update %2")
                                .arg(reply.size())
                                .arg(lastUpdate)));
        QCOMPARE(rawQuery(path.toStdString(), "PRAGMA integrity_check"), std::string("ok"));
        QCOMPARE(store->search("word" + std::to_string(lastUpdate)).size(), size_t(1));
    }

    void diskFullIsAClearErrorAndLosesNothing() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("full.db").toStdString();
        HistoryStore::open(path); // create the schema
        const int64_t pages = std::stoll(rawQuery(path, "PRAGMA page_count"));
        OpenOptions limited;
        limited.maxPageCount = pages + 12;
        auto store = HistoryStore::open(path, limited);
        const int64_t s = store->createSession();
        std::vector<std::string> written;
        bool full = false;
        for (int i = 0; i < 500 && !full; ++i) {
            std::string text = "message " + std::to_string(i) + " ";
            for (int k = 0; k < 150; ++k) text += std::to_string(i * 1000 + k) + " ";
            try {
                store->appendMessage(s, Role::User, text);
                written.push_back(text);
            } catch (const StoreError& e) {
                QCOMPARE(e.kind(), StoreErrorKind::DiskFull);
                QVERIFY2(QString(e.what()).contains("disk is full") &&
                             QString(e.what()).contains(q(path)),
                         e.what());
                full = true;
            }
        }
        QVERIFY(full);
        QVERIFY(written.size() >= 2);
        auto check = [&](HistoryStore& st) { // the user messages that were accepted
            std::vector<std::string> users;
            for (const Message& m : st.messages(s))
                if (m.role == Role::User) users.push_back(m.content);
            QCOMPARE(users, written);
        };
        check(*store);
        // A streaming update that does not fit fails; the text saved before stays.
        const int64_t a = store->beginAssistantMessage(s);
        QVERIFY(store->updateStreamingMessage(a, "short"));
        QVERIFY_THROWS_EXCEPTION(StoreError,
                                 store->updateStreamingMessage(a, std::string(200000, 'z')));
        QCOMPARE(store->message(a)->content, std::string("short"));
        // An import that does not fit writes nothing.
        const std::string doc = store->exportJson({s});
        QVERIFY_THROWS_EXCEPTION(StoreError, store->importJson(doc));
        QCOMPARE(store->listSessions().size(), size_t(1));
        store.reset();

        auto reopened = HistoryStore::open(path); // no limit: room again
        check(*reopened);
        QCOMPARE(rawQuery(path, "PRAGMA integrity_check"), std::string("ok"));
        QCOMPARE(reopened->openReport().interruptedMessages, 1);
        reopened->appendMessage(s, Role::User, "fits now");
    }
};

QTEST_APPLESS_MAIN(TestHistoryRecovery)
#include "tst_history_recovery.moc"
