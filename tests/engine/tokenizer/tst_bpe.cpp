// Byte-level BPE ("gpt2" model): a hand-made vocabulary with ids worked out by hand, and a
// tiny vocabulary cross-checked against HF `tokenizers` (tests/data/tokenizer/tools/
// make_bpe_golden.py -> tiny_bpe_golden.json).
#include "deepwell/error.h"
#include "deepwell/tokenizer.h"
#include "tokenizer/bpe.h"
#include "tokenizer_test_util.h"

#include <QtTest>

#include <map>
#include <random>
#include <set>
#include <thread>

using namespace dw;

namespace {

// Ids 0..255: the alphabet character of byte 0..255, so a byte's token id is the byte.
// Then (merges, by rank) 256 "Ġt", 257 "he", 258 "Ġthe", 259 "lo", 260 "low", 261 "er",
// 262 "lower"; 263 "Ġxy" (no merge makes it); 264 "<|endoftext|>" CONTROL,
// 265 "<|im_end|>" CONTROL, 266 "<think>" USER_DEFINED; 267 "eh" (merge rank 7).
VocabData handVocab(const std::string& pre) {
    VocabData v;
    v.model = "gpt2";
    v.pre = pre;
    for (int b = 0; b < 256; ++b) v.tokens.push_back(tok::gpt2ByteTexts()[size_t(b)]);
    const char* merged[] = {"Ġt", "he", "Ġthe", "lo", "low", "er", "lower", "Ġxy"};
    for (const char* t : merged) v.tokens.push_back(t);
    v.merges = {"Ġ t", "h e", "Ġt he", "l o", "lo w", "e r", "low er"};
    v.types.assign(v.tokens.size(), TokenType::Normal);
    v.tokens.push_back("<|endoftext|>");
    v.types.push_back(TokenType::Control);
    v.tokens.push_back("<|im_end|>");
    v.types.push_back(TokenType::Control);
    v.tokens.push_back("<think>");
    v.types.push_back(TokenType::UserDefined);
    v.tokens.push_back("eh");
    v.types.push_back(TokenType::Normal);
    v.merges.push_back("e h");
    v.eos = 264;
    return v;
}

} // namespace

class TestBpe : public QObject {
    Q_OBJECT
private slots:
    void byteAlphabet() {
        // ENGINE_FACTS 5.3 examples and the ends of the two remapped ranges.
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint(' ')), 0x120u);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint('\n')), 0x10Au);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint('\t')), 0x109u);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint(0x00)), 0x100u);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint(0x7F)), 0x121u);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint(0xA0)), 0x142u);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint(0xAD)), 0x143u);
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint('A')), uint32_t('A'));
        QCOMPARE(uint32_t(tok::gpt2ByteToCodePoint(0xE9)), 0xE9u);
        QCOMPARE(tok::gpt2ByteTexts()[' '], std::string("Ġ"));
        std::set<char32_t> seen;
        for (int b = 0; b < 256; ++b) {
            const char32_t cp = tok::gpt2ByteToCodePoint(uint8_t(b));
            QVERIFY(seen.insert(cp).second);
            QCOMPARE(tok::gpt2CodePointToByte(cp), b);
        }
        QCOMPARE(tok::gpt2CodePointToByte(0x144), -1);
        QCOMPARE(tok::gpt2CodePointToByte(0x4E00), -1);
    }

    void handEncode_data() {
        QTest::addColumn<QString>("pre");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("parseSpecial");
        QTest::addColumn<QList<int>>("expected");
        // "the": t h e -> only "h e" applies -> t, he. " the": Ġ t h e -> "Ġ t" (rank 0),
        // "h e" (1), "Ġt he" (2) -> Ġthe. " lower": "l o" (3), "lo w" (4), "e r" (5),
        // "low er" (6) -> Ġ, lower ("Ġ l" is no merge).
        QTest::newRow("words") << "gpt-2" << QByteArray("the the lower") << false
                               << QList<int>{116, 257, 258, 32, 262};
        // Rank beats position: in "ehe" the right pair "h e" (rank 1) merges before the
        // left pair "e h" (rank 7), which it then blocks.
        QTest::newRow("rank order")
            << "gpt-2" << QByteArray("ehe") << false << QList<int>{101, 257};
        QTest::newRow("rank order 2") << "gpt-2" << QByteArray("eh") << false << QList<int>{267};
        QTest::newRow("control parsed")
            << "gpt-2" << QByteArray("<|endoftext|> the") << true << QList<int>{264, 258};
        // Not parsed: gpt-2 splits "<|", "endoftext", "|>", " the".
        QTest::newRow("control as text")
            << "gpt-2" << QByteArray("<|endoftext|> the") << false
            << QList<int>{60, 124, 101, 110, 100, 111, 102, 116, 101, 120, 116, 124, 62, 258};
        QTest::newRow("user-defined always")
            << "gpt-2" << QByteArray("a<think>b") << false << QList<int>{97, 266, 98};
        // Invalid UTF-8 becomes U+FFFD (EF BF BD) before the regexes, as in llama.cpp.
        QTest::newRow("invalid utf8") << "gpt-2"
                                      << QByteArray("a\xFF"
                                                    "b")
                                      << false << QList<int>{97, 0xEF, 0xBF, 0xBD, 98};
        // ignore_merges (llama-bpe): " xy" is a token although no merge makes it.
        QTest::newRow("ignore merges")
            << "llama-bpe" << QByteArray(" xy") << false << QList<int>{263};
        QTest::newRow("no ignore merges")
            << "qwen2" << QByteArray(" xy") << false << QList<int>{32, 120, 121};
        QTest::newRow("newline and tab")
            << "gpt-2" << QByteArray("\n\t") << false << QList<int>{10, 9};
        QTest::newRow("empty") << "gpt-2" << QByteArray("") << true << QList<int>{};
    }
    void handEncode() {
        QFETCH(QString, pre);
        QFETCH(QByteArray, text);
        QFETCH(bool, parseSpecial);
        QFETCH(QList<int>, expected);
        const Tokenizer t(handVocab(pre.toStdString()));
        DW_COMPARE_IDS(t.encode(text.toStdString(), false, parseSpecial),
                       std::vector<int32_t>(expected.begin(), expected.end()));
    }

    void addSpecial() {
        VocabData v = handVocab("gpt-2");
        v.bos = 265;
        v.addBos = true;
        v.addEos = true;
        const Tokenizer t(std::move(v));
        DW_COMPARE_IDS(t.encode(" the", true, false), (std::vector<int32_t>{265, 258, 264}));
        DW_COMPARE_IDS(t.encode(" the", false, false), (std::vector<int32_t>{258}));
        // Defaults: add_bos only for the llama3 family.
        QVERIFY(!Tokenizer(handVocab("qwen2")).addBos());
        QVERIFY(Tokenizer(handVocab("llama-bpe")).addBos());
        QVERIFY(!Tokenizer(handVocab("llama-bpe")).addEos());
    }

    void decode() {
        const Tokenizer t(handVocab("gpt-2"));
        QCOMPARE(t.decode({116, 257, 258, 32, 262}), std::string("the the lower"));
        QCOMPARE(t.tokenBytes(258), std::string(" the"));
        QCOMPARE(t.tokenBytes(10), std::string("\n"));
        QCOMPARE(t.tokenBytes(0xE9), std::string("\xE9")); // one byte of a UTF-8 sequence
        QCOMPARE(t.tokenBytes(264), std::string());
        QCOMPARE(t.tokenBytes(264, true), std::string("<|endoftext|>"));
        QCOMPARE(t.tokenBytes(266), std::string("<think>"));
        // Byte tokens reassemble a multi-byte character.
        QCOMPARE(t.decode({0xE4, 0xBD, 0xA0}), std::string("你"));
        const std::string mixed = "naïve 你好 <think>\n\tx  y";
        QCOMPARE(t.decode(t.encode(mixed, false, false)), mixed);
        QVERIFY_THROWS_EXCEPTION(dw::Error, t.tokenBytes(268));
        QVERIFY_THROWS_EXCEPTION(dw::Error, t.decode({-1}));
    }

    void accessors() {
        const Tokenizer t(handVocab("olmo"));
        QCOMPARE(t.nVocab(), 268);
        QCOMPARE(t.model(), std::string("gpt2"));
        QCOMPARE(t.pre(), std::string("olmo"));
        QCOMPARE(t.findToken("Ġthe"), 258);
        QCOMPARE(t.findToken("nope"), -1);
        QCOMPARE(t.tokenText(262), std::string("lower"));
        QCOMPARE(t.tokenType(266), TokenType::UserDefined);
        QCOMPARE(t.eos(), 264);
        QCOMPARE(t.bos(), -1);
        // eos, and <|im_end|> by its text.
        QCOMPARE(t.eogIds(), (std::vector<int32_t>{264, 265}));
        QVERIFY(t.isEog(265));
        QVERIFY(!t.isEog(266));
        Tokenizer moved = std::move(const_cast<Tokenizer&>(t));
        DW_COMPARE_IDS(moved.encode(" the", false, false), (std::vector<int32_t>{258}));
    }

    // Random valid UTF-8 (ASCII, whitespace, Latin, Greek, CJK, emoji, combining marks)
    // round-trips under every pre-tokenizer.
    void randomTextRoundTrip() {
        std::mt19937 rng(99);
        const char32_t ranges[][2] = {{0x20, 0x7E},      {0x09, 0x0D},   {0xA0, 0x24F},
                                      {0x300, 0x36F},    {0x370, 0x3FF}, {0x4E00, 0x9FFF},
                                      {0x1F300, 0x1F6FF}};
        std::string text;
        for (int i = 0; i < 20000; ++i) {
            const auto& r = ranges[rng() % 7];
            const char32_t cp = r[0] + char32_t(rng() % (r[1] - r[0] + 1));
            // UTF-8 encode by hand (no helper of the code under test).
            if (cp < 0x80) {
                text += char(cp);
            } else if (cp < 0x800) {
                text += char(0xC0 | (cp >> 6));
                text += char(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                text += char(0xE0 | (cp >> 12));
                text += char(0x80 | ((cp >> 6) & 0x3F));
                text += char(0x80 | (cp & 0x3F));
            } else {
                text += char(0xF0 | (cp >> 18));
                text += char(0x80 | ((cp >> 12) & 0x3F));
                text += char(0x80 | ((cp >> 6) & 0x3F));
                text += char(0x80 | (cp & 0x3F));
            }
        }
        for (const char* pre :
             {"default", "gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "deepseek-v3"}) {
            const Tokenizer t(handVocab(pre));
            QVERIFY2(t.decode(t.encode(text, false, false)) == text, pre);
        }
    }

    // encode() is const and keeps its state per call: threads share one tokenizer.
    void concurrentEncode() {
        const Tokenizer t(handVocab("llama-bpe"));
        std::string text;
        for (int i = 0; i < 2000; ++i) text += " the lower <think> 你好 xy\n";
        const std::vector<int32_t> expected = t.encode(text, false, true);
        std::vector<std::vector<int32_t>> results(4);
        std::vector<std::thread> threads;
        for (auto& r : results)
            threads.emplace_back([&t, &text, &r] {
                for (int rep = 0; rep < 5; ++rep) r = t.encode(text, false, true);
            });
        for (auto& th : threads) th.join();
        for (const auto& r : results) QVERIFY(r == expected);
        QCOMPARE(t.decode(expected), text);
    }

    // The tiny vocabulary of make_bpe_golden.py under every pre-tokenizer, against HF.
    void hfGolden() {
        const QJsonObject doc = test::loadGolden("tiny_bpe_golden.json");
        QVERIFY2(!doc.isEmpty(), "tests/data/tokenizer/tiny_bpe_golden.json is missing");
        VocabData base;
        base.model = "gpt2";
        base.tokens = test::strings(doc["tokens"]);
        for (const int32_t ty : test::ids(doc["types"])) base.types.push_back(TokenType(ty));
        base.merges = test::strings(doc["merges"]);
        std::map<std::string, Tokenizer> byPre;
        int checked = 0;
        for (const QJsonValue& c : doc["cases"].toArray()) {
            const QJsonObject row = c.toObject();
            const std::string pre = test::utf8(row["pre"]);
            if (!byPre.count(pre)) {
                VocabData v = base;
                v.pre = pre;
                byPre.emplace(pre, Tokenizer(std::move(v)));
            }
            const Tokenizer& t = byPre.at(pre);
            const std::string text = test::utf8(row["text"]);
            const bool parse = row["parseSpecial"].toBool();
            const std::vector<int32_t> got = t.encode(text, false, parse);
            if (got != test::ids(row["ids"]))
                QFAIL(qPrintable(QString::fromStdString(pre) + " / " + row["name"].toString() +
                                 ": " + test::show(got) +
                                 "\n   HF: " + test::show(test::ids(row["ids"]))));
            QCOMPARE(t.decode(got, true), text);
            ++checked;
        }
        QCOMPARE(checked, 72);
        QCOMPARE(byPre.size(), size_t(6));
    }
};

QTEST_APPLESS_MAIN(TestBpe)
#include "tst_bpe.moc"
