// Layout of the synthetic vocabularies, checked on the data alone (no tokenizer involved):
// the rules a tokenizer relies on (ENGINE_FACTS 3.3, 5.2, 5.3) hold for every preset and for
// awkward vocabulary sizes.
#include "deepwell/synth.h"

#include <QtTest>

#include <cstdio>
#include <set>
#include <unordered_map>

using namespace dw;
using synth::Arch;

namespace {

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;

// Text minus its last UTF-8 character.
std::string dropLastChar(const std::string& s) {
    size_t n = s.size() - 1;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    return s.substr(0, n);
}

size_t utf8Length(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

} // namespace

class TestSynthVocab : public QObject {
    Q_OBJECT
private slots:
    void layout_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<qint64>("nVocab");
        for (const auto& n : synth::synthPresetNames()) {
            const QString p = QString::fromStdString(n);
            QTest::newRow(qPrintable(p + " 512")) << p << qint64(512);
            QTest::newRow(qPrintable(p + " 1000")) << p << qint64(1000);
            QTest::newRow(qPrintable(p + " minimum"))
                << p << qint64(synth::synthMinVocab(synth::synthPreset(n)));
        }
    }

    void layout() {
        QFETCH(QString, preset);
        QFETCH(qint64, nVocab);
        synth::SynthSpec spec = synth::synthPreset(preset.toStdString());
        spec.nVocab = nVocab;
        const synth::SynthVocab v = synth::synthVocab(spec);
        QCOMPARE(qint64(v.tokens.size()), nVocab);
        QCOMPARE(v.types.size(), v.tokens.size());
        std::unordered_map<std::string, int32_t> id;
        for (size_t i = 0; i < v.tokens.size(); ++i) {
            QVERIFY2(id.emplace(v.tokens[i], int32_t(i)).second, v.tokens[i].c_str()); // unique
        }
        QCOMPARE(v.types[v.bos], kControl);
        QCOMPARE(v.types[v.eos], kControl);
        if (v.model == "llama") {
            QCOMPARE(v.scores.size(), v.tokens.size());
            QCOMPARE(v.types[v.unk], kUnknown);
            QCOMPARE(v.addSpacePrefix, spec.arch == Arch::Llama);
            for (int b = 0; b < 256; ++b) {
                char name[8];
                std::snprintf(name, sizeof name, "<0x%02X>", b);
                QVERIFY(id.count(name));
                QCOMPARE(v.types[id[name]], kByte);
            }
            float lastScore = 1.0f;
            for (size_t i = 0; i < v.tokens.size(); ++i) {
                if (v.types[i] != kNormal) continue;
                QVERIFY(v.scores[i] < lastScore); // distinct, decreasing: no merge ties
                lastScore = v.scores[i];
                // Reachable by merges: every multi-character piece minus its last character
                // is a piece too (and single characters always exist).
                if (utf8Length(v.tokens[i]) > 1)
                    QVERIFY2(id.count(dropLastChar(v.tokens[i])), v.tokens[i].c_str());
            }
            QVERIFY(v.merges.empty());
        } else {
            QVERIFY(v.scores.empty());
            const bool deepseek = spec.arch == Arch::DeepSeek || spec.arch == Arch::DeepSeek2;
            const std::string pre = spec.deepseekV3Tokenizer   ? "deepseek-v3"
                                    : deepseek                 ? "deepseek-llm"
                                    : spec.arch == Arch::Olmoe ? "olmo"
                                                               : "qwen2";
            QCOMPARE(v.pre, pre);
            QCOMPARE(v.addBos, deepseek); // DeepSeek files add BOS, Qwen and OLMoE ones do not
            // V3 puts BOS 0, EOS 1, pad 2 before the byte symbols; the others start with them.
            const int32_t first = spec.deepseekV3Tokenizer ? 3 : 0;
            if (spec.deepseekV3Tokenizer) {
                QCOMPARE(v.bos, 0);
                QCOMPARE(v.eos, 1);
                QCOMPARE(v.pad, 2);
            }
            std::set<std::string> symbols(v.tokens.begin() + first, v.tokens.begin() + first + 256);
            QCOMPARE(symbols.size(), size_t(256));
            QCOMPARE(v.tokens[first], std::string("!"));              // GPT-2 order: 0x21 first
            QCOMPARE(v.tokens[first + 188], std::string("\xc4\x80")); // then U+0100 for 0x00
            QVERIFY(id.count("\xc4\xa0"));                            // "Ġ" = space
            for (size_t r = 0; r < v.merges.size(); ++r) {
                const std::string& m = v.merges[r];
                const size_t sp = m.find(' ');
                QVERIFY(sp != std::string::npos && m.find(' ', sp + 1) == std::string::npos);
                const std::string l = m.substr(0, sp), rr = m.substr(sp + 1);
                QVERIFY(id.count(l) && id.count(rr));
                QVERIFY(id.count(l + rr));
                QVERIFY(id[l] < id[l + rr] && id[rr] < id[l + rr]); // parts exist before
                QCOMPARE(id[l + rr], int32_t(first + 256 + r));     // one token per merge
            }
            const std::string fw = "\xef\xbd\x9c", sep = "\xe2\x96\x81"; // "｜", "▁"
            const std::string eos =
                deepseek ? "<" + fw + "end" + sep + "of" + sep + "sentence" + fw + ">"
                : spec.arch == Arch::Olmoe ? "<|endoftext|>"
                                           : "<|im_end|>";
            QCOMPARE(v.tokens[v.eos], eos);
            if (deepseek) {
                QCOMPARE(v.tokens[v.bos],
                         "<" + fw + "begin" + sep + "of" + sep + "sentence" + fw + ">");
            }
            if (!deepseek && spec.arch != Arch::Olmoe) {
                QVERIFY(id.count("<|im_start|>") && v.types[id["<|im_start|>"]] == kControl);
            }
            if (spec.deepseekV3Tokenizer) {
                QCOMPARE(v.types[id["<" + fw + "User" + fw + ">"]], kUserDefined);
                QCOMPARE(v.types[id["<" + fw + "Assistant" + fw + ">"]], kUserDefined);
            }
        }
        QVERIFY(!v.chatTemplate.empty());
    }

    void tooSmall() {
        synth::SynthSpec spec = synth::synthPreset("tiny-qwen2");
        spec.nVocab = synth::synthMinVocab(spec) - 1;
        QVERIFY_THROWS_EXCEPTION(std::exception, synth::synthVocab(spec));
    }
};

QTEST_APPLESS_MAIN(TestSynthVocab)
#include "tst_synth_vocab.moc"
