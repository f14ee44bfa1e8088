// The reference on whole synthetic models: the causal property of every tiny preset, the
// per-architecture router rules read from the files (ENGINE_FACTS 4.1, 4.3, 4.4, 4.6, 4.7,
// 10.7), the exposed per-layer expert selections, and loader errors for MoE/MLA files.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/synth.h"
#include "reference/ref_model.h"

#include <QtTest>

#include <cmath>
#include <optional>
#include <set>

using namespace dw;

namespace {

struct Loaded {
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<ref::Model> model;
};

Loaded loadBytes(std::vector<uint8_t> bytes) {
    Loaded l;
    l.bytes = std::move(bytes);
    l.file = gguf::File::fromMemory(l.bytes.data(), l.bytes.size());
    l.model = ref::Model::fromFile(*l.file);
    return l;
}

Loaded load(const std::string& preset) {
    return loadBytes(synth::synthModelBytes(synth::synthPreset(preset)));
}

template <typename F> std::optional<ErrorCode> errorOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return std::nullopt;
}

const std::vector<int32_t> kTokens{1, 17, 300, 42, 9, 250, 77, 5, 400, 3, 120, 64, 8, 200, 31, 2};

} // namespace

class TestReferenceModels : public QObject {
    Q_OBJECT
private slots:
    void causalProperty_data() {
        QTest::addColumn<QString>("preset");
        for (const auto& name : synth::synthTinyPresetNames()) {
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
        }
    }

    void causalProperty() {
        QFETCH(QString, preset);
        const Loaded l = load(preset.toStdString());
        const std::vector<int32_t> a{3, 77, 200, 5, 411, 9, 300};
        std::vector<int32_t> b = a;
        b[5] = 123;
        b[6] = 42;
        const auto la = l.model->logits(a);
        const auto lb = l.model->logits(b);
        const auto prefix = l.model->logits({a.begin(), a.begin() + 5});
        for (size_t t = 0; t < 5; ++t) {
            QCOMPARE(la[t], lb[t]);     // later tokens never leak backwards
            QCOMPARE(la[t], prefix[t]); // nor does the sequence length
        }
        double diff = 0;
        for (size_t v = 0; v < la[5].size(); ++v) diff += std::abs(la[5][v] - lb[5][v]);
        QVERIFY(diff > 1e-3); // the changed token itself does matter
    }

    void routerRules_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("gating");
        QTest::addColumn<bool>("normalize");
        QTest::addColumn<double>("scale");
        QTest::addColumn<qint64>("ffExp");
        QTest::addColumn<qint64>("ffShared");
        QTest::addColumn<bool>("sharedGate");
        QTest::addColumn<qint64>("leadingDense");
        auto row = [](const char* p, ref::Gating g, bool norm, double scale, qint64 ff,
                      qint64 shared, bool gate, qint64 dense) {
            QTest::newRow(p) << p << int(g) << norm << scale << ff << shared << gate << dense;
        };
        const auto soft = ref::Gating::Softmax;
        // Mixtral: softmax, renormalised, experts as wide as feed_forward_length (4.1).
        row("tiny-mixtral", soft, true, 0.0, 64, 0, false, 0);
        // Qwen1.5-MoE: no renormalisation, sigmoid-gated shared expert (4.4).
        row("tiny-qwen2moe", soft, false, 0.0, 32, 128, true, 0);
        // Qwen3-MoE: always renormalised, no scale (4.3).
        row("tiny-qwen3moe", soft, true, 0.0, 32, 0, false, 0);
        // OLMoE: no renormalisation, experts feed_forward_length wide (4.4).
        row("tiny-olmoe", soft, false, 0.0, 32, 0, false, 0);
        // DeepSeek V1: softmax, no renormalisation, scale 1 (a no-op), shared 2 x 32 (4.7).
        row("tiny-deepseek", soft, false, 1.0, 32, 64, false, 1);
        row("tiny-deepseek2", soft, false, 1.0, 32, 64, false, 1);
        row("tiny-deepseek2-v3", ref::Gating::Sigmoid, true, 2.5, 32, 32, false, 1);
    }

    void routerRules() {
        QFETCH(QString, preset);
        QFETCH(int, gating);
        QFETCH(bool, normalize);
        QFETCH(double, scale);
        QFETCH(qint64, ffExp);
        QFETCH(qint64, ffShared);
        QFETCH(bool, sharedGate);
        QFETCH(qint64, leadingDense);
        const Loaded l = load(preset.toStdString());
        const ref::HParams& hp = l.model->hparams();
        QCOMPARE(int(hp.router.gating), gating);
        QCOMPARE(hp.router.normalize, normalize);
        QCOMPARE(hp.router.scale, scale);
        QCOMPARE(hp.nFfExp, ffExp);
        QCOMPARE(hp.nFfShexp, ffShared);
        QCOMPARE(hp.sharedExpertGate, sharedGate);
        QCOMPARE(hp.nLeadingDense, leadingDense);
        QCOMPARE(hp.router.nUsed, hp.nExpertUsed);
        const ref::LayerWeights& L = l.model->layer(hp.nLayer - 1);
        QCOMPARE(int64_t(L.moe.gate.size()), hp.nExpert);
        QCOMPARE(L.moe.sharedGate.valid(), ffShared > 0);
        QCOMPARE(L.moe.sharedGateInp.empty(), !sharedGate);
    }

    void attentionSwitches() {
        const Loaded olmoe = load("tiny-olmoe"); // whole-projection q/k norms, NEOX
        QVERIFY(olmoe.model->hparams().qkNormWhole && !olmoe.model->hparams().qkNorm);
        QCOMPARE(olmoe.model->hparams().ropeStyle, ref::RopeStyle::Neox);
        QCOMPARE(olmoe.model->layer(0).qNormWhole.size(), size_t(64));
        const Loaded q3 = load("tiny-qwen3moe"); // per-head q/k norms
        QVERIFY(q3.model->hparams().qkNorm && !q3.model->hparams().qkNormWhole);
        QCOMPARE(load("tiny-deepseek").model->hparams().ropeStyle, ref::RopeStyle::Norm);
        QCOMPARE(load("tiny-mixtral").model->hparams().ropeStyle, ref::RopeStyle::Norm);
        QCOMPARE(load("tiny-qwen2moe").model->hparams().ropeStyle, ref::RopeStyle::Neox);
    }

    void expertSelections_data() {
        QTest::addColumn<QString>("preset");
        for (const char* p : {"tiny-mixtral", "tiny-qwen2moe", "tiny-qwen3moe", "tiny-olmoe",
                              "tiny-deepseek", "tiny-deepseek2", "tiny-deepseek2-v3"}) {
            QTest::newRow(p) << p;
        }
    }

    void expertSelections() {
        QFETCH(QString, preset);
        const Loaded l = load(preset.toStdString());
        const ref::HParams& hp = l.model->hparams();
        ref::Trace trace;
        const auto logits = l.model->logits(kTokens, &trace);
        QCOMPARE(int64_t(trace.routing.size()), hp.nLayer);
        const int64_t groupSize = hp.nExpert / hp.router.nGroup;
        for (int64_t il = 0; il < hp.nLayer; ++il) {
            const auto& layer = trace.routing[size_t(il)];
            if (!hp.isMoeLayer(il)) {
                QVERIFY(layer.empty()); // dense layer
                continue;
            }
            QCOMPARE(layer.size(), kTokens.size());
            std::set<int32_t> used;
            for (const ref::Routing& r : layer) {
                QCOMPARE(int64_t(r.ids.size()), hp.nExpertUsed);
                QCOMPARE(r.weights.size(), r.ids.size());
                std::set<int32_t> distinct(r.ids.begin(), r.ids.end());
                QCOMPARE(distinct.size(), r.ids.size());
                std::set<int64_t> groups;
                double sum = 0;
                for (size_t k = 0; k < r.ids.size(); ++k) {
                    QVERIFY(r.ids[k] >= 0 && r.ids[k] < hp.nExpert);
                    QVERIFY(r.weights[k] > 0);
                    groups.insert(r.ids[k] / groupSize);
                    sum += r.weights[k];
                    used.insert(r.ids[k]);
                }
                QVERIFY(int64_t(groups.size()) <= hp.router.topkGroup || hp.router.nGroup == 1);
                const double scale = hp.router.scale == 0.0 ? 1.0 : hp.router.scale;
                if (hp.router.normalize)
                    QVERIFY(std::abs(sum - scale) < 1e-12);
                else
                    QVERIFY(sum < 1.0 + 1e-12); // a part of the softmax mass
            }
            // 16 tokens do not all pick the same experts.
            QVERIFY(int64_t(used.size()) > hp.nExpertUsed);
        }
        for (double z : logits.back()) QVERIFY(std::isfinite(z));
    }

    void loaderErrors() {
        auto bytesWith = [](const char* preset, auto edit) {
            gguf::Writer w = synth::buildSynthModel(synth::synthPreset(preset));
            edit(w);
            return w.toBytes();
        };
        using gguf::Value;
        using gguf::ValueType;
        const auto format = std::optional(ErrorCode::Format);
        const auto unsupported = std::optional(ErrorCode::Unsupported);
        // Split-layout key_length must be kv_lora_rank + rope (the cache row).
        auto b1 = bytesWith("tiny-deepseek2", [](gguf::Writer& w) {
            w.set("deepseek2.attention.key_length", Value::integer(ValueType::U32, 64));
        });
        QCOMPARE(errorOf([&] { loadBytes(b1); }), format);
        auto b2 = bytesWith("tiny-deepseek2", [](gguf::Writer& w) {
            w.set("deepseek2.expert_gating_func", Value::integer(ValueType::U32, 3));
        });
        QCOMPARE(errorOf([&] { loadBytes(b2); }), unsupported);
        auto b3 = bytesWith("tiny-deepseek2-v3", [](gguf::Writer& w) {
            w.set("deepseek2.expert_group_count", Value::integer(ValueType::U32, 3));
        });
        QCOMPARE(errorOf([&] { loadBytes(b3); }), format); // 16 experts in 3 groups
        auto b4 = bytesWith("tiny-qwen3moe", [](gguf::Writer& w) {
            w.set("qwen3moe.expert_used_count", Value::integer(ValueType::U32, 17));
        });
        QCOMPARE(errorOf([&] { loadBytes(b4); }), format);
        // The legacy layout without its joint tensor's keys: the split tensors are unexpected.
        auto b5 = bytesWith("tiny-deepseek2", [](gguf::Writer& w) {
            w.set("deepseek2.attention.key_length_mla", Value::integer(ValueType::U32, 0));
        });
        QCOMPARE(errorOf([&] { loadBytes(b5); }), format);
        QCOMPARE(errorOf([&] { load("tiny-olmoe").model->logits({512}); }),
                 std::optional(ErrorCode::InvalidArgument));
    }
};

QTEST_APPLESS_MAIN(TestReferenceModels)
#include "tst_reference_models.moc"
