// HistoryStore::search: highlight markers, literal handling of FTS5 syntax, Chinese
// substrings, index kept in sync through streaming, edits, deletes and crash recovery.
#include "store_test_util.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace dw::store;
using namespace dw::store::test;

namespace {

const char* const kFox = "The quick brown fox jumps over the lazy dog.";
const char* const kSyntax = "Try NEAR(fox dog) or \"quoted text\" with 2*3 and a-b; col:val ^caret";
const char* const kChinese = "我们正在测试大语言模型的中文搜索功能，效果很好。";
const char* const kPercent = "Progress: 100% done_now";

} // namespace

class TestHistorySearch : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::unique_ptr<HistoryStore> m_store;
    int64_t m_session = 0;
    int64_t m_fox = 0, m_syntax = 0, m_chinese = 0, m_percent = 0;

    std::vector<int64_t> ids(const std::vector<SearchHit>& hits) {
        std::vector<int64_t> out;
        for (const auto& h : hits) out.push_back(h.messageId);
        std::sort(out.begin(), out.end());
        return out;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_store = HistoryStore::open(m_dir.filePath("search.db").toStdString());
        m_session = m_store->createSession();
        m_fox = m_store->appendMessage(m_session, Role::User, kFox);
        m_syntax = m_store->appendMessage(m_session, Role::Assistant, kSyntax);
        m_chinese = m_store->appendMessage(m_session, Role::User, kChinese);
        m_percent = m_store->appendMessage(m_session, Role::Assistant, kPercent);
    }

    void queries_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QList<qint64>>("expected"); // which messages (by tag below)
        QTest::addColumn<QString>("snippetPart");    // must appear in the first hit's snippet
        auto ids = [](std::initializer_list<qint64> tags) { return QList<qint64>(tags); };
        // Tags: 1 = fox, 2 = syntax, 3 = chinese, 4 = percent.
        QTest::newRow("word") << "fox" << ids({1, 2}) << "[fox]";
        QTest::newRow("case-insensitive") << "QUICK" << ids({1}) << "[quick]";
        QTest::newRow("two terms are AND") << "brown lazy" << ids({1}) << "[brown]";
        QTest::newRow("substring") << "umps" << ids({1}) << "j[umps]";
        QTest::newRow("no match") << "elephant" << ids({}) << "";
        QTest::newRow("chinese 4 chars") << "语言模型" << ids({3}) << "大[语言模型]的";
        QTest::newRow("chinese 2 chars") << "模型" << ids({3}) << "[模型]";
        QTest::newRow("chinese two terms") << "中文搜索 效果" << ids({3}) << "[中文搜索]";
        QTest::newRow("chinese absent") << "英文" << ids({}) << "";
        QTest::newRow("NEAR( literal") << "NEAR(fox" << ids({2}) << "[NEAR(fox]";
        QTest::newRow("quote inside") << "\"quoted" << ids({2}) << "[\"quoted]";
        QTest::newRow("lone quote") << "\"" << ids({2}) << "[\"]";
        QTest::newRow("lone star") << "*" << ids({2}) << "[*]";
        QTest::newRow("star in term") << "2*3" << ids({2}) << "[2*3]";
        QTest::newRow("OR is text") << "OR" << ids({2}) << "[or]";
        QTest::newRow("AND is text") << "AND" << ids({2}) << "[and]";
        QTest::newRow("column filter is text") << "col:val" << ids({2}) << "[col:val]";
        QTest::newRow("caret") << "^caret" << ids({2}) << "[^caret]";
        QTest::newRow("minus") << "-b" << ids({2}) << "a[-b]";
        QTest::newRow("unbalanced paren") << "(" << ids({2}) << "[(]";
        QTest::newRow("percent is literal") << "100%" << ids({4}) << "[100%]";
        QTest::newRow("underscore is literal") << "_" << ids({4}) << "done[_]now";
        QTest::newRow("short percent") << "%" << ids({4}) << "[%]";
        QTest::newRow("blank query") << "   " << ids({}) << "";
    }

    void queries() {
        QFETCH(QString, query);
        QFETCH(QList<qint64>, expected);
        QFETCH(QString, snippetPart);
        const int64_t byTag[] = {0, m_fox, m_syntax, m_chinese, m_percent};
        std::vector<int64_t> want;
        for (qint64 tag : expected) want.push_back(byTag[tag]);
        std::sort(want.begin(), want.end());

        std::vector<SearchHit> hits;
        try {
            hits = m_store->search(query.toStdString());
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        QCOMPARE(ids(hits), want);
        for (const auto& h : hits) {
            QCOMPARE(h.sessionId, m_session);
            QVERIFY(!h.snippet.empty());
        }
        if (!snippetPart.isEmpty()) {
            bool found = false;
            for (const auto& h : hits)
                found |= q(h.snippet).contains(snippetPart, Qt::CaseInsensitive);
            QVERIFY2(found, qPrintable(q(hits.empty() ? "" : hits[0].snippet)));
        }
    }

    void customMarkersAndTitle() {
        SearchOptions o;
        o.highlightOpen = "<mark>";
        o.highlightClose = "</mark>";
        const auto hits = m_store->search("lazy", o);
        QCOMPARE(hits.size(), size_t(1));
        QVERIFY2(q(hits[0].snippet).contains("<mark>lazy</mark>"), hits[0].snippet.c_str());
        QCOMPARE(hits[0].sessionTitle, m_store->session(m_session)->title);
        QCOMPARE(hits[0].role, Role::User);
        const auto shortHits = m_store->search("模型", o);
        QCOMPARE(shortHits.size(), size_t(1));
        QVERIFY(q(shortHits[0].snippet).contains(QString::fromUtf8("<mark>模型</mark>")));
    }

    void longMessageSnippetIsAnExcerpt() {
        const int64_t s = m_store->createSession();
        std::string text;
        for (int i = 0; i < 200; ++i) text += "filler ";
        text += "needle";
        for (int i = 0; i < 200; ++i) text += " padding";
        const int64_t id = m_store->appendMessage(s, Role::User, text);
        for (const char* query : {"needle", "ne"}) {
            auto hits = m_store->search(query);
            auto it = std::find_if(hits.begin(), hits.end(),
                                   [&](const SearchHit& h) { return h.messageId == id; });
            QVERIFY(it != hits.end());
            QVERIFY2(it->snippet.size() < 400, it->snippet.c_str());
            QVERIFY2(q(it->snippet).contains("[ne"), it->snippet.c_str());
            QVERIFY(q(it->snippet).startsWith(QChar(0x2026)));
        }
        m_store->deleteSession(s);
    }

    void limitIsRespected() {
        const int64_t s = m_store->createSession();
        for (int i = 0; i < 10; ++i) m_store->appendMessage(s, Role::User, "repeated phrase");
        QCOMPARE(m_store->search("repeated", {.limit = 3}).size(), size_t(3));
        QCOMPARE(m_store->search("re", {.limit = 4}).size(), size_t(4));
        QCOMPARE(m_store->search("repeated", {.limit = 0}).size(), size_t(0));
        m_store->deleteSession(s);
        QVERIFY(m_store->search("repeated").empty());
    }

    void indexFollowsStreamingAndEdits() {
        const int64_t s = m_store->createSession();
        const int64_t a = m_store->beginAssistantMessage(s);
        QVERIFY(m_store->updateStreamingMessage(a, "zebra crossing"));
        QVERIFY(m_store->search("zebra").empty()); // not searchable while streaming
        QVERIFY(m_store->updateStreamingMessage(a, "zebra crossing at noon"));
        QVERIFY(m_store->finishMessage(a, MessageState::Complete));
        QCOMPARE(m_store->search("noon").size(), size_t(1));
        QCOMPARE(m_store->search("zebra").size(), size_t(1));

        m_store->editMessage(a, "giraffe");
        QVERIFY(m_store->search("zebra").empty());
        QCOMPARE(m_store->search("giraffe").size(), size_t(1));
        QCOMPARE(m_store->truncateAfter(s, -1), 1);
        QVERIFY(m_store->search("giraffe").empty());
        m_store->deleteSession(s);
    }

    void interruptedReplyIsSearchableAfterReopen() {
        const QString path = m_dir.filePath("crashsearch.db");
        const QString copy = m_dir.filePath("crashsearch-copy.db");
        auto store = HistoryStore::open(path.toStdString());
        const int64_t s = store->createSession();
        const int64_t a = store->beginAssistantMessage(s);
        store->updateStreamingMessage(a, "platypus facts");
        QVERIFY(QFile::copy(path, copy));
        QVERIFY(QFile::copy(path + "-wal", copy + "-wal"));
        auto reopened = HistoryStore::open(copy.toStdString());
        const auto hits = reopened->search("platypus");
        QCOMPARE(hits.size(), size_t(1));
        QCOMPARE(hits[0].messageId, a);
    }
};

QTEST_APPLESS_MAIN(TestHistorySearch)
#include "tst_history_search.moc"
