// SentencePiece-style tokenizer ("llama" model) on a hand-made vocabulary whose expected
// ids are worked out in the comments.
#include "deepwell/error.h"
#include "deepwell/tokenizer.h"
#include "tokenizer_test_util.h"

#include <QtTest>

#include <cstdio>

using namespace dw;

namespace {

// 0 <unk> UNKNOWN, 1 <s> CONTROL, 2 </s> CONTROL, 3..258 <0x00>..<0xFF> BYTE, then normal
// pieces with scores (higher merges first):
//   259 "▁" -1   260 "a" -2   261 "b" -3   262 "c" -4   263 "ab" -5   264 "bc" -0.5
//   265 "▁a" -6  266 "aa" -7  267 "ca" 0 UNUSED       268 "<" -8  269 "s" -9  270 ">" -10
//   271 "<s" -11 272 "<t>" USER_DEFINED
constexpr int32_t kByte0 = 3;

VocabData handVocab(std::optional<bool> addSpacePrefix) {
    VocabData v;
    v.model = "llama";
    auto add = [&](const std::string& text, float score, TokenType type) {
        v.tokens.push_back(text);
        v.scores.push_back(score);
        v.types.push_back(type);
    };
    add("<unk>", 0, TokenType::Unknown);
    add("<s>", 0, TokenType::Control);
    add("</s>", 0, TokenType::Control);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        add(name, 0, TokenType::Byte);
    }
    add("▁", -1, TokenType::Normal);
    add("a", -2, TokenType::Normal);
    add("b", -3, TokenType::Normal);
    add("c", -4, TokenType::Normal);
    add("ab", -5, TokenType::Normal);
    add("bc", -0.5f, TokenType::Normal);
    add("▁a", -6, TokenType::Normal);
    add("aa", -7, TokenType::Normal);
    add("ca", 0, TokenType::Unused);
    add("<", -8, TokenType::Normal);
    add("s", -9, TokenType::Normal);
    add(">", -10, TokenType::Normal);
    add("<s", -11, TokenType::Normal);
    add("<t>", 0, TokenType::UserDefined);
    v.unk = 0;
    v.bos = 1;
    v.eos = 2;
    v.addSpacePrefix = addSpacePrefix;
    return v;
}

} // namespace

class TestSpm : public QObject {
    Q_OBJECT
private slots:
    void encode_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("spacePrefix");
        QTest::addColumn<bool>("parseSpecial");
        QTest::addColumn<QList<int>>("expected");
        // Score beats position: "bc" (-0.5) merges before "ab" (-5); "abc" is no token.
        QTest::newRow("score order") << QByteArray("abc") << false << false << QList<int>{260, 264};
        // Equal scores: the leftmost pair first.
        QTest::newRow("tie leftmost")
            << QByteArray("aaa") << false << false << QList<int>{266, 260};
        // Space prefix: "▁abc" -> "bc" first, then "▁a" (-6); "a bc" never meets "ab".
        QTest::newRow("space prefix") << QByteArray("abc") << true << false << QList<int>{265, 264};
        // Spaces become ▁; "▁b" is no token.
        QTest::newRow("spaces") << QByteArray("a b") << true << false << QList<int>{265, 259, 261};
        // Byte fallback: é (C3 A9) is no piece.
        QTest::newRow("byte fallback")
            << QByteArray("\xC3\xA9") << false << false << QList<int>{kByte0 + 0xC3, kByte0 + 0xA9};
        // An invalid byte stands alone and falls back to its byte token.
        QTest::newRow("invalid byte")
            << QByteArray("a\xFF") << false << false << QList<int>{260, kByte0 + 0xFF};
        // UNUSED "ca" (score 0) merges first, then is split back (SentencePiece), so "ab"
        // never forms: c a b -> ca b -> c, a, b.
        QTest::newRow("unused split back")
            << QByteArray("cab") << false << false << QList<int>{262, 260, 261};
        // "<s" + ">" would make the CONTROL token "<s>": never formed from text.
        QTest::newRow("control not merged")
            << QByteArray("<s>") << false << false << QList<int>{271, 270};
        QTest::newRow("control parsed")
            << QByteArray("<s>ab") << false << true << QList<int>{1, 263};
        // After a special token the next fragment gets the space prefix again.
        QTest::newRow("prefix after special")
            << QByteArray("a<s>ab") << true << true << QList<int>{265, 1, 259, 263};
        // User-defined tokens are cut out even without parseSpecial; no prefix after them
        // unless the prefix option is on.
        QTest::newRow("user defined")
            << QByteArray("a<t>a") << false << false << QList<int>{260, 272, 260};
        // Byte token text in the input is ordinary text.
        QTest::newRow("byte text")
            << QByteArray("<0x41>") << false << false
            << QList<int>{268, kByte0 + '0', kByte0 + 'x', kByte0 + '4', kByte0 + '1', 270};
        QTest::newRow("empty") << QByteArray("") << true << true << QList<int>{};
    }
    void encode() {
        QFETCH(QByteArray, text);
        QFETCH(bool, spacePrefix);
        QFETCH(bool, parseSpecial);
        QFETCH(QList<int>, expected);
        const Tokenizer t(handVocab(spacePrefix));
        DW_COMPARE_IDS(t.encode(text.toStdString(), false, parseSpecial),
                       std::vector<int32_t>(expected.begin(), expected.end()));
        // Byte tokens and pieces decode back to the text (one space prefix is dropped).
        if (!parseSpecial)
            QCOMPARE(t.decode(t.encode(text.toStdString(), false, false)), text.toStdString());
    }

    void defaultsAndSpecials() {
        const Tokenizer t(handVocab(std::nullopt));
        QVERIFY(t.addBos()); // SPM default
        QVERIFY(!t.addEos());
        DW_COMPARE_IDS(t.encode("abc", true, false), (std::vector<int32_t>{1, 265, 264}));
        // add_space_prefix defaults to true: decode drops the one space it added.
        QCOMPARE(t.decode({1, 265, 264}), std::string("abc"));
        QCOMPARE(t.decode({1, 265, 264}, true), std::string("<s> abc"));
        QCOMPARE(t.tokenBytes(259), std::string(" "));
        QCOMPARE(t.tokenBytes(kByte0 + 0x0A), std::string("\n"));
        QCOMPARE(t.tokenBytes(0), std::string());
        QCOMPARE(t.tokenBytes(0, true), std::string("<unk>"));
        QCOMPARE(t.tokenBytes(267), std::string()); // UNUSED prints nothing
        QCOMPARE(t.tokenBytes(272), std::string("<t>"));
        QCOMPARE(t.eogIds(), (std::vector<int32_t>{2})); // eos; "</s>" is eos anyway
        VocabData v = handVocab(false);
        v.addBos = false;
        v.addEos = true;
        const Tokenizer u(std::move(v));
        DW_COMPARE_IDS(u.encode("b", true, false), (std::vector<int32_t>{261, 2}));
    }

    // Bytes of a character with no byte tokens: UNK (once per character) or nothing.
    void missingByteTokens() {
        VocabData v;
        v.model = "llama";
        v.tokens = {"<unk>", "a", "▁"};
        v.types = {TokenType::Unknown, TokenType::Normal, TokenType::Normal};
        v.unk = 0;
        v.addSpacePrefix = false;
        const Tokenizer t(v);
        DW_COMPARE_IDS(t.encode("a\xC3\xA9"
                                "a",
                                false, false),
                       (std::vector<int32_t>{1, 0, 1}));
        v.unk = -1;
        const Tokenizer u(std::move(v));
        DW_COMPARE_IDS(u.encode("a\xC3\xA9"
                                "a",
                                false, false),
                       (std::vector<int32_t>{1, 1}));
    }

    // A long text with no special tokens is one fragment: the merge queue must stay fast
    // and exact (every "ab" pair merges; nothing is lost).
    void longFragment() {
        std::string text;
        for (int i = 0; i < 50000; ++i) text += "ab ";
        const Tokenizer t(handVocab(false));
        const std::vector<int32_t> ids = t.encode(text, false, false);
        QCOMPARE(ids.size(), size_t(100000));
        QCOMPARE(ids[0], 263);
        QCOMPARE(ids[1], 259);
        QCOMPARE(t.decode(ids), text);
    }
};

QTEST_APPLESS_MAIN(TestSpm)
#include "tst_spm.moc"
