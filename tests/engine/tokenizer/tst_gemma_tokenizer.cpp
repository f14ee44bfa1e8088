// The real Gemma 3 270M vocabulary (SPM, 262144 tokens) against golden ids from
// SentencePiece itself (tests/data/tokenizer/tools/make_gemma_golden.py ->
// gemma3_golden.json). Skips without the model unless DEEPWELL_REQUIRE_MODEL=1.
#include "deepwell/gguf.h"
#include "deepwell/tokenizer.h"
#include "tokenizer_test_util.h"

#include <QtTest>

#include <memory>
#include <random>

using namespace dw;

class TestGemmaTokenizer : public QObject {
    Q_OBJECT

    std::unique_ptr<gguf::File> m_file;
    std::unique_ptr<Tokenizer> m_tok;

private slots:
    void initTestCase() {
        const QString path = test::modelPath();
        if (!QFile::exists(path)) {
            if (test::modelRequired())
                QFAIL(qPrintable("model not found at " + path + " (DEEPWELL_REQUIRE_MODEL=1)"));
            QSKIP(qPrintable("model not found at " + path + " (set DEEPWELL_MODEL)"));
        }
        m_file = gguf::File::open(path.toStdString());
        m_tok = std::make_unique<Tokenizer>(vocabFromGguf(*m_file));
    }

    void vocabulary() {
        const Tokenizer& t = *m_tok;
        QCOMPARE(t.model(), std::string("llama"));
        QCOMPARE(t.nVocab(), 262144);
        QCOMPARE(t.bos(), 2);
        QCOMPARE(t.eos(), 1);
        QVERIFY(t.addBos());
        QVERIFY(!t.addEos());
        QCOMPARE(t.findToken("<start_of_turn>"), 105);
        QCOMPARE(t.findToken("<end_of_turn>"), 106);
        QCOMPARE(t.findToken("<end_of_image>"), 256000);
        QCOMPARE(t.tokenType(106), TokenType::Control);
        QCOMPARE(t.tokenType(212), TokenType::UserDefined); // "</s>" (HTML)
        // <eos> and <end_of_turn>; not the user-defined "</s>".
        QCOMPARE(t.eogIds(), (std::vector<int32_t>{1, 106}));
        QCOMPARE(t.tokenBytes(248), std::string("\n")); // <0x0A>
        QCOMPARE(t.tokenBytes(107), std::string("\n")); // user-defined "\n"
        QCOMPARE(t.tokenBytes(1902), std::string(" world"));
    }

    void golden_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("parseSpecial");
        QTest::addColumn<bool>("addSpecial");
        QTest::addColumn<QList<int>>("expected");
        const QJsonObject doc = test::loadGolden("gemma3_golden.json");
        QVERIFY2(!doc.isEmpty(), "tests/data/tokenizer/gemma3_golden.json is missing");
        QCOMPARE(doc["nVocab"].toInt(), 262144);
        for (const QJsonValue& c : doc["cases"].toArray()) {
            const QJsonObject row = c.toObject();
            QList<int> ids;
            for (const QJsonValue& x : row["ids"].toArray()) ids << x.toInt();
            QTest::newRow(qPrintable(row["name"].toString()))
                << row["text"].toString() << row["parseSpecial"].toBool()
                << row["addSpecial"].toBool() << ids;
        }
    }
    void golden() {
        QFETCH(QString, text);
        QFETCH(bool, parseSpecial);
        QFETCH(bool, addSpecial);
        QFETCH(QList<int>, expected);
        const std::string s = text.toStdString();
        const std::vector<int32_t> ids = m_tok->encode(s, addSpecial, parseSpecial);
        DW_COMPARE_IDS(ids, std::vector<int32_t>(expected.begin(), expected.end()));
        // Round trip: control tokens come back only when rendered.
        QCOMPARE(m_tok->decode(ids, parseSpecial), s);
    }

    // Our SPM never forms CONTROL/UNKNOWN/BYTE tokens by merging (SentencePiece's rule);
    // llama.cpp would. For this vocabulary both agree: no such token is the concatenation
    // of two tokens, so no merge could ever produce one.
    void specialTokensUnreachableByMerges() {
        const Tokenizer& t = *m_tok;
        int checked = 0;
        for (int32_t id = 0; id < t.nVocab(); ++id) {
            const TokenType ty = t.tokenType(id);
            if (ty != TokenType::Control && ty != TokenType::Unknown && ty != TokenType::Byte)
                continue;
            const std::string& text = t.tokenText(id);
            for (size_t k = 1; k < text.size(); ++k)
                QVERIFY2(t.findToken(text.substr(0, k)) < 0 || t.findToken(text.substr(k)) < 0,
                         qPrintable(QString::fromStdString(text)));
            ++checked;
        }
        QCOMPARE(checked, 6249 + 256);
    }

    // Any bytes at all (invalid UTF-8 included) survive SPM encode -> decode: characters
    // that are no token fall back to byte tokens.
    void randomBytesRoundTrip() {
        std::mt19937 rng(1234);
        std::string bytes(65536, '\0');
        for (char& c : bytes) c = char(rng() & 0xFF);
        const std::vector<int32_t> ids = m_tok->encode(bytes, false, false);
        QVERIFY(ids.size() > 10000);
        QVERIFY(m_tok->decode(ids) == bytes);
    }

    // Streamed decoding of a golden case equals the whole decode.
    void streamMatchesDecode() {
        const std::string text = "I love 🦀 and 𠀀𪚥 — naïve café\n\t\tend";
        const std::vector<int32_t> ids = m_tok->encode(text, false, false);
        StreamDecoder d(*m_tok);
        std::string all;
        for (const int32_t id : ids) all += d.push(id);
        all += d.flush();
        QCOMPARE(all, text);
    }
};

QTEST_APPLESS_MAIN(TestGemmaTokenizer)
#include "tst_gemma_tokenizer.moc"
