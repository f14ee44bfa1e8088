// The synthetic-model writer: files re-read by gguf::File carry the intended keys, tensor
// names, shapes and types (every tiny preset; MoE specifics in tst_synth_moe); same seed ->
// same bytes; quantized types fall back as llama-quantize does; the PRNG matches published
// splitmix64 values; the plain reference gives finite, non-degenerate logits on every preset.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/synth.h"
#include "quant/quant.h"
#include "reference/ref_model.h"
#include "synth/synth_rng.h"
#include "synth_expect.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

using namespace dw;
using namespace dw::synthtest;

namespace {

struct Opened {
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;
};

Opened openSpec(const SynthSpec& spec) {
    Opened o;
    o.bytes = synth::synthModelBytes(spec);
    o.file = gguf::File::fromMemory(o.bytes.data(), o.bytes.size());
    return o;
}

std::vector<float> tensorFloats(const gguf::File& f, const std::string& name) {
    const gguf::TensorInfo* t = f.findTensor(name);
    std::vector<float> out(static_cast<size_t>(t->nElements()));
    const size_t rb = rowBytes(t->type, t->ne[0]);
    for (int64_t r = 0; r < t->nRows(); ++r) {
        quant::dequantizeRow(t->type, t->data + r * rb, out.data() + r * t->ne[0], t->ne[0]);
    }
    return out;
}

template <typename F> std::optional<ErrorCode> errorOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return std::nullopt;
}

} // namespace

class TestSynth : public QObject {
    Q_OBJECT
private slots:
    void presetFiles_data() {
        QTest::addColumn<QString>("preset");
        for (const auto& n : synth::synthTinyPresetNames())
            QTest::newRow(n.c_str()) << QString::fromStdString(n);
    }

    void presetFiles() {
        QFETCH(QString, preset);
        const SynthSpec s = synth::synthPreset(preset.toStdString());
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.gguf").toStdString();
        synth::writeSynthModel(s, path);
        const auto f = gguf::File::open(path);
        const std::string a = synth::archName(s.arch);
        QCOMPARE(f->getString("general.architecture"), std::optional(a));
        QCOMPARE(f->getInt(a + ".block_count"), std::optional(s.nLayer));
        QCOMPARE(f->getInt(a + ".embedding_length"), std::optional(s.nEmbd));
        QCOMPARE(f->getInt(a + ".feed_forward_length"), std::optional(s.nFf));
        QCOMPARE(f->getInt(a + ".context_length"), std::optional(s.nCtxTrain));
        QCOMPARE(f->getInt(a + ".attention.head_count"), std::optional(s.nHead));
        const int64_t kvHeads = s.arch != Arch::DeepSeek2                ? s.nHeadKv
                                : s.mlaLayout == synth::MlaLayout::Split ? 1
                                                                         : s.nHead;
        QCOMPARE(f->getInt(a + ".attention.head_count_kv"), std::optional(kvHeads));
        QCOMPARE(*f->getFloat(a + ".attention.layer_norm_rms_epsilon"), double(s.rmsEps));
        QCOMPARE(*f->getFloat(a + ".rope.freq_base"), double(s.ropeBase));
        if (s.arch == Arch::Qwen3 || s.arch == Arch::Gemma3 || s.arch == Arch::Qwen3Moe) {
            QCOMPARE(f->getInt(a + ".attention.key_length"), std::optional(s.headDim));
            QCOMPARE(f->getInt(a + ".attention.value_length"), std::optional(s.headDim));
        }
        if (s.arch == Arch::Gemma3) {
            QCOMPARE(f->getInt(a + ".attention.sliding_window"), std::optional(s.slidingWindow));
            QCOMPARE(f->getInt(a + ".attention.sliding_window_pattern"),
                     std::optional(s.swaPattern));
            QCOMPARE(*f->getFloat(a + ".rope.freq_base_swa"), double(s.ropeBaseSwa));
        }
        QVERIFY(!f->find("general.quantization_version")); // all F32
        // Tokenizer keys.
        const bool spm = isSpm(s);
        QCOMPARE(f->getString("tokenizer.ggml.model"),
                 std::optional<std::string>(spm ? "llama" : "gpt2"));
        QCOMPARE(qint64(f->find("tokenizer.ggml.tokens")->size()), qint64(s.nVocab));
        QCOMPARE(qint64(f->find("tokenizer.ggml.token_type")->size()), qint64(s.nVocab));
        QCOMPARE(f->find("tokenizer.ggml.scores") != nullptr, spm);
        QCOMPARE(f->find("tokenizer.ggml.merges") != nullptr, !spm);
        if (!spm) QCOMPARE(f->getString("tokenizer.ggml.pre"), std::optional(preName(s)));
        QCOMPARE(f->getBool("tokenizer.ggml.add_bos_token"), std::optional(spm || isDeepSeek(s)));
        const auto* toks = f->find("tokenizer.ggml.tokens")->toStringArray();
        const auto bos = *f->getInt("tokenizer.ggml.bos_token_id");
        const auto eos = *f->getInt("tokenizer.ggml.eos_token_id");
        QCOMPARE((*toks)[bos], bosText(s));
        QCOMPARE((*toks)[eos], eosText(s));
        const std::string tmpl = *f->getString("tokenizer.chat_template");
        QVERIFY(tmpl.find(turnMarker(s)) != std::string::npos);
        // Tensors: exactly the expected names and shapes, all F32.
        const TensorList want = expectedTensors(s);
        QCOMPARE(f->tensors().size(), want.size());
        for (const auto& [name, ne] : want) {
            const gguf::TensorInfo* t = f->findTensor(name);
            QVERIFY2(t, name.c_str());
            QCOMPARE(t->type, DType::F32);
            for (size_t d = 0; d < 4; ++d) QCOMPARE(t->ne[d], d < ne.size() ? ne[d] : int64_t(1));
        }
    }

    void deterministicBytes() {
        SynthSpec s = synth::synthPreset("tiny-qwen3");
        s.weightType = DType::Q8_0;
        const auto a = synth::synthModelBytes(s);
        const auto b = synth::synthModelBytes(s);
        QVERIFY(a == b);
        QTemporaryDir dir;
        const std::string path = dir.filePath("q.gguf").toStdString();
        synth::writeSynthModel(s, path);
        std::ifstream in(path, std::ios::binary);
        const std::vector<uint8_t> onDisk{std::istreambuf_iterator<char>(in), {}};
        QVERIFY(onDisk == a);
        // Another seed: same layout and metadata, different weights in every tensor.
        const Opened o1 = openSpec(synth::synthPreset("tiny-qwen3"));
        SynthSpec s2 = synth::synthPreset("tiny-qwen3");
        s2.seed = 2;
        const Opened o2 = openSpec(s2);
        QCOMPARE(o1.bytes.size(), o2.bytes.size());
        QVERIFY(o1.file->metadata() == o2.file->metadata());
        for (const auto& t : o1.file->tensors()) {
            const gguf::TensorInfo* u = o2.file->findTensor(t.name);
            QCOMPARE(u->nBytes, t.nBytes);
            QVERIFY2(std::memcmp(t.data, u->data, t.nBytes) != 0, t.name.c_str());
        }
    }

    void splitmixAndNormals() {
        // Published splitmix64 outputs for seed 0.
        synth::SplitMix64 r(0);
        QCOMPARE(r.next(), 0xe220a8397b1dcdafull);
        QCOMPARE(r.next(), 0x6e789e6aa1b965f4ull);
        QCOMPARE(r.next(), 0x06c45d188009454full);
        for (double x : {1e-300, 0.001, 0.5, 0.7071, 1.0, 1.5, 2.0, 3.14159, 1e10}) {
            QVERIFY2(std::abs(synth::portableLog(x) - std::log(x)) <=
                         4e-16 * std::max(1.0, std::abs(std::log(x))),
                     qPrintable(QString::number(x)));
        }
        synth::NormalStream n(7);
        double sum = 0, sumSq = 0;
        const int count = 200000;
        for (int i = 0; i < count; ++i) {
            const double v = n.next();
            sum += v;
            sumSq += v * v;
        }
        QVERIFY(std::abs(sum / count) < 0.01);
        QVERIFY(std::abs(sumSq / count - 1.0) < 0.02);
    }

    void weightScales() {
        const Opened o = openSpec(synth::synthPreset("tiny-llama"));
        for (const char* name :
             {"token_embd.weight", "blk.1.ffn_down.weight", "blk.0.attn_q.weight"}) {
            const auto v = tensorFloats(*o.file, name);
            double ss = 0;
            for (float x : v) ss += double(x) * x;
            const double want = 1.0 / o.file->findTensor(name)->ne[0]; // variance 1 / fan_in
            QVERIFY2(std::abs(ss / double(v.size()) / want - 1.0) < 0.1, name);
        }
        for (float x : tensorFloats(*o.file, "blk.0.attn_norm.weight"))
            QVERIFY(x > 0.5f && x < 1.5f);
    }

    void storageTypeRule_data() {
        QTest::addColumn<int>("wanted");
        QTest::addColumn<qint64>("ne0");
        QTest::addColumn<bool>("output");
        QTest::addColumn<int>("expected");
        auto row = [](const char* n, DType w, qint64 ne0, bool out, DType e) {
            QTest::newRow(n) << int(w) << ne0 << out << int(e);
        };
        row("Q4_K 2048 fits", DType::Q4_K, 2048, false, DType::Q4_K);
        row("Q4_K 640 -> Q5_0", DType::Q4_K, 640, false, DType::Q5_0);
        row("Q5_K 640 -> Q5_1", DType::Q5_K, 640, false, DType::Q5_1);
        row("Q6_K 640 -> Q8_0", DType::Q6_K, 640, false, DType::Q8_0);
        row("Q2_K 640 -> Q4_0", DType::Q2_K, 640, false, DType::Q4_0);
        row("Q3_K 640 -> Q4_0", DType::Q3_K, 640, false, DType::Q4_0);
        row("Q4_K 48 -> F16", DType::Q4_K, 48, false, DType::F16);
        row("Q8_0 48 -> F16", DType::Q8_0, 48, false, DType::F16);
        row("output Q6_K 640 -> Q8_0", DType::Q6_K, 640, true, DType::Q8_0);
        row("output Q4_K 48 -> F16", DType::Q4_K, 48, true, DType::F16);
        row("F16 any", DType::F16, 7, false, DType::F16);
    }

    void storageTypeRule() {
        QFETCH(int, wanted);
        QFETCH(qint64, ne0);
        QFETCH(bool, output);
        QFETCH(int, expected);
        QCOMPARE(int(synth::storageType(DType(wanted), ne0, output)), expected);
    }

    void quantizedFallbacks_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("embd"); // token_embd (tied output), ne0 64
        QTest::addColumn<int>("q");    // attn_q, ne0 64
        QTest::addColumn<int>("out");  // attn_output, ne0 128
        QTest::addColumn<int>("down"); // ffn_down, ne0 256
        auto row = [](const char* n, DType t, DType e, DType q, DType o, DType d) {
            QTest::newRow(n) << int(t) << int(e) << int(q) << int(o) << int(d);
        };
        row("Q4_K", DType::Q4_K, DType::Q8_0, DType::Q5_0, DType::Q5_0, DType::Q4_K);
        row("Q6_K", DType::Q6_K, DType::Q8_0, DType::Q8_0, DType::Q8_0, DType::Q6_K);
        row("Q5_K", DType::Q5_K, DType::Q8_0, DType::Q5_1, DType::Q5_1, DType::Q5_K);
        row("Q8_0", DType::Q8_0, DType::Q8_0, DType::Q8_0, DType::Q8_0, DType::Q8_0);
        row("F16", DType::F16, DType::F16, DType::F16, DType::F16, DType::F16);
    }

    void quantizedFallbacks() {
        QFETCH(int, type);
        QFETCH(int, embd);
        QFETCH(int, q);
        QFETCH(int, out);
        QFETCH(int, down);
        SynthSpec s = synth::synthPreset("tiny-gemma3");
        s.weightType = DType(type);
        const Opened o = openSpec(s);
        const gguf::File& f = *o.file;
        QCOMPARE(int(f.findTensor("token_embd.weight")->type), embd);
        QCOMPARE(int(f.findTensor("blk.0.attn_q.weight")->type), q);
        QCOMPARE(int(f.findTensor("blk.2.attn_output.weight")->type), out);
        QCOMPARE(int(f.findTensor("blk.3.ffn_down.weight")->type), down);
        QCOMPARE(f.findTensor("blk.0.attn_q_norm.weight")->type, DType::F32);
        QCOMPARE(f.findTensor("output_norm.weight")->type, DType::F32);
        const bool quantized = DType(type) != DType::F16;
        QCOMPARE(f.getInt("general.quantization_version"),
                 quantized ? std::optional<int64_t>(2) : std::nullopt);
        // The stored weights are the same seeded values as the F32 file, up to quantization.
        SynthSpec sf = s;
        sf.weightType = DType::F32;
        const Opened of = openSpec(sf);
        for (const char* name : {"blk.3.ffn_down.weight", "blk.0.attn_q.weight"}) {
            const auto ref = tensorFloats(*of.file, name);
            const auto got = tensorFloats(f, name);
            double err = 0, mag = 0;
            for (size_t i = 0; i < ref.size(); ++i) {
                err += std::pow(double(got[i]) - ref[i], 2);
                mag += double(ref[i]) * ref[i];
            }
            QVERIFY2(std::sqrt(err / mag) < 0.15, name); // Q4-class rms error is ~0.1
        }
    }

    void typeOverrides() {
        SynthSpec s = synth::synthPreset("tiny-llama");
        s.weightType = DType::Q4_0;
        s.typeOverrides = {{"token_embd", DType::Q8_0}, {"ffn_down", DType::F16}};
        const Opened o = openSpec(s);
        QCOMPARE(o.file->findTensor("token_embd.weight")->type, DType::Q8_0);
        QCOMPARE(o.file->findTensor("blk.0.ffn_down.weight")->type, DType::F16);
        QCOMPARE(o.file->findTensor("blk.0.ffn_up.weight")->type, DType::Q4_0);
        QCOMPARE(o.file->getInt("general.file_type"), std::optional<int64_t>(2));
    }

    void referenceLogitsNonDegenerate_data() { presetFiles_data(); }

    void referenceLogitsNonDegenerate() {
        QFETCH(QString, preset);
        const Opened o = openSpec(synth::synthPreset(preset.toStdString()));
        const auto model = ref::Model::fromFile(*o.file);
        const auto logits = model->logits({1, 100, 250, 400, 7, 8});
        for (const auto& row : logits) {
            double sum = 0, sumSq = 0;
            for (double z : row) {
                QVERIFY(std::isfinite(z));
                sum += z;
                sumSq += z * z;
            }
            const double mean = sum / double(row.size());
            const double sd = std::sqrt(sumSq / double(row.size()) - mean * mean);
            QVERIFY2(sd > 0.2 && sd < 20, qPrintable(QString("logit sd %1").arg(sd)));
        }
    }

    void badSpecs() {
        auto bad = [](auto edit) {
            SynthSpec s = synth::synthPreset("tiny-llama");
            edit(s);
            return errorOf([&] { synth::validate(s); });
        };
        const auto invalid = std::optional(ErrorCode::InvalidArgument);
        QCOMPARE(bad([](SynthSpec& s) { s.nHeadKv = 3; }), invalid);
        QCOMPARE(bad([](SynthSpec& s) { s.nLayer = 0; }), invalid);
        QCOMPARE(bad([](SynthSpec& s) { s.nVocab = 100; }), invalid);
        QCOMPARE(bad([](SynthSpec& s) { s.headDim = 15; }), invalid);
        QCOMPARE(bad([](SynthSpec& s) { s.slidingWindow = 4; }), invalid); // gemma3 only
        QCOMPARE(bad([](SynthSpec& s) { s.weightType = DType::I32; }), invalid);
        QCOMPARE(bad([](SynthSpec& s) { s.initScale = 0; }), invalid);
        QCOMPARE(bad([](SynthSpec&) {}), std::nullopt);
        QCOMPARE(errorOf([] { synth::synthPreset("huge-llama"); }), invalid);
        SynthSpec g = synth::synthPreset("tiny-gemma3");
        g.biases = true;
        QCOMPARE(errorOf([&] { synth::synthModelBytes(g); }), invalid);
    }
};

QTEST_APPLESS_MAIN(TestSynth)
#include "tst_synth.moc"
