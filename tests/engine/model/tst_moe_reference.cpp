// MoE architectures on the CPU against the plain reference (tests/reference): logits of every
// tiny preset, absorbed MLA (engine) vs naive MLA (reference), both DeepSeek-V2 file layouts,
// the router on awkward cases, and the per-layer expert selection counts.
#include "deepwell/error.h"
#include "deepwell/model.h"
#include "deepwell/synth.h"
#include "model/router.h"
#include "reference/ref_model.h"
#include "reference/ref_moe.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

using namespace dw;

namespace {

std::vector<int32_t> randomTokens(int n, int64_t nVocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (auto& x : t) x = int32_t(rng() % uint32_t(nVocab));
    return t;
}

// Prefill the first half as one chunk (of 4-token batches), decode the rest one by one.
std::vector<std::vector<float>> engineLogits(Context& ctx, const std::vector<int32_t>& tokens) {
    std::vector<std::vector<float>> got;
    const int64_t V = ctx.model().hparams().nVocab;
    auto keep = [&](int64_t, const float* l) { got.emplace_back(l, l + V); };
    const size_t half = tokens.size() / 2;
    ctx.eval(tokens.data(), int64_t(half), LogitsMode::All, keep);
    for (size_t i = half; i < tokens.size(); ++i) ctx.eval(&tokens[i], 1, LogitsMode::All, keep);
    return got;
}

double worstRelative(const std::vector<std::vector<float>>& a, const std::vector<ref::Vec>& r) {
    double worst = 0.0;
    for (size_t t = 0; t < r.size(); ++t) {
        double maxRef = 0.0, maxDiff = 0.0;
        for (size_t i = 0; i < r[t].size(); ++i) {
            maxRef = std::max(maxRef, std::fabs(r[t][i]));
            maxDiff = std::max(maxDiff, std::fabs(double(a[t][i]) - r[t][i]));
        }
        worst = std::max(worst, maxDiff / maxRef);
    }
    return worst;
}

ContextOptions smallContext() {
    ContextOptions co;
    co.nCtx = 64;
    co.nBatch = 4;
    co.nThreads = 2;
    co.device = DeviceKind::Cpu;
    return co;
}

} // namespace

class TestMoeReference : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::string write(const std::string& preset, DType type) {
        const std::string path = (m_dir.path() + "/" + QString::fromStdString(preset) + "-" +
                                  QString::number(int(type)) + ".gguf").toStdString();
        auto spec = synth::synthPreset(preset);
        spec.weightType = type;
        synth::writeSynthModel(spec, path);
        return path;
    }

private slots:
    void matchesReference_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("tolerance");
        for (const char* p : {"tiny-mixtral", "tiny-qwen2moe", "tiny-qwen3moe", "tiny-olmoe", "tiny-deepseek",
                              "tiny-deepseek2", "tiny-deepseek2-legacy", "tiny-deepseek2-v3"}) {
            // F32: summation order only (4-8e-7 measured); F16 likewise (weights are exact).
            QTest::addRow("%s-F32", p) << p << int(DType::F32) << 1e-4;
            QTest::addRow("%s-F16", p) << p << int(DType::F16) << 1e-4;
        }
    }

    void matchesReference() {
        QFETCH(QString, preset);
        QFETCH(int, type);
        QFETCH(double, tolerance);
        const std::string path = write(preset.toStdString(), DType(type));
        auto reference = ref::Model::open(path); // naive (decompressed) MLA
        auto model = Model::load(path);
        const auto tokens = randomTokens(16, model->hparams().nVocab, 11);
        ref::Trace trace;
        const auto refLogits = reference->logits(tokens, &trace);
        Context ctx(model, smallContext());
        const auto got = engineLogits(ctx, tokens);
        QCOMPARE(got.size(), tokens.size());
        const double worst = worstRelative(got, refLogits);
        qInfo("%s: worst relative logit difference %.3g", qPrintable(preset), worst);
        QVERIFY2(worst <= tolerance, qPrintable(QString::number(worst)));

        // Expert selections: every MoE layer counted T*k choices, and per expert the same
        // counts as the reference's routing (the decisions agree at this precision).
        const auto& hp = model->hparams();
        const auto counts = ctx.expertSelectionCounts();
        QCOMPARE(int(counts.size()), hp.nLayer);
        for (int il = 0; il < hp.nLayer; ++il) {
            if (!hp.isMoeLayer(il)) {
                QVERIFY(counts[size_t(il)].empty());
                continue;
            }
            std::vector<uint64_t> expect(size_t(hp.moe.nExpert), 0);
            for (const auto& r : trace.routing[size_t(il)])
                for (int32_t id : r.ids) ++expect[size_t(id)];
            QCOMPARE(counts[size_t(il)], expect);
        }
        ctx.resetExpertSelectionCounts();
        for (const auto& c : ctx.expertSelectionCounts())
            for (auto v : c) QCOMPARE(v, uint64_t(0));
    }

    void bothDeepseekLayoutsAgree() {
        // The same seed encodes the same model in the split (attn_k_b/attn_v_b) and the
        // legacy joint (attn_kv_b) layout; the engine must give the same logits for both.
        // (Block-quantized files are not compared: quantizing attn_kv_b and the transposed
        // attn_k_b rounds different blocks, so those are two slightly different models.)
        for (DType type : {DType::F32, DType::F16}) {
            auto split = Model::load(write("tiny-deepseek2", type));
            auto legacy = Model::load(write("tiny-deepseek2-legacy", type));
            QVERIFY(!split->hparams().mla.jointKvB);
            QVERIFY(legacy->hparams().mla.jointKvB);
            const auto tokens = randomTokens(12, split->hparams().nVocab, 5);
            Context a(split, smallContext()), b(legacy, smallContext());
            const auto la = engineLogits(a, tokens);
            const auto lb = engineLogits(b, tokens);
            double worst = 0.0;
            for (size_t t = 0; t < la.size(); ++t)
                for (size_t i = 0; i < la[t].size(); ++i)
                    worst = std::max(worst, double(std::fabs(la[t][i] - lb[t][i])));
            qInfo("%s: largest logit difference between the layouts %.3g",
                  std::string(dtypeName(type)).c_str(), worst);
            // Identical math; the legacy k_b is transposed into f32 at load, the split one is
            // read as stored, so only summation order may differ (measured 0 for F32).
            QVERIFY(worst < 1e-4);
        }
    }

    void routerMatchesReference_data() {
        QTest::addColumn<int>("nExpert");
        QTest::addColumn<int>("nUsed");
        QTest::addColumn<int>("gating");
        QTest::addColumn<int>("nGroup");
        QTest::addColumn<int>("groupUsed");
        QTest::addColumn<bool>("norm");
        QTest::addColumn<float>("scale");
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("ties");
        QTest::newRow("softmax top-2 of 8") << 8 << 2 << 1 << 1 << 1 << true << 0.0f << false << false;
        QTest::newRow("k equals experts") << 8 << 8 << 1 << 1 << 1 << false << 0.0f << false << false;
        QTest::newRow("single expert") << 1 << 1 << 1 << 1 << 1 << false << 0.0f << false << false;
        QTest::newRow("ties") << 16 << 4 << 1 << 1 << 1 << false << 0.0f << false << true;
        QTest::newRow("257 experts") << 257 << 8 << 1 << 1 << 1 << false << 0.0f << false << false;
        QTest::newRow("sigmoid bias norm scale") << 64 << 6 << 2 << 1 << 1 << true << 2.5f << true << false;
        QTest::newRow("sqrt softplus") << 32 << 4 << 4 << 1 << 1 << false << 16.0f << false << false;
        for (int g : {2, 4, 8, 16, 32, 64, 128})
            QTest::addRow("256 experts, %d groups", g)
                << 256 << 8 << 2 << g << std::max(1, g / 2) << true << 2.5f << true << false;
        QTest::newRow("groups with ties") << 64 << 4 << 1 << 8 << 3 << false << 0.0f << false << true;
    }

    void routerMatchesReference() {
        QFETCH(int, nExpert);
        QFETCH(int, nUsed);
        QFETCH(int, gating);
        QFETCH(int, nGroup);
        QFETCH(int, groupUsed);
        QFETCH(bool, norm);
        QFETCH(float, scale);
        QFETCH(bool, bias);
        QFETCH(bool, ties);
        std::mt19937 rng(uint32_t(nExpert * 131 + nGroup));
        std::normal_distribution<float> nd(0.0f, 2.0f);
        ref::RouterParams rp;
        rp.nUsed = nUsed;
        rp.gating = ref::Gating(gating);
        rp.nGroup = nGroup;
        rp.topkGroup = groupUsed;
        rp.normalize = norm;
        rp.scale = scale;
        std::vector<float> scratch;
        for (int token = 0; token < 50; ++token) {
            std::vector<float> logits(static_cast<size_t>(nExpert)), b;
            for (auto& x : logits) x = ties ? float(int(nd(rng))) : nd(rng); // ties: few values
            if (bias) {
                b.resize(static_cast<size_t>(nExpert));
                for (auto& x : b) x = 0.1f * nd(rng);
            }
            model::RouterConfig rc;
            rc.nExpert = nExpert;
            rc.nUsed = nUsed;
            rc.gating = ExpertGating(gating);
            rc.bias = bias ? b.data() : nullptr;
            rc.nGroup = nGroup;
            rc.nGroupUsed = groupUsed;
            rc.norm = norm;
            rc.scale = scale;
            std::vector<int32_t> ids(static_cast<size_t>(nUsed));
            std::vector<float> w(static_cast<size_t>(nUsed));
            model::routeToken(logits.data(), rc, ids.data(), w.data(), scratch);
            const ref::Vec rl(logits.begin(), logits.end()), rb(b.begin(), b.end());
            const auto r = ref::route(rl, rb, rp);
            QCOMPARE(ids, r.ids); // integer outputs exactly equal
            for (int j = 0; j < nUsed; ++j)
                QVERIFY2(std::fabs(w[size_t(j)] - r.weights[size_t(j)]) <= 1e-5 * std::max(1.0, std::fabs(r.weights[size_t(j)])),
                         qPrintable(QString("weight %1: %2 vs %3").arg(j).arg(w[size_t(j)]).arg(r.weights[size_t(j)])));
        }
    }
};

QTEST_APPLESS_MAIN(TestMoeReference)
#include "tst_moe_reference.moc"
