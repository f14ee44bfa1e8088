// The history's item models under QAbstractItemModelTester (sessions newest first, kept in
// step with the store by row moves; search hits with the matches in bold and everything else
// escaped), the chat <-> store conversions, and export / import through files.
#include "chat_format.h"
#include "history_io.h"
#include "history_test_util.h"
#include "search_results_model.h"
#include "session_list_model.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace dw;
using dw::store::test::FakeClock;

namespace {

QStringList titles(const SessionListModel& m) {
    QStringList out;
    for (int row = 0; row < m.rowCount(); ++row) out << m.index(row).data().toString();
    return out;
}

} // namespace

class TestHistoryModels : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void samplingJsonRoundTrip_data() {
        QTest::addColumn<int>("preset");
        for (SamplingPreset p : kAllSamplingPresets)
            QTest::newRow(qPrintable(presetKey(p))) << int(p);
    }
    void samplingJsonRoundTrip() {
        QFETCH(int, preset);
        SessionSettings s = ChatSession().settings();
        s.preset = SamplingPreset(preset);
        s.generate.sampling = presetParams(s.preset);
        if (s.preset == SamplingPreset::Custom) s.generate.sampling.temperature = 1.37f;
        s.generate.maxTokens = 777;
        s.longContext = true;
        s.systemPrompt = QStringLiteral("Be brief. 简短。");
        const store::SessionSettings stored = toStoreSettings(s, QStringLiteral("/m/a.gguf"));
        QCOMPARE(stored.modelPath, std::string("/m/a.gguf"));
        const SessionSettings back = fromStoreSettings(stored, ChatSession().settings());
        QCOMPARE(int(back.preset), preset);
        QCOMPARE(back.systemPrompt, s.systemPrompt);
        QCOMPARE(back.generate.sampling.temperature, s.generate.sampling.temperature);
        QCOMPARE(back.generate.sampling.topK, s.generate.sampling.topK);
        QCOMPARE(back.generate.maxTokens, 777);
        QVERIFY(back.longContext);
    }

    void missingOrForeignSamplingJson() {
        SessionSettings base = ChatSession().settings();
        base.generate.maxTokens = 5;  // the previous conversation's choice...
        base.generate.stop = {"END"}; // ...and a field the store does not keep
        store::SessionSettings stored;
        stored.samplingJson = R"({"temperature":0.2,"unknown":[1,2]})";
        const SessionSettings s = fromStoreSettings(stored, base);
        QCOMPARE(s.generate.sampling.temperature, 0.2f);
        QCOMPARE(s.generate.maxTokens, ChatSession().settings().generate.maxTokens); // not 5
        QCOMPARE(s.generate.stop, std::vector<std::string>{"END"});
        QCOMPARE(s.preset, SamplingPreset::Custom); // numbers that match no named preset
        SessionSettings same = base;
        QVERIFY(!applySamplingJson(QStringLiteral("[1]"), same));
        QCOMPARE(same.generate.maxTokens, 5);
    }

    void statsRoundTripShowTheSameNumbers() {
        RequestTimings t;
        t.promptTokens = 38;
        t.generatedTokens = 164;
        t.firstTokenSeconds = 0.18;
        t.totalSeconds = 3.9;
        const store::MessageStats s = toStoreStats(FinishReason::Length, t);
        QCOMPARE(s.finishReason, std::string("length"));
        QCOMPARE(*s.generatedTokens, 164);
        store::Message m;
        m.role = store::Role::Assistant;
        m.state = storeState(FinishReason::Length);
        m.stats = s;
        const ChatEntry e = toChatEntry(m);
        QCOMPARE(e.finishReason, FinishReason::Length);
        QCOMPARE(replyStatsText(e.timings), replyStatsText(t));
        QVERIFY(!replyStatsText(t).isEmpty());
        QCOMPARE(storeState(FinishReason::Cancelled), store::MessageState::Cancelled);
        QCOMPARE(storeState(FinishReason::Error), store::MessageState::Error);
    }

    void interruptedReplyCarriesANote() {
        store::Message m;
        m.role = store::Role::Assistant;
        m.state = store::MessageState::Interrupted;
        m.content = "half a sent";
        const ChatEntry e = toChatEntry(m);
        QVERIFY(e.interrupted && e.finished && !e.streaming);
        QCOMPARE(e.text, QStringLiteral("half a sent"));
        QVERIFY(finishStateText(e).startsWith(QStringLiteral("Interrupted")));
    }

    void snippetHtml_data() {
        QTest::addColumn<QByteArray>("marked");
        QTest::addColumn<QString>("html");
        QTest::newRow("plain") << QByteArray("no match") << QStringLiteral("no match");
        QTest::newRow("one") << QByteArray("a \xFElight\xFF b")
                             << QStringLiteral("a <b>light</b> b");
        QTest::newRow("escaped") << QByteArray("<i>&\xFE<script>\xFF\"x\"")
                                 << QStringLiteral(
                                        "&lt;i&gt;&amp;<b>&lt;script&gt;</b>&quot;x&quot;");
        QTest::newRow("chinese") << QByteArray("…关于\xFE灯塔\xFF的诗…")
                                 << QStringLiteral("…关于<b>灯塔</b>的诗…");
        QTest::newRow("two") << QByteArray("\xFE"
                                           "a\xFF-\xFE"
                                           "b\xFF")
                             << QStringLiteral("<b>a</b>-<b>b</b>");
    }
    void snippetHtml() {
        QFETCH(QByteArray, marked);
        QFETCH(QString, html);
        QCOMPARE(SearchResultsModel::snippetHtml(marked.toStdString()), html);
        QVERIFY(!SearchResultsModel::snippetText(marked.toStdString()).contains(QChar(0xFFFD)));
    }

    void sessionListFollowsTheStore() {
        FakeClock clock;
        auto store = dwtest::openStore(m_dir.filePath(QStringLiteral("list.db")), clock);
        const qint64 a = store->createSession(), b = store->createSession();
        store->appendMessage(a, store::Role::User, "About lighthouses");
        store->appendMessage(b, store::Role::User, "About rivers");
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        SessionListModel model(&history);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const qint64 fresh = history.currentSessionId(); // the chat's own, empty, newest
        QCOMPARE(titles(model),
                 (QStringList{QStringLiteral("New conversation"), QStringLiteral("About rivers"),
                              QStringLiteral("About lighthouses")}));
        QVERIFY(model.index(0).data(SessionListModel::CurrentRole).toBool());
        QCOMPARE(model.index(0).data(SessionListModel::IdRole).toLongLong(), fresh);

        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        store->appendMessage(a, store::Role::Assistant, "They guide ships.");
        model.refresh();
        QCOMPARE(titles(model).first(),
                 QStringLiteral("About lighthouses")); // newest activity first
        QCOMPARE(moved.count(), 1);
        QCOMPARE(reset.count(), 0);

        QVERIFY(model.setData(model.index(0), QStringLiteral("Lights at sea"))); // inline rename
        QCOMPARE(titles(model).first(), QStringLiteral("Lights at sea"));
        QVERIFY(model.index(0).data(SessionListModel::CustomTitleRole).toBool());

        QVERIFY(history.deleteSession(b));
        QCOMPARE(model.rowOfSession(b), -1);
        QVERIFY(history.undoDelete(b));
        QVERIFY(model.rowOfSession(b) >= 0);
        const qint64 copy = history.duplicateSession(a);
        QCOMPARE(model.index(model.rowOfSession(copy)).data().toString(),
                 QStringLiteral("Lights at sea (copy)"));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(reset.count(), 0);
    }

    void whenText() {
        const QDateTime now(QDate(2026, 3, 4), QTime(15, 30));
        const QString today =
            SessionListModel::whenText(QDateTime(QDate(2026, 3, 4), QTime(9, 5, 42)), now);
        QVERIFY2(today.startsWith(QStringLiteral("Today ")) &&
                     today.contains(QStringLiteral("9")) && !today.contains(QStringLiteral("42")),
                 qPrintable(today)); // no seconds
        QVERIFY(SessionListModel::whenText(QDateTime(QDate(2026, 3, 3), QTime(23, 0)), now)
                    .startsWith(QStringLiteral("Yesterday ")));
        const QString older =
            SessionListModel::whenText(QDateTime(QDate(2025, 12, 24), QTime(8, 0)), now);
        QCOMPARE(older, QLocale().toString(QDate(2025, 12, 24), QLocale::ShortFormat));
    }

    void searchResults() {
        FakeClock clock;
        auto store = dwtest::openStore(m_dir.filePath(QStringLiteral("search.db")), clock);
        const qint64 a = store->createSession();
        store->appendMessage(a, store::Role::User, "How do <b>lighthouses</b> work?");
        store->appendMessage(a, store::Role::Assistant,
                             "A lighthouse uses a Fresnel lens & a lamp.");
        const qint64 b = store->createSession();
        store->appendMessage(b, store::Role::User, "Rivers and deltas");
        dwtest::Chat chat;
        HistoryController history(&chat.controller, store.get());
        SearchResultsModel model(&history);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.search(QStringLiteral("lighthouse"));
        QCOMPARE(model.rowCount(), 2);
        for (int row = 0; row < 2; ++row) {
            const QModelIndex i = model.index(row);
            QCOMPARE(i.data(SearchResultsModel::SessionIdRole).toLongLong(), a);
            const QString html = i.data(SearchResultsModel::HtmlRole).toString();
            QVERIFY2(html.contains(QStringLiteral("<b>lighthouse</b>")), qPrintable(html));
            QVERIFY2(!html.contains(QStringLiteral("<b>lighthouses</b></b>")), qPrintable(html));
            QVERIFY(!i.data().toString().contains(QChar(0xFE)));
        }
        const QString userHit =
            model.index(model.index(0).data(SearchResultsModel::FromUserRole).toBool() ? 0 : 1)
                .data(SearchResultsModel::HtmlRole)
                .toString();
        QVERIFY2(userHit.contains(QStringLiteral("&lt;b&gt;")),
                 qPrintable(userHit)); // the user's tags, as text
        model.search(QStringLiteral("delta"));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0).data(SearchResultsModel::SessionIdRole).toLongLong(), b);
        model.search(QStringLiteral("   "));
        QCOMPARE(model.rowCount(), 0);
        model.search(QStringLiteral("\"unbalanced OR NEAR("));
        QCOMPARE(model.rowCount(), 0);
    }

    void exportAndImportFiles() {
        FakeClock clock;
        auto store = dwtest::openStore(m_dir.filePath(QStringLiteral("io.db")), clock);
        const qint64 a = store->createSession({"Be brief.", "{}", "/m/x.gguf"});
        store->appendMessage(a, store::Role::User, "Name three rivers");
        store->appendMessage(a, store::Role::Assistant, "Nile, Amazon, Yangtze.");
        const QString md = m_dir.filePath(QStringLiteral("out.md")),
                      json = m_dir.filePath(QStringLiteral("out.json"));
        QCOMPARE(exportSessionFile(*store, a, md, ExportFormat::Markdown), QString());
        QCOMPARE(exportSessionFile(*store, a, json, ExportFormat::Json), QString());
        QFile mdFile(md);
        QVERIFY(mdFile.open(QIODevice::ReadOnly));
        const QString mdText = QString::fromUtf8(mdFile.readAll());
        QVERIFY2(mdText.startsWith(QStringLiteral("# Name three rivers")), qPrintable(mdText));
        QVERIFY(mdText.contains(QStringLiteral("Nile, Amazon, Yangtze.")));

        const ImportResult ok = importSessionsFile(*store, json);
        QVERIFY2(ok.error.isEmpty(), qPrintable(ok.error));
        QCOMPARE(ok.sessionIds.size(), size_t(1));
        QCOMPARE(dwtest::storedMessages(*store, ok.sessionIds[0]),
                 dwtest::storedMessages(*store, a));

        const QString error = exportSessionFile(
            *store, a, m_dir.filePath(QStringLiteral("no/such/dir/x.md")), ExportFormat::Markdown);
        QVERIFY2(error.contains(QStringLiteral("no/such/dir/x.md")), qPrintable(error));
    }

    void importErrorsSayWhatIsWrong_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{oops") << QStringLiteral("not imported");
        QTest::newRow("bad role")
            << QByteArray(
                   R"({"format":"deepwell-history","version":1,"sessions":[{"title":"t","messages":[{"role":"robot","content":"x"}]}]})")
            << QStringLiteral("sessions[0].messages[0].role");
    }
    void importErrorsSayWhatIsWrong() {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        FakeClock clock;
        auto store = dwtest::openStore(
            m_dir.filePath(QStringLiteral("bad-%1.db").arg(QTest::currentDataTag())), clock);
        const QString path = m_dir.filePath(QStringLiteral("bad.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
        f.close();
        const ImportResult r = importSessionsFile(*store, path);
        QVERIFY2(r.error.contains(expected) && r.error.contains(path), qPrintable(r.error));
        QVERIFY(r.sessionIds.empty());
        QVERIFY(store->listSessions().empty()); // nothing was added
        const ImportResult missing =
            importSessionsFile(*store, m_dir.filePath(QStringLiteral("absent.json")));
        QVERIFY(missing.error.contains(QStringLiteral("absent.json")));
    }

    void exportFileNames_data() {
        QTest::addColumn<QString>("title");
        QTest::addColumn<QString>("name");
        QTest::newRow("plain") << QStringLiteral("Rivers") << QStringLiteral("Rivers.md");
        QTest::newRow("slashes") << QStringLiteral("a/b\\c: d?") << QStringLiteral("a_b_c_ d_.md");
        QTest::newRow("empty") << QStringLiteral("  ") << QStringLiteral("conversation.md");
        QTest::newRow("dot") << QStringLiteral("..") << QStringLiteral("conversation...md");
        QTest::newRow("chinese") << QStringLiteral("灯塔") << QStringLiteral("灯塔.md");
    }
    void exportFileNames() {
        QFETCH(QString, title);
        QFETCH(QString, name);
        QCOMPARE(exportFileName(title, ExportFormat::Markdown), name);
    }
};

QTEST_MAIN(TestHistoryModels)
#include "tst_history_models.moc"
