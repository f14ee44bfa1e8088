// quantizeModel on real files: synthetic F32 models (dense, tied, MoE, Mixtral-like with 8
// experts, MLA) quantized to every mix, re-read with gguf::File (metadata, types, every
// tensor's bytes against quantizeRow of its source rows), loaded with dw::Model and run: the
// logits must stay close to the F32 model's (cosine similarity over all positions). Then the
// refusals, cancellation, progress and bad input.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/model.h"
#include "deepwell/quantize.h"
#include "deepwell/synth.h"
#include "quant/quant.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

using namespace dw;

namespace {

synth::SynthSpec widen(synth::SynthSpec s, const char* name) {
    s.name = name;
    s.nEmbd = 256; // K-quant rows (256) really used, not the fallbacks
    return s;
}

// name -> spec of the F32 models every mix is applied to.
std::vector<std::pair<std::string, synth::SynthSpec>> models() {
    auto llama = widen(synth::synthPreset("tiny-llama"), "wide-llama");
    llama.nLayer = 8; // use_more_bits(i, 8): layers 0, 3, 6, 7
    llama.nFf = 512;
    auto moe = widen(synth::synthPreset("tiny-qwen3moe"), "wide-qwen3moe");
    moe.nFfExp = 256;
    auto mixtral = widen(synth::synthPreset("tiny-mixtral"), "wide-mixtral8");
    mixtral.nExpert = 8; // the n_expert == 8 rules
    mixtral.nFf = 256;
    return {{"wide-llama", llama},
            {"tiny-gemma3", synth::synthPreset("tiny-gemma3")}, // tied, ne0 64: fallbacks
            {"wide-qwen3moe", moe},
            {"wide-mixtral8", mixtral},
            {"tiny-deepseek2", synth::synthPreset("tiny-deepseek2")}};
}

bool isMoe(const std::string& model) {
    return model.find("moe") != std::string::npos || model.find("mixtral") != std::string::npos ||
           model.find("deepseek") != std::string::npos;
}

// Lowest acceptable mean cosine similarity of quantized vs F32 logits, per mix: the measured
// values (see the table cleanupTestCase prints) less a margin. These random models amplify
// weight noise far more than trained ones, so the values are low for what the types are; MoE
// models are lower still because a few tokens switch experts.
double cosineBound(QuantMix m, bool moe) {
    switch (m) {
    case QuantMix::Q8_0:
        return moe ? 0.97 : 0.995;
    case QuantMix::Q6_K:
        return moe ? 0.96 : 0.99;
    case QuantMix::Q5_K_M:
    case QuantMix::Q5_K:
        return moe ? 0.95 : 0.975;
    case QuantMix::Q4_K_M:
        return moe ? 0.91 : 0.95;
    case QuantMix::Q4_K:
        return moe ? 0.90 : 0.935;
    case QuantMix::Q4_0:
        return moe ? 0.88 : 0.90;
    }
    return 1.0;
}

std::vector<int32_t> probeTokens(int64_t nVocab) {
    std::vector<int32_t> t;
    for (int i = 0; i < 24; ++i) t.push_back(int32_t((7 + 37 * i) % nVocab));
    return t;
}

// Logits of every position, concatenated.
std::vector<float> allLogits(const std::string& path) {
    auto model = Model::load(path);
    ContextOptions co;
    co.nCtx = 64;
    co.nThreads = 2;
    co.device = DeviceKind::Cpu;
    Context ctx(model, co);
    const auto tokens = probeTokens(model->hparams().nVocab);
    std::vector<float> out;
    ctx.eval(tokens.data(), int64_t(tokens.size()), LogitsMode::All, [&](int64_t, const float* l) {
        out.insert(out.end(), l, l + model->hparams().nVocab);
    });
    return out;
}

struct Similarity {
    double mean = 0; // over positions
    double min = 1;
};

// Cosine similarity of two logit rows, position by position. Mean and minimum are both
// reported: in MoE models a token whose top-k experts nearly tie can switch experts under any
// perturbation, so single positions drop (even at Q8_0) while the mean stays high.
Similarity cosine(const std::vector<float>& a, const std::vector<float>& b, size_t nVocab) {
    Similarity s;
    size_t n = 0;
    for (size_t p = 0; p + nVocab <= a.size(); p += nVocab, ++n) {
        double ab = 0, aa = 0, bb = 0;
        for (size_t i = p; i < p + nVocab; ++i) {
            ab += double(a[i]) * b[i];
            aa += double(a[i]) * a[i];
            bb += double(b[i]) * b[i];
        }
        const double c = ab / std::sqrt(aa * bb);
        s.mean += c;
        s.min = std::min(s.min, c);
    }
    s.mean /= double(std::max<size_t>(n, 1));
    return s;
}

// Every output tensor holds exactly quantizeRow(target, its source row) (or the source bytes).
QString tensorBytesMismatch(const gguf::File& src, const gguf::File& out) {
    for (size_t i = 0; i < src.tensors().size(); ++i) {
        const auto& s = src.tensors()[i];
        const auto& o = out.tensors()[i];
        if (s.name != o.name || s.ne != o.ne || s.nDims != o.nDims)
            return QString("tensor %1: name or shape differs").arg(i);
        if (s.type == o.type) {
            if (s.nBytes != o.nBytes || std::memcmp(s.data, o.data, s.nBytes) != 0)
                return QString::fromStdString(s.name + ": copied bytes differ");
            continue;
        }
        const int64_t ne0 = s.ne[0];
        const size_t sr = rowBytes(s.type, ne0), orow = rowBytes(o.type, ne0);
        std::vector<float> x(static_cast<size_t>(ne0));
        std::vector<uint8_t> q(orow);
        for (int64_t r = 0; r < s.nRows(); ++r) {
            quant::dequantizeRow(s.type, s.data + size_t(r) * sr, x.data(), ne0);
            quant::quantizeRow(o.type, x.data(), q.data(), ne0);
            if (std::memcmp(q.data(), o.data + size_t(r) * orow, orow) != 0)
                return QString::fromStdString(s.name + ": row " + std::to_string(r) + " differs");
        }
    }
    return {};
}

} // namespace

class TestModelQuantizerFile : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::map<std::string, std::vector<float>> m_f32Logits;
    std::map<std::string, std::map<std::string, Similarity>> m_cosines; // model -> mix

    std::string path(const std::string& name) const {
        return (m_dir.path() + "/").toStdString() + name;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        for (const auto& [name, spec] : models()) {
            synth::writeSynthModel(spec, path(name + "-f32.gguf"));
            m_f32Logits[name] = allLogits(path(name + "-f32.gguf"));
        }
    }

    void cleanupTestCase() {
        // The table for docs/PERFORMANCE.md: mean (min) over the 24 positions.
        std::string table = "\n| model | Q8_0 | Q6_K | Q5_K_M | Q5_K | Q4_K_M | Q4_K | Q4_0 |\n"
                            "|---|---|---|---|---|---|---|---|\n";
        for (const auto& [model, byMix] : m_cosines) {
            table += "| " + model + " |";
            for (const char* mix : {"Q8_0", "Q6_K", "Q5_K_M", "Q5_K", "Q4_K_M", "Q4_K", "Q4_0"}) {
                const auto it = byMix.find(mix);
                const Similarity s = it == byMix.end() ? Similarity{0, 0} : it->second;
                char buf[48];
                std::snprintf(buf, sizeof buf, " %.4f (%.3f) |", s.mean, s.min);
                table += buf;
            }
            table += "\n";
        }
        qInfo("cosine similarity of the logits vs F32, mean (min) over 24 positions:%s",
              table.c_str());
    }

    void quantizeEveryMix_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("mix");
        for (const auto& [name, spec] : models())
            for (QuantMix m : allQuantMixes())
                QTest::addRow("%s %s", name.c_str(), quantMixName(m))
                    << QString::fromStdString(name) << int(m);
    }
    void quantizeEveryMix() {
        QFETCH(QString, model);
        QFETCH(int, mix);
        const QuantMix m = QuantMix(mix);
        const std::string in = path(model.toStdString() + "-f32.gguf");
        const std::string out = path(model.toStdString() + "-" + quantMixName(m) + ".gguf");
        QuantizeOptions opt;
        opt.threads = 3;
        const QuantizePlan plan = quantizeModel(in, out, m, opt);

        const auto src = gguf::File::open(in);
        const auto dst = gguf::File::open(out);
        // Metadata: every key kept in order and value, plus the two quantization keys.
        QCOMPARE(dst->getInt("general.file_type").value_or(-1), int64_t(quantMixFileType(m)));
        QCOMPARE(dst->getInt("general.quantization_version").value_or(-1), int64_t(2));
        size_t k = 0;
        for (const auto& [key, value] : src->metadata()) {
            if (key == "general.file_type" || key == "general.quantization_version") continue;
            while (k < dst->metadata().size() && dst->metadata()[k].first != key) ++k;
            QVERIFY2(k < dst->metadata().size(), key.c_str());
            QVERIFY2(dst->metadata()[k].second == value, key.c_str());
        }
        // Types as planned; bytes as quantizeRow makes them.
        QCOMPARE(dst->tensors().size(), plan.tensors.size());
        uint64_t dataBytes = 0;
        for (size_t i = 0; i < plan.tensors.size(); ++i) {
            QCOMPARE(dst->tensors()[i].type, plan.tensors[i].targetType);
            dataBytes += dst->tensors()[i].nBytes;
        }
        QCOMPARE(dataBytes, plan.targetBytes);
        const QString mismatch = tensorBytesMismatch(*src, *dst);
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        for (const auto& t : dst->tensors())
            if (t.name.find("_norm.weight") != std::string::npos) QCOMPARE(t.type, DType::F32);

        // The quantized model runs and stays close to the F32 one.
        const auto logits = allLogits(out);
        const auto& ref = m_f32Logits[model.toStdString()];
        QCOMPARE(logits.size(), ref.size());
        const size_t nVocab = size_t(Model::load(out)->hparams().nVocab);
        const Similarity sim = cosine(ref, logits, nVocab);
        m_cosines[model.toStdString()][quantMixName(m)] = sim;
        const double bound = cosineBound(m, isMoe(model.toStdString()));
        QVERIFY2(sim.mean >= bound,
                 qPrintable(QString("mean cosine %1 < %2").arg(sim.mean).arg(bound)));
        QVERIFY(sim.mean <= 1.0 + 1e-9 && sim.min <= sim.mean);
    }

    // In the dense models more bits give closer logits, and the _M mixes beat their plain
    // type (in MoE models expert switches blur this).
    void denseModelsOrderByBits() {
        for (const char* model : {"wide-llama", "tiny-gemma3"}) {
            const auto& c = m_cosines[model];
            QVERIFY2(c.size() == allQuantMixes().size(), model);
            const std::vector<const char*> order{"Q8_0",   "Q6_K", "Q5_K_M", "Q5_K",
                                                 "Q4_K_M", "Q4_K", "Q4_0"};
            for (size_t i = 1; i < order.size(); ++i)
                QVERIFY2(c.at(order[i - 1]).mean >= c.at(order[i]).mean,
                         qPrintable(QString("%1: %2 below %3").arg(model, order[i - 1], order[i])));
        }
    }

    // Spot checks of the rules on files (the full table is in tst_model_quantizer).
    void wideLlamaQ4KMTypes() {
        const auto f = gguf::File::open(path("wide-llama-Q4_K_M.gguf"));
        auto type = [&](const std::string& n) {
            return f->findTensor(n) ? f->findTensor(n)->type : DType::I8;
        };
        for (int il = 0; il < 8; ++il) {
            const bool more = il == 0 || il == 3 || il == 6 || il == 7; // use_more_bits(i, 8)
            const std::string p = "blk." + std::to_string(il) + ".";
            QCOMPARE(type(p + "ffn_down.weight"), more ? DType::Q6_K : DType::Q4_K);
            QCOMPARE(type(p + "attn_v.weight"), more ? DType::Q6_K : DType::Q4_K);
            QCOMPARE(type(p + "attn_q.weight"), DType::Q4_K);
        }
        QCOMPARE(type("output.weight"), DType::Q6_K);
        QCOMPARE(type("token_embd.weight"), DType::Q4_K);
        const auto g = gguf::File::open(path("tiny-gemma3-Q5_K_M.gguf"));
        QCOMPARE(g->findTensor("token_embd.weight")->type, DType::Q8_0); // tied, ne0 64
        QCOMPARE(g->findTensor("blk.1.attn_q.weight")->type, DType::Q5_1);
        QCOMPARE(g->findTensor("blk.0.ffn_down.weight")->type, DType::Q5_K); // ne0 256
        QCOMPARE(g->findTensor("blk.2.ffn_down.weight")->type, DType::Q6_K); // use_more_bits(2, 4)
        const auto x = gguf::File::open(path("wide-mixtral8-Q4_K_M.gguf"));
        QCOMPARE(x->findTensor("blk.0.attn_v.weight")->type, DType::Q8_0);
        QCOMPARE(x->findTensor("blk.0.attn_k.weight")->type, DType::Q8_0);
        QCOMPARE(x->findTensor("blk.0.attn_output.weight")->type, DType::Q5_K);
        QCOMPARE(x->findTensor("blk.0.ffn_gate_inp.weight")->type, DType::F32);
    }

    void halfSources_data() {
        QTest::addColumn<int>("source");
        QTest::newRow("F16") << int(DType::F16);
        QTest::newRow("BF16") << int(DType::BF16);
    }
    void halfSources() {
        QFETCH(int, source);
        auto spec = models()[0].second;
        spec.weightType = DType(source);
        const std::string in = path("half.gguf"), out = path("half-q4km.gguf");
        synth::writeSynthModel(spec, in);
        quantizeModel(in, out, QuantMix::Q4_K_M);
        const auto src = gguf::File::open(in);
        const auto dst = gguf::File::open(out);
        QCOMPARE(dst->findTensor("blk.0.ffn_down.weight")->type, DType::Q6_K);
        const QString mismatch = tensorBytesMismatch(*src, *dst);
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }

    void alreadyQuantizedIsRefusedUnlessUnchanged() {
        auto spec = models()[0].second;
        spec.weightType = DType::Q8_0;
        const std::string in = path("q8.gguf"), out = path("q8-q4km.gguf");
        synth::writeSynthModel(spec, in);
        try {
            quantizeModel(in, out, QuantMix::Q4_K_M);
            QFAIL("a Q8_0 model was re-quantized");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            QVERIFY2(std::string(e.what()).find("already Q8_0") != std::string::npos, e.what());
        }
        QVERIFY(!QFile::exists(QString::fromStdString(out)));
        // To Q8_0 nothing changes: every tensor is copied as it is.
        quantizeModel(in, path("q8-q8.gguf"), QuantMix::Q8_0);
        const auto src = gguf::File::open(in);
        const auto dst = gguf::File::open(path("q8-q8.gguf"));
        for (size_t i = 0; i < src->tensors().size(); ++i)
            QCOMPARE(dst->tensors()[i].type, src->tensors()[i].type);
        QVERIFY(tensorBytesMismatch(*src, *dst).isEmpty());
    }

    void progressIsMonotonicAndComplete() {
        std::vector<QuantizeProgress> seen;
        QuantizeOptions opt;
        opt.threads = 2;
        opt.onProgress = [&](const QuantizeProgress& p) { seen.push_back(p); };
        const auto plan =
            quantizeModel(path("wide-llama-f32.gguf"), path("progress.gguf"), QuantMix::Q4_0, opt);
        QVERIFY(seen.size() >= plan.tensors.size());
        for (size_t i = 1; i < seen.size(); ++i) {
            QVERIFY(seen[i].doneElements >= seen[i - 1].doneElements);
            QVERIFY(seen[i].tensorIndex >= seen[i - 1].tensorIndex);
        }
        QCOMPARE(seen.back().doneElements, plan.nElements);
        QCOMPARE(seen.back().totalElements, plan.nElements);
        QCOMPARE(seen.back().tensorIndex + 1, plan.tensors.size());
        QCOMPARE(seen.back().fraction(), 1.0f);
    }

    void cancelLeavesNoFile() {
        std::atomic<bool> cancel{false};
        QuantizeOptions opt;
        opt.cancel = &cancel;
        int calls = 0;
        opt.onProgress = [&](const QuantizeProgress&) {
            if (++calls == 3) cancel.store(true); // in the middle of the file
        };
        const std::string out = path("cancelled.gguf");
        try {
            quantizeModel(path("wide-llama-f32.gguf"), out, QuantMix::Q4_K_M, opt);
            QFAIL("not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
        QVERIFY(!QFile::exists(QString::fromStdString(out)));
        const QStringList temps = QDir(m_dir.path()).entryList({"cancelled.gguf*"});
        QVERIFY2(temps.isEmpty(), qPrintable(temps.join(", ")));
    }

    void nonFiniteWeightIsNamed() {
        gguf::Writer w;
        w.set("general.architecture", gguf::Value::string("llama"));
        std::vector<float> v(256 * 4, 0.5f);
        v[256 * 2 + 17] = std::numeric_limits<float>::quiet_NaN();
        w.addTensor("blk.0.attn_q.weight", DType::F32, {256, 4}, v.data(), v.size() * 4);
        w.write(path("nan.gguf"));
        try {
            quantizeModel(path("nan.gguf"), path("nan-q8.gguf"), QuantMix::Q8_0);
            QFAIL("NaN accepted");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Format);
            const std::string msg = e.what();
            QVERIFY2(msg.find("blk.0.attn_q.weight") != std::string::npos &&
                         msg.find("row 2") != std::string::npos,
                     msg.c_str());
        }
        QVERIFY(!QFile::exists(path("nan-q8.gguf").c_str()));
    }

    void badArguments() {
        const std::string in = path("wide-llama-f32.gguf");
        auto code = [](auto&& fn) {
            try {
                fn();
            } catch (const Error& e) {
                return e.code();
            }
            return ErrorCode::Internal;
        };
        QCOMPARE(code([&] { quantizeModel(in, in, QuantMix::Q8_0); }), ErrorCode::InvalidArgument);
        QCOMPARE(code([&] { quantizeModel(path("missing.gguf"), path("x.gguf"), QuantMix::Q8_0); }),
                 ErrorCode::Io);
        QuantizeOptions opt;
        opt.threads = -1;
        QCOMPARE(code([&] { quantizeModel(in, path("x.gguf"), QuantMix::Q8_0, opt); }),
                 ErrorCode::InvalidArgument);
        QFile junk(QString::fromStdString(path("junk.gguf")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a gguf file at all, just text");
        junk.close();
        QCOMPARE(code([&] { quantizeModel(path("junk.gguf"), path("x.gguf"), QuantMix::Q8_0); }),
                 ErrorCode::Format);
        QCOMPARE(code([&] { quantizeModel(in, path("no-such-dir/x.gguf"), QuantMix::Q8_0); }),
                 ErrorCode::Io);
        QVERIFY(!QFile::exists(path("x.gguf").c_str()));
    }
};

QTEST_APPLESS_MAIN(TestModelQuantizerFile)
#include "tst_model_quantizer_file.moc"
