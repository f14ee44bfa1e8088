// Pre-tokenizer regex lists (ENGINE_FACTS 5.4) against golden splits from Python's `regex`
// module (tests/data/tokenizer/tools/make_bpe_golden.py -> pretok_golden.json).
#include "deepwell/error.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer_test_util.h"

#include <QtTest>

using namespace dw;

namespace {

std::vector<std::string> splitWith(const tok::PreTokenizer& pre, std::string_view text) {
    tok::PreTokenizer::Session session(pre);
    std::vector<std::string_view> views;
    session.split(text, views);
    return {views.begin(), views.end()};
}

QString join(const std::vector<std::string>& pieces) {
    QStringList out;
    for (const std::string& p : pieces) out << "'" + QString::fromStdString(p) + "'";
    return out.join(" ");
}

} // namespace

class TestPreTokenizer : public QObject {
    Q_OBJECT
private slots:
    void golden_data() {
        QTest::addColumn<QString>("pre");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("pieces");
        const QJsonObject doc = test::loadGolden("pretok_golden.json");
        QVERIFY2(!doc.isEmpty(), "tests/data/tokenizer/pretok_golden.json is missing");
        for (const QJsonValue& c : doc["cases"].toArray()) {
            const QJsonObject row = c.toObject();
            QStringList pieces;
            for (const QJsonValue& p : row["pieces"].toArray()) pieces << p.toString();
            const QString tag = row["pre"].toString() + "/" + row["name"].toString();
            QTest::newRow(qPrintable(tag))
                << row["pre"].toString() << row["text"].toString() << pieces;
        }
    }
    void golden() {
        QFETCH(QString, pre);
        QFETCH(QString, text);
        QFETCH(QStringList, pieces);
        const tok::PreTokenizer p(pre.toStdString());
        std::vector<std::string> expected;
        for (const QString& s : pieces) expected.push_back(s.toStdString());
        const std::vector<std::string> got = splitWith(p, text.toStdString());
        if (got != expected)
            QFAIL(qPrintable("got      " + join(got) + "\nexpected " + join(expected)));
    }

    // Aliases share a regex list with their family (checked on a string that tells the
    // families apart: digits group by 3 for llama3, by 1 for qwen2, whole runs for gpt-2).
    void aliases_data() {
        QTest::addColumn<QString>("alias");
        QTest::addColumn<QString>("family");
        QTest::newRow("olmo") << "olmo"
                              << "gpt-2";
        QTest::newRow("llama3") << "llama3"
                                << "llama-bpe";
        QTest::newRow("llama-v3") << "llama-v3"
                                  << "llama-bpe";
        QTest::newRow("deepseek-r1-qwen") << "deepseek-r1-qwen"
                                          << "qwen2";
        QTest::newRow("empty = default") << ""
                                         << "default";
        QTest::newRow("hunyuan-dense") << "hunyuan-dense"
                                       << "deepseek-v3";
    }
    void aliases() {
        QFETCH(QString, alias);
        QFETCH(QString, family);
        const std::string probe = "It's 12345 apples!!  \n\n\tok 你好";
        QCOMPARE(splitWith(tok::PreTokenizer(alias.toStdString()), probe),
                 splitWith(tok::PreTokenizer(family.toStdString()), probe));
    }

    void traits() {
        QVERIFY(tok::PreTokenizer("llama-bpe").traits().ignoreMerges);
        QVERIFY(tok::PreTokenizer("llama-bpe").traits().defaultAddBos);
        QVERIFY(!tok::PreTokenizer("qwen2").traits().ignoreMerges);
        QVERIFY(!tok::PreTokenizer("deepseek-v3").traits().defaultAddBos);
        QCOMPARE(tok::PreTokenizer("deepseek-llm").regexCount(), size_t(6));
        QCOMPARE(tok::PreTokenizer("default").regexCount(), size_t(4));
    }

    void unknownNameIsUnsupported() {
        QVERIFY(!tok::PreTokenizer::isKnown("my-fancy-pre"));
        try {
            tok::PreTokenizer p("my-fancy-pre");
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            QVERIFY(std::string(e.what()).find("my-fancy-pre") != std::string::npos);
        }
        VocabData v;
        v.model = "gpt2";
        v.pre = "my-fancy-pre";
        v.tokens = {"a"};
        try {
            Tokenizer t(std::move(v));
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            QVERIFY(std::string(e.what()).find("my-fancy-pre") != std::string::npos);
        }
    }

    // Pieces always concatenate back to the input, also on long, awkward input (a long
    // whitespace run exercises the JIT stack; U+180E is not whitespace, as in Python).
    void coversInput() {
        std::string text = "x" + std::string(100000, ' ') + "y\n" + std::string(5000, '\n') +
                           "\xE1\xA0\x8E" + "z " + std::string(20000, '9');
        for (const char* pre :
             {"default", "gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "deepseek-v3"}) {
            const std::vector<std::string> pieces = splitWith(tok::PreTokenizer(pre), text);
            std::string joined;
            for (const std::string& p : pieces) {
                QVERIFY(!p.empty());
                joined += p;
            }
            QCOMPARE(joined.size(), text.size());
            QVERIFY(joined == text);
        }
        // U+180E is not White_Space (it is for PCRE2's own UCP \s): between two "!" it is
        // part of one punctuation run, as Python's `regex` says.
        for (const char* pre : {"gpt-2", "llama-bpe"}) {
            const std::vector<std::string> p = splitWith(tok::PreTokenizer(pre), "!\xE1\xA0\x8E!");
            QCOMPARE(p, (std::vector<std::string>{"!\xE1\xA0\x8E!"}));
        }
    }
};

QTEST_APPLESS_MAIN(TestPreTokenizer)
#include "tst_pre_tokenizer.moc"
