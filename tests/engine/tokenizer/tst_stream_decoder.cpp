// StreamDecoder: text streamed token by token never contains a broken UTF-8 sequence.
#include "deepwell/error.h"
#include "deepwell/tokenizer.h"
#include "tokenizer/utf8.h"
#include "tokenizer_test_util.h"

#include <QtTest>

#include <cstdio>

using namespace dw;

namespace {

// SPM vocabulary: 0 <unk>, 1 <s> CONTROL, 2..257 <0x00>..<0xFF>, 258 "▁", 259 "hé",
// 260 "<t>" USER_DEFINED.
constexpr int32_t kByte0 = 2;

Tokenizer makeTokenizer() {
    VocabData v;
    v.model = "llama";
    v.addSpacePrefix = false;
    auto add = [&](const std::string& text, TokenType type) {
        v.tokens.push_back(text);
        v.types.push_back(type);
    };
    add("<unk>", TokenType::Unknown);
    add("<s>", TokenType::Control);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        add(name, TokenType::Byte);
    }
    add("▁", TokenType::Normal);
    add("hé", TokenType::Normal);
    add("<t>", TokenType::UserDefined);
    v.unk = 0;
    v.bos = 1;
    return Tokenizer(std::move(v));
}

int32_t byteToken(uint8_t b) {
    return kByte0 + b;
}

} // namespace

class TestStreamDecoder : public QObject {
    Q_OBJECT
private slots:
    // Byte tokens of multi-byte characters, one at a time: nothing until a character is
    // complete, then exactly that character.
    void multiByteCharacters_data() {
        QTest::addColumn<QByteArray>("character");
        QTest::newRow("2 bytes é") << QByteArray("\xC3\xA9");
        QTest::newRow("3 bytes 你") << QByteArray("\xE4\xBD\xA0");
        QTest::newRow("3 bytes U+FFFD") << QByteArray("\xEF\xBF\xBD");
        QTest::newRow("4 bytes 🦀") << QByteArray("\xF0\x9F\xA6\x80");
        QTest::newRow("4 bytes U+10FFFF") << QByteArray("\xF4\x8F\xBF\xBF");
    }
    void multiByteCharacters() {
        QFETCH(QByteArray, character);
        const Tokenizer t = makeTokenizer();
        StreamDecoder d(t);
        for (int rep = 0; rep < 2; ++rep) {
            for (int i = 0; i < character.size(); ++i) {
                const std::string out = d.push(byteToken(uint8_t(character[i])));
                if (i + 1 < character.size())
                    QCOMPARE(out, std::string());
                else
                    QCOMPARE(out, character.toStdString());
            }
        }
        QCOMPARE(d.flush(), std::string());
    }

    // A whole stream: concatenated output equals the text and every chunk is valid UTF-8.
    void chunksAlwaysValid() {
        const Tokenizer t = makeTokenizer();
        const std::string text = "hé 你好🦀 <t>é\n\xF0\x9F\x98\x80!";
        const std::vector<int32_t> ids = t.encode(text, false, false);
        QVERIFY(ids.size() > 15); // mostly byte tokens
        StreamDecoder d(t);
        std::string all;
        for (const int32_t id : ids) {
            const std::string chunk = d.push(id);
            QVERIFY2(tok::isValidUtf8(chunk), qPrintable(QString::number(id)));
            all += chunk;
        }
        all += d.flush();
        QCOMPARE(all, text);
    }

    // flush() of a truncated sequence gives U+FFFD and empties the decoder.
    void flushTruncated_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("1 of 2") << QByteArray("\xC3");
        QTest::newRow("2 of 3") << QByteArray("\xE4\xBD");
        QTest::newRow("3 of 4") << QByteArray("\xF0\x9F\xA6");
    }
    void flushTruncated() {
        QFETCH(QByteArray, bytes);
        const Tokenizer t = makeTokenizer();
        StreamDecoder d(t);
        QCOMPARE(d.push(259), std::string("hé"));
        for (const char c : bytes) QCOMPARE(d.push(byteToken(uint8_t(c))), std::string());
        QCOMPARE(d.flush(), std::string("\xEF\xBF\xBD"));
        QCOMPARE(d.flush(), std::string());
        QCOMPARE(d.push(258), std::string(" "));
    }

    // Bytes that can never be UTF-8 become U+FFFD at once; a lead byte interrupted by a
    // non-continuation gives U+FFFD and the new byte is kept.
    void invalidSequences() {
        const Tokenizer t = makeTokenizer();
        StreamDecoder d(t);
        QCOMPARE(d.push(byteToken(0xFF)), std::string("\xEF\xBF\xBD"));
        QCOMPARE(d.push(byteToken(0x80)), std::string("\xEF\xBF\xBD"));
        QCOMPARE(d.push(byteToken(0xE4)), std::string());
        QCOMPARE(d.push(byteToken('A')), std::string("\xEF\xBF\xBD"
                                                     "A"));
        QCOMPARE(d.push(byteToken(0xC0)), std::string("\xEF\xBF\xBD")); // overlong lead
        QCOMPARE(d.push(byteToken(0xED)), std::string());
        QCOMPARE(d.push(byteToken(0xA0)), std::string("\xEF\xBF\xBD\xEF\xBF\xBD")); // surrogate
        QCOMPARE(d.flush(), std::string());
    }

    void specialTokens() {
        const Tokenizer t = makeTokenizer();
        StreamDecoder plain(t);
        QCOMPARE(plain.push(1), std::string());
        StreamDecoder rendered(t, true);
        QCOMPARE(rendered.push(1), std::string("<s>"));
        // A special token between the bytes of a character interrupts it.
        QCOMPARE(rendered.push(byteToken(0xC3)), std::string());
        QCOMPARE(rendered.push(1), std::string("\xEF\xBF\xBD<s>"));
        // Out-of-range ids are an error, not a crash.
        QVERIFY_THROWS_EXCEPTION(dw::Error, rendered.push(t.nVocab()));
    }
};

QTEST_APPLESS_MAIN(TestStreamDecoder)
#include "tst_stream_decoder.moc"
