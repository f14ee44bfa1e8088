// The tokenizers and chat templates written into synthetic models work with Deepwell's own
// tokenizer and template interpreter: text round-trips, word pieces merge, control tokens
// are recognised, templates render into text that tokenizes to the control ids.
#include "deepwell/chat_template.h"
#include "deepwell/gguf.h"
#include "deepwell/tokenizer.h"
#include "synth/synth.h"

#include <QtTest>

#include <algorithm>

using namespace dw;
using synth::Arch;

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

} // namespace

class TestSynthTokenizer : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data() {
        QTest::addColumn<QString>("preset");
        for (const auto& n : synth::synthPresetNames())
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
        const Tokenizer& tk = *l.tok;
        const ChatTemplate tmpl(*l.file->getString("tokenizer.chat_template"));
        ChatTemplateOptions opt;
        opt.bosToken = tk.tokenText(tk.bos());
        opt.eosToken = tk.tokenText(tk.eos());
        const std::string rendered = tmpl.render(
            {{"user", "Hello there", {}}, {"assistant", "Hi", {}}, {"user", "the end", {}}}, opt);
        const auto ids = tk.encode(rendered, false, true);
        const std::string arch = preset.toStdString();
        const char* open = arch == "tiny-gemma3"  ? "<start_of_turn>"
                           : arch == "tiny-llama" ? "<|start_header_id|>"
                                                  : "<|im_start|>";
        const char* close = arch == "tiny-gemma3"  ? "<end_of_turn>"
                            : arch == "tiny-llama" ? "<|eot_id|>"
                                                   : "<|im_end|>";
        QCOMPARE(std::count(ids.begin(), ids.end(), tk.findToken(open)), std::ptrdiff_t(4));
        QCOMPARE(std::count(ids.begin(), ids.end(), tk.findToken(close)), std::ptrdiff_t(3));
        QCOMPARE(tk.tokenType(tk.findToken(open)), TokenType::Control);
        QVERIFY(tk.isEog(tk.findToken(close)));
        QVERIFY(tk.isEog(tk.eos()));
        if (arch == "tiny-gemma3" || arch == "tiny-llama") QCOMPARE(ids.front(), tk.bos());
        // SPM with add_space_prefix (llama) adds a space after each control token, as
        // llama.cpp does; the others decode back to the rendered text exactly.
        if (arch != "tiny-llama") QCOMPARE(tk.decode(ids, true), rendered);
    }
};

QTEST_APPLESS_MAIN(TestSynthTokenizer)
#include "tst_synth_tokenizer.moc"
