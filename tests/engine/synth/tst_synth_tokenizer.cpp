// The tokenizers and chat templates written into synthetic models work with Deepwell's own
// tokenizer and template interpreter: text round-trips, word pieces merge, control tokens
// are recognised, templates render into text that tokenizes to the control ids.
#include "deepwell/chat_template.h"
#include "deepwell/gguf.h"
#include "deepwell/synth.h"
#include "deepwell/tokenizer.h"
#include "synth_expect.h"

#include <QtTest>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace dw;
using namespace dw::synthtest;

namespace {

struct Loaded {
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok;
};

Loaded load(const std::string& preset) {
    Loaded l;
    l.bytes = synth::synthModelBytes(synth::synthPreset(preset));
    l.file = gguf::File::fromMemory(l.bytes.data(), l.bytes.size());
    l.tok = std::make_unique<Tokenizer>(vocabFromGguf(*l.file));
    return l;
}

bool contains(const std::vector<int32_t>& ids, int32_t id) {
    return id >= 0 && std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::ptrdiff_t countOf(const std::vector<int32_t>& ids, int32_t id) {
    return std::count(ids.begin(), ids.end(), id);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestSynthTokenizer : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data() {
        QTest::addColumn<QString>("preset");
        for (const auto& n : synth::synthTinyPresetNames())
            QTest::newRow(n.c_str()) << QString::fromStdString(n);
    }

    void roundTrip() {
        QFETCH(QString, preset);
        const Loaded l = load(preset.toStdString());
        const Tokenizer& tk = *l.tok;
        const std::string text = "Hello world, the model said: caf\xc3\xa9 123!\n\tThey were here.";
        const auto ids = tk.encode(text, false, false);
        std::string back = tk.decode(ids);
        if (back.size() == text.size() + 1 && back[0] == ' ') back.erase(0, 1); // SPM space prefix
        QCOMPARE(QString::fromStdString(back), QString::fromStdString(text));
        QVERIFY(ids.size() < text.size() / 2); // word pieces merged
        const bool spm = tk.model() == "llama";
        QVERIFY(contains(ids, tk.findToken(spm ? "\xe2\x96\x81the" : "\xc4\xa0the")));
        QVERIFY(contains(ids, tk.findToken(spm ? "\xe2\x96\x81model" : "\xc4\xa0model")));
        if (spm) QVERIFY(contains(ids, tk.findToken("<0xC3>"))); // byte fallback for 'é'
    }

    void templatesAndControlTokens_data() { roundTrip_data(); }

    void templatesAndControlTokens() {
        QFETCH(QString, preset);
        const Loaded l = load(preset.toStdString());
        const synth::SynthSpec spec = synth::synthPreset(preset.toStdString());
        const Tokenizer& tk = *l.tok;
        const ChatTemplate tmpl(*l.file->getString("tokenizer.chat_template"));
        ChatTemplateOptions opt;
        opt.bosToken = tk.tokenText(tk.bos());
        opt.eosToken = tk.tokenText(tk.eos());
        const std::string rendered = tmpl.render(
            {{"user", "Hello there", {}}, {"assistant", "Hi", {}}, {"user", "the end", {}}}, opt);
        QVERIFY(rendered.find(turnMarker(spec)) != std::string::npos);
        const auto ids = tk.encode(rendered, false, true);
        QVERIFY(tk.isEog(tk.eos()));
        if (isDeepSeek(spec)) {
            // BOS once at the front, the EOS that closes the assistant turn.
            QCOMPARE(ids.front(), tk.bos());
            QCOMPARE(countOf(ids, tk.bos()), std::ptrdiff_t(1));
            QCOMPARE(countOf(ids, tk.eos()), std::ptrdiff_t(1));
            QCOMPARE(tk.tokenType(tk.bos()), TokenType::Control);
            if (spec.deepseekV3Tokenizer) { // 2 user turns; 1 assistant turn + the prompt
                const int32_t user = tk.findToken("<" + kFw + "User" + kFw + ">");
                const int32_t assistant = tk.findToken("<" + kFw + "Assistant" + kFw + ">");
                QCOMPARE(countOf(ids, user), std::ptrdiff_t(2));
                QCOMPARE(countOf(ids, assistant), std::ptrdiff_t(2));
                QCOMPARE(tk.tokenType(user), TokenType::UserDefined);
            }
            QCOMPARE(tk.decode(ids, true), rendered);
            return;
        }
        if (spec.arch == Arch::Olmoe) { // <|endoftext|> is both BOS and EOS here
            QCOMPARE(ids.front(), tk.bos());
            QCOMPARE(countOf(ids, tk.eos()), std::ptrdiff_t(2));
            QCOMPARE(tk.decode(ids, true), rendered);
            return;
        }
        const char* open = spec.arch == Arch::Gemma3  ? "<start_of_turn>"
                           : spec.arch == Arch::Llama ? "<|start_header_id|>"
                                                      : "<|im_start|>";
        const char* close = spec.arch == Arch::Gemma3  ? "<end_of_turn>"
                            : spec.arch == Arch::Llama ? "<|eot_id|>"
                                                       : "<|im_end|>";
        QCOMPARE(countOf(ids, tk.findToken(open)), std::ptrdiff_t(4));
        QCOMPARE(countOf(ids, tk.findToken(close)), std::ptrdiff_t(3));
        QCOMPARE(tk.tokenType(tk.findToken(open)), TokenType::Control);
        QVERIFY(tk.isEog(tk.findToken(close)));
        if (isSpm(spec)) QCOMPARE(ids.front(), tk.bos());
        // SPM with add_space_prefix (llama) adds a space after each control token, as
        // llama.cpp does; the others decode back to the rendered text exactly.
        if (spec.arch != Arch::Llama) QCOMPARE(tk.decode(ids, true), rendered);
    }

    // The DeepSeek presets carry the official templates byte for byte.
    void officialDeepSeekTemplates_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("file");
        QTest::newRow("deepseek") << "tiny-deepseek"
                                  << "deepseek-v2-lite-chat.jinja";
        QTest::newRow("deepseek2") << "tiny-deepseek2"
                                   << "deepseek-v2-lite-chat.jinja";
        QTest::newRow("deepseek2-v3") << "tiny-deepseek2-v3"
                                      << "deepseek-v3.jinja";
    }

    void officialDeepSeekTemplates() {
        QFETCH(QString, preset);
        QFETCH(QString, file);
        const std::string official =
            readFile(std::string(DW_TEST_DATA_DIR) + "/templates/" + file.toStdString());
        QVERIFY(official.size() > 400);
        const synth::SynthVocab v = synth::synthVocab(synth::synthPreset(preset.toStdString()));
        QCOMPARE(QString::fromStdString(v.chatTemplate), QString::fromStdString(official));
    }
};

QTEST_APPLESS_MAIN(TestSynthTokenizer)
#include "tst_synth_tokenizer.moc"
