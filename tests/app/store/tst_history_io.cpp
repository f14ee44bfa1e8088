// HistoryStore export (Markdown, JSON) and import (round trip, malformed input).
#include "store_test_util.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace dw::store;
using namespace dw::store::test;

class TestHistoryIo : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    FakeClock m_clock;
    std::unique_ptr<HistoryStore> m_store;
    int64_t m_plain = 0, m_rich = 0;

    std::vector<int64_t> allIds() {
        std::vector<int64_t> ids;
        for (const auto& s : m_store->listSessions()) ids.push_back(s.id);
        return ids;
    }
    QJsonArray sessionsOf(const std::string& json) {
        return QJsonDocument::fromJson(QByteArray::fromStdString(json))
            .object()["sessions"]
            .toArray();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_store = HistoryStore::open(m_dir.filePath("io.db").toStdString(), optionsWith(m_clock));
        m_plain = m_store->createSession();
        m_store->appendMessage(m_plain, Role::User, "Plain question");
        m_store->appendMessage(m_plain, Role::Assistant, "Plain answer");

        m_rich = m_store->createSession({"Answer in **Markdown**.\nBe kind.",
                                         R"({"temperature":0.7,"top_k":40})", "/models/g.gguf"});
        m_store->appendMessage(m_rich, Role::System, "system note");
        m_store->appendMessage(m_rich, Role::User, "写一首关于\"灯塔\"的诗 🚨\nwith\ttabs & <tags>");
        const int64_t a = m_store->beginAssistantMessage(m_rich);
        m_store->updateStreamingMessage(a, "海风轻拂…");
        m_store->finishMessage(a, MessageState::Cancelled, {17, 5, 120.5, 33.25, "cancelled"});
        const int64_t b = m_store->beginAssistantMessage(m_rich);
        m_store->finishMessage(b, MessageState::Error, {}, "partial before error");
        m_store->renameSession(m_rich, "Lighthouse poem");
    }

    void markdownExport() {
        const QString md = q(m_store->exportMarkdown(m_rich));
        QVERIFY2(md.startsWith("# Lighthouse poem\n"), qPrintable(md));
        QVERIFY(md.contains("model `/models/g.gguf`"));
        QVERIFY(md.contains("> Answer in **Markdown**.\n> Be kind.\n"));
        const qsizetype sys = md.indexOf("## System\n\nsystem note");
        const qsizetype user = md.indexOf(
            QString::fromUtf8("## User\n\n写一首关于\"灯塔\"的诗 🚨\nwith\ttabs & <tags>"));
        const qsizetype reply =
            md.indexOf(QString::fromUtf8("## Assistant\n\n海风轻拂…\n\n*(cancelled)*"));
        const qsizetype err = md.indexOf("## Assistant\n\npartial before error\n\n*(error)*");
        QVERIFY(sys > 0);
        QVERIFY(user > sys);
        QVERIFY(reply > user);
        QVERIFY(err > reply);
        const QString plain = q(m_store->exportMarkdown(m_plain));
        QVERIFY(plain.startsWith("# Plain question\n"));
        QVERIFY(!plain.contains("System prompt"));
        QVERIFY(!plain.contains("*(")); // complete messages carry no state note
        QVERIFY_THROWS_EXCEPTION(StoreError, m_store->exportMarkdown(987654));
    }

    void jsonHasVersionedFormat() {
        const QJsonObject doc =
            QJsonDocument::fromJson(QByteArray::fromStdString(m_store->exportJson({m_rich})))
                .object();
        QCOMPARE(doc["format"].toString(), QString("deepwell-history"));
        QCOMPARE(doc["version"].toInt(), 1);
        const QJsonObject s = doc["sessions"].toArray()[0].toObject();
        QCOMPARE(s["title"].toString(), QString("Lighthouse poem"));
        QCOMPARE(s["titleIsCustom"].toBool(), true);
        QCOMPARE(s["samplingJson"].toString(), QString(R"({"temperature":0.7,"top_k":40})"));
        const QJsonArray msgs = s["messages"].toArray();
        QCOMPARE(msgs.size(), 4);
        QCOMPARE(msgs[2].toObject()["state"].toString(), QString("cancelled"));
        QCOMPARE(msgs[2].toObject()["promptTokens"].toInt(), 17);
        QCOMPARE(msgs[2].toObject()["tokensPerS"].toDouble(), 33.25);
        QVERIFY(msgs[3].toObject()["promptTokens"].isNull());
    }

    void jsonRoundTrip() {
        const std::vector<int64_t> source = {m_plain, m_rich};
        const std::string json = m_store->exportJson(source);
        const auto imported = m_store->importJson(json);
        QCOMPARE(imported.size(), size_t(2));
        for (size_t i = 0; i < source.size(); ++i) {
            const Session a = *m_store->session(source[i]), b = *m_store->session(imported[i]);
            QVERIFY(a.id != b.id);
            QCOMPARE(b.title, a.title);
            QCOMPARE(b.titleIsCustom, a.titleIsCustom);
            QCOMPARE(b.createdAt, a.createdAt);
            QCOMPARE(b.updatedAt, a.updatedAt);
            QCOMPARE(b.settings, a.settings);
            const auto ma = m_store->messages(a.id), mb = m_store->messages(b.id);
            QCOMPARE(mb.size(), ma.size());
            for (size_t k = 0; k < ma.size(); ++k) {
                QCOMPARE(mb[k].role, ma[k].role);
                QCOMPARE(mb[k].content, ma[k].content);
                QCOMPARE(mb[k].state, ma[k].state);
                QCOMPARE(mb[k].ordinal, ma[k].ordinal);
                QCOMPARE(mb[k].createdAt, ma[k].createdAt);
                QCOMPARE(mb[k].updatedAt, ma[k].updatedAt);
                QCOMPARE(mb[k].stats, ma[k].stats);
            }
        }
        // Exporting the copies gives the same sessions, byte for byte once parsed.
        QCOMPARE(sessionsOf(m_store->exportJson(imported)), sessionsOf(json));
        // Imported messages are searchable.
        QCOMPARE(m_store->search("灯塔").size(), size_t(2));
    }

    void malformedImports_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected"); // part of the error message
        const QString good = R"({"title":"ok","messages":[{"role":"user","content":"hi"}]})";
        auto doc = [&](const QString& second) {
            return R"({"format":"deepwell-history","version":1,"sessions":[)" + good + "," +
                   second + "]}";
        };
        QTest::newRow("not json") << "this is { not json"
                                  << "not valid JSON";
        QTest::newRow("empty") << ""
                               << "not valid JSON";
        QTest::newRow("top-level array") << "[1,2]"
                                         << "expected a JSON object at the top level, found array";
        QTest::newRow("missing format") << R"({"version":1,"sessions":[]})"
                                        << "format: missing";
        QTest::newRow("wrong format tag")
            << R"({"format":"chatgpt-export","version":1,"sessions":[]})"
            << "format: expected \"deepwell-history\", found \"chatgpt-export\"";
        QTest::newRow("newer version")
            << R"({"format":"deepwell-history","version":2,"sessions":[]})"
            << "version: 2 is newer";
        QTest::newRow("version zero")
            << R"({"format":"deepwell-history","version":0,"sessions":[]})"
            << "version: 0 is not a known version";
        QTest::newRow("version as text")
            << R"({"format":"deepwell-history","version":"1","sessions":[]})"
            << "version: expected an integer, found string";
        QTest::newRow("sessions missing") << R"({"format":"deepwell-history","version":1})"
                                          << "sessions: missing";
        QTest::newRow("sessions not array")
            << R"({"format":"deepwell-history","version":1,"sessions":{}})"
            << "sessions: expected an array, found object";
        QTest::newRow("session not object")
            << doc("42") << "sessions[1]: expected an object, found number";
        QTest::newRow("missing title") << doc(R"({"messages":[]})") << "sessions[1].title: missing";
        QTest::newRow("missing messages")
            << doc(R"({"title":"x"})") << "sessions[1].messages: missing";
        QTest::newRow("bad role")
            << doc(R"({"title":"x","messages":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]})")
            << "sessions[1].messages[1].role: \"robot\" is not one of user, assistant, system";
        QTest::newRow("missing content") << doc(R"({"title":"x","messages":[{"role":"user"}]})")
                                         << "sessions[1].messages[0].content: missing";
        QTest::newRow("content not string")
            << doc(R"({"title":"x","messages":[{"role":"user","content":5}]})")
            << "sessions[1].messages[0].content: expected a string, found number";
        QTest::newRow("bad state")
            << doc(R"({"title":"x","messages":[{"role":"user","content":"a","state":"done"}]})")
            << "sessions[1].messages[0].state: \"done\" is not one of";
        QTest::newRow("time as text")
            << doc(R"({"title":"x","createdAt":"yesterday","messages":[]})")
            << "sessions[1].createdAt: expected an integer, found string";
        QTest::newRow("huge time")
            << doc(R"({"title":"x","createdAt":18446744073709551615,"messages":[]})")
            << "sessions[1].createdAt: the number is too large";
        QTest::newRow("stats not number")
            << doc(R"({"title":"x","messages":[{"role":"assistant","content":"a","ttftMs":"fast"}]})")
            << "sessions[1].messages[0].ttftMs: expected a number, found string";
    }

    void malformedImports() {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        const size_t sessionsBefore = m_store->listSessions().size();
        const std::string before = m_store->exportJson(allIds());
        try {
            m_store->importJson(json.toStdString());
            QFAIL("malformed input was imported");
        } catch (const StoreError& e) {
            QCOMPARE(e.kind(), StoreErrorKind::BadImport);
            QVERIFY2(QString(e.what()).contains(expected), e.what());
            QVERIFY2(QString(e.what()).contains("Nothing was imported"), e.what());
        }
        QCOMPARE(m_store->listSessions().size(), sessionsBefore);
        QCOMPARE(sessionsOf(m_store->exportJson(allIds())), sessionsOf(before));
    }

    void importDefaultsAndStreamingState() {
        const std::string json =
            R"({"format":"deepwell-history","version":1,"futureField":true,"sessions":[
                {"title":"","messages":[{"role":"user","content":"Imported first line\nrest"},
                 {"role":"assistant","content":"half","state":"streaming"}]}]})";
        const auto ids = m_store->importJson(json);
        QCOMPARE(ids.size(), size_t(1));
        const Session s = *m_store->session(ids[0]);
        QCOMPARE(s.title, std::string("Imported first line")); // automatic title rule
        QVERIFY(!s.titleIsCustom);
        const auto msgs = m_store->messages(ids[0]);
        QCOMPARE(msgs[1].state, MessageState::Interrupted); // nothing streams into an import
        QVERIFY(m_store->importJson(R"({"format":"deepwell-history","version":1,"sessions":[]})")
                    .empty());
    }
};

QTEST_APPLESS_MAIN(TestHistoryIo)
#include "tst_history_io.moc"
