// Self-checks of the plain reference (no engine kernels involved): element formats, norms,
// RoPE/YaRN against hand-computed numbers, tiny hand-set models whose logits are worked out
// in the test, error paths, and (when present) the real Gemma 3 270M file through the
// dequantizer hook. MoE and MLA: tst_reference_router, tst_reference_mla,
// tst_reference_models (also the causal property of every synthetic preset).
#include "reference/hand_models.h"
#include "reference/ref_model.h"

#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/synth.h"
#include "quant/quant.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <optional>

using namespace dw;
using gguf::Value;
using gguf::ValueType;

namespace {

using namespace dw::reftest;

std::vector<double> rmsNormHand(std::vector<double> x, double eps) {
    double ss = 0;
    for (double v : x) ss += v * v;
    const double r = std::sqrt(ss / double(x.size()) + eps);
    for (double& v : x) v /= r;
    return x;
}

std::unique_ptr<ref::Model> synthModel(const synth::SynthSpec& spec, std::vector<uint8_t>& bytes,
                                       std::unique_ptr<gguf::File>& file) {
    bytes = synth::synthModelBytes(spec);
    file = gguf::File::fromMemory(bytes.data(), bytes.size());
    return ref::Model::fromFile(*file);
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

class TestReference : public QObject {
    Q_OBJECT
private slots:
    void halfValues() {
        QCOMPARE(ref::halfToDouble(0x3c00), 1.0);
        QCOMPARE(ref::halfToDouble(0xc000), -2.0);
        QCOMPARE(ref::halfToDouble(0x7bff), 65504.0);
        QCOMPARE(ref::halfToDouble(0x0001), std::ldexp(1.0, -24));
        QCOMPARE(ref::halfToDouble(0x3555), 0.333251953125);
        QVERIFY(std::isinf(ref::halfToDouble(0xfc00)) && ref::halfToDouble(0xfc00) < 0);
    }

    void builtinDequant() {
        // Q8_0 block: d = 0.5 (fp16 0x3800), q_j = j - 16.
        std::vector<uint8_t> block(34);
        block[0] = 0x00;
        block[1] = 0x38;
        for (int j = 0; j < 32; ++j)
            block[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j - 16));
        ref::Vec out;
        ref::dequantizeRowBuiltin(DType::Q8_0, block.data(), 32, out);
        QCOMPARE(out.size(), size_t(32));
        for (int j = 0; j < 32; ++j) QCOMPARE(out[j], 0.5 * (j - 16));
        const uint16_t halves[3] = {0x3c00, 0xc000, 0x3555};
        ref::dequantizeRowBuiltin(DType::F16, halves, 3, out);
        QCOMPARE(out, (ref::Vec{1.0, -2.0, 0.333251953125}));
        QCOMPARE(errorOf([&] { ref::dequantizeRowBuiltin(DType::Q4_K, block.data(), 256, out); }),
                 std::optional(ErrorCode::Unsupported));
    }

    void rmsNormKnownVectors() {
        // {3, 4}: mean square 12.5 -> divide by sqrt(12.5).
        const ref::Vec y = ref::rmsNorm({3, 4}, {1, 2}, 0.0);
        QVERIFY(std::abs(y[0] - 3 / std::sqrt(12.5)) < 1e-15);
        QVERIFY(std::abs(y[1] - 2 * 4 / std::sqrt(12.5)) < 1e-15);
        QCOMPARE(ref::rmsNorm({1, 1, 1, 1}, {2, 2, 2, 2}, 0.0), (ref::Vec{2, 2, 2, 2}));
        // eps inside the sqrt: {1, 1} with eps 3 -> 1 / sqrt(1 + 3) = 0.5.
        QCOMPARE(ref::rmsNorm({1, 1}, {}, 3.0), (ref::Vec{0.5, 0.5}));
    }

    void activations() {
        QCOMPARE(ref::silu(0.0), 0.0);
        QVERIFY(std::abs(ref::silu(1.0) - 0.7310585786300049) < 1e-15); // 1 / (1 + e^-1)
        QVERIFY(std::abs(ref::geluTanh(1.0) - 0.8411919906082768) < 1e-15);
        const ref::Vec p = ref::softmax({0.0, std::log(3.0), -INFINITY});
        QVERIFY(std::abs(p[0] - 0.25) < 1e-15 && std::abs(p[1] - 0.75) < 1e-15 && p[2] == 0.0);
    }

    void ropeNormAndNeox() {
        // head {1, 0, 0, 1}, nRot 4, base 10000, position 1: theta_0 = 1, theta_1 = 0.01.
        ref::RopeParams p;
        p.nRot = 4;
        const double c1 = 0.5403023058681398, s1 = 0.8414709848078965;
        const double c2 = 0.9999500004166653, s2 = 0.009999833334166664;
        double h[4] = {1, 0, 0, 1};
        p.style = ref::RopeStyle::Norm; // pairs (0,1), (2,3)
        ref::applyRope(h, 1.0, p);
        const double normExpect[4] = {c1, s1, -s2, c2};
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(h[i] - normExpect[i]) < 1e-15);
        double g[4] = {1, 0, 0, 1};
        p.style = ref::RopeStyle::Neox; // pairs (0,2), (1,3)
        ref::applyRope(g, 1.0, p);
        const double neoxExpect[4] = {c1, -s2, s1, c2};
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(g[i] - neoxExpect[i]) < 1e-15);
        // Dims beyond nRot pass through; linear factor 2 at position 2 = factor 1 at position 1.
        double k[6] = {1, 0, 0, 1, 7, -3};
        p.factor = 2.0;
        ref::applyRope(k, 2.0, p);
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(k[i] - neoxExpect[i]) < 1e-15);
        QCOMPARE(k[4], 7.0);
        QCOMPARE(k[5], -3.0);
        // rope_freqs divide theta: factor 2 on pair 0 at position 2 gives theta 1 again.
        ref::RopeParams q;
        q.nRot = 4;
        q.freqFactors = {2.0, 1.0};
        QVERIFY(std::abs(ref::ropeAngle(0, 2.0, q).theta - 1.0) < 1e-15);
        QVERIFY(std::abs(ref::ropeAngle(1, 2.0, q).theta - 0.02) < 1e-15);
    }

    void yarnHandValues() {
        // DeepSeek-V2-Lite: nRot 64, base 10000, n_ctx_orig 4096, s = 40, beta 32/1.
        // corr(32) = 64 ln(4096 / 64 pi) / (2 ln 10000) = 10.47 -> low 10;
        // corr(1) = 22.51 -> high 23 (ENGINE_FACTS 4.0 example).
        const ref::YarnRange r = ref::yarnCorrDims(64, 4096, 10000.0, 32.0, 1.0);
        QCOMPARE(r.low, 10.0);
        QCOMPARE(r.high, 23.0);
        ref::RopeParams p;
        p.nRot = 64;
        p.factor = 40.0;
        p.extFactor = 1.0;
        p.nCtxOrig = 4096;
        // Pair 5 < low: extrapolated, theta = 3 * 10000^(-10/64) = 0.7114121116984966.
        const ref::RopeAngle a5 = ref::ropeAngle(5, 3.0, p);
        QVERIFY(std::abs(a5.theta - 0.7114121116984966) < 1e-14);
        // Pair 30 > high: interpolated, theta = 3 * 10000^(-60/64) / 40 = 1.333709557529192e-05.
        QVERIFY(std::abs(ref::ropeAngle(30, 3.0, p).theta - 1.333709557529192e-05) < 1e-18);
        // Pair 16: extrap = 3 * 10000^(-1/2) = 0.03, interp = 0.00075, y = 6/13, ramp = 7/13:
        // theta = 0.00075 * 6/13 + 0.03 * 7/13 = 0.0165.
        QVERIFY(std::abs(ref::ropeAngle(16, 3.0, p).theta - 0.0165) < 1e-15);
        // Magnitude 1 + 0.1 ln 40 = 1.3688879454113936, times attn_factor.
        QVERIFY(std::abs(a5.mscale - 1.3688879454113936) < 1e-15);
        p.attnFactor = 0.5;
        QVERIFY(std::abs(ref::ropeAngle(5, 3.0, p).mscale - 0.6844439727056968) < 1e-15);
        QCOMPARE(ref::yarnGetMscale(1.0, 0.707), 1.0);
        QVERIFY(std::abs(ref::yarnGetMscale(40.0, 1.0) - 1.3688879454113936) < 1e-15);
    }

    void handLlamaLogits() {
        HandModel m;
        buildHandLlama(m);
        const auto model = m.open();
        QCOMPARE(model->hparams().nHeadKv, int64_t(1)); // defaults to head_count
        QCOMPARE(model->hparams().headDimK, int64_t(4));
        QCOMPARE(model->hparams().nRot, int64_t(4));
        QVERIFY(!model->hparams().tiedOutput);
        const auto logits = model->logits({0, 1});
        QCOMPARE(logits.size(), size_t(2));
        // Position 0: e0 = {2,0,0,0} is its own RMSNorm; attention = a0, h = {4,0,0,0};
        // FFN silu(2) * 0 = 0; final norm {2,0,0,0}; logits {2, 0, 1}.
        const ref::Vec expect0{2, 0, 1};
        for (int v = 0; v < 3; ++v) QVERIFY(std::abs(logits[0][v] - expect0[v]) < 1e-12);
        // Position 1: attention = mean(a0, a1) = {1,1,0,0}; h = {1,3,0,0};
        // f = h / sqrt(2.5); h += {0, 0, silu(f0) * f1, 0}; logits = final norm . rows.
        const double f0 = 1 / std::sqrt(2.5), f1 = 3 / std::sqrt(2.5);
        const double g = f0 / (1 + std::exp(-f0)) * f1;
        const ref::Vec n = rmsNormHand({1, 3, g, 0}, 0.0);
        const ref::Vec expect1{n[0], n[1], 0.5 * (n[0] + n[1] + n[2] + n[3])};
        for (int v = 0; v < 3; ++v) QVERIFY(std::abs(logits[1][v] - expect1[v]) < 1e-12);
    }

    void handRopeInAttention_data() {
        QTest::addColumn<double>("factor");
        QTest::newRow("no scaling") << 1.0;
        QTest::newRow("linear x2") << 2.0;
    }

    void handRopeInAttention() {
        QFETCH(double, factor);
        HandModel m;
        buildHandRopeLlama(m, factor);
        const auto model = m.open();
        QCOMPARE(model->hparams().ropeStyle, ref::RopeStyle::Norm);
        const auto logits = model->logits({0, 1});
        // a0 = {r2, 0}, a1 = {0, r2} (r2 = sqrt 2, their own RMSNorm); Q = K = V = identity.
        // Position 1 rotates by angle 1/factor: q1 = k1 = r2 (-sin, cos), k0 = (r2, 0);
        // scores / sqrt(2): s0 = -r2 sin, s1 = r2; out = p0 a0 + p1 a1; h = e1 + out.
        const double r2 = std::sqrt(2.0), sn = std::sin(1.0 / factor);
        const double s0 = -r2 * sn, s1 = r2;
        const double p0 = std::exp(s0) / (std::exp(s0) + std::exp(s1)), p1 = 1 - p0;
        const double e1 = static_cast<float>(r2); // the stored F32 embedding value
        const ref::Vec n = rmsNormHand({p0 * r2, e1 + p1 * r2}, 0.0);
        QVERIFY(std::abs(logits[1][0] - n[0]) < 1e-12);
        QVERIFY(std::abs(logits[1][1] - n[1]) < 1e-12);
        QVERIFY(std::abs(logits[0][0] - r2) < 1e-12 && std::abs(logits[0][1]) < 1e-12);
    }

    void handGemmaWindowAndNorms_data() {
        QTest::addColumn<int64_t>("window");
        QTest::addColumn<int64_t>("pattern");
        QTest::addColumn<double>("softcap");
        QTest::addColumn<bool>("local");
        QTest::newRow("local window 2") << int64_t(2) << int64_t(2) << 0.0 << true;
        QTest::newRow("pattern 1: global") << int64_t(2) << int64_t(1) << 0.0 << false;
        QTest::newRow("window 0: global") << int64_t(0) << int64_t(2) << 0.0 << false;
        QTest::newRow("local + softcap") << int64_t(2) << int64_t(2) << 0.5 << true;
    }

    void handGemmaWindowAndNorms() {
        QFETCH(int64_t, window);
        QFETCH(int64_t, pattern);
        QFETCH(double, softcap);
        QFETCH(bool, local);
        HandModel m;
        buildHandGemma(m, window, pattern, softcap);
        const auto model = m.open();
        QCOMPARE(model->hparams().isSwaLayer(0), local);
        QVERIFY(model->hparams().tiedOutput);
        QCOMPARE(model->hparams().embedScale, 2.0); // sqrt(4)
        QCOMPARE(model->hparams().queryScale, 0.5); // 1 / sqrt(head dim 4)
        const auto logits = model->logits({0, 1, 2});
        // Position 2: embedding e2 * 2 = {0,0,2,0}. Uniform attention over the window {1, 2}
        // -> {0,1,1,0}, or over {0, 1, 2} -> {2/3, 2/3, 2/3, 0} (times the attn_norm); the
        // post-attention RMSNorm; FFN output 0 stays 0 through post_ffw_norm; final norm;
        // tied unit-vector embeddings make logits = the normed vector; optional soft-cap.
        const double eps = 1e-6;
        const double k = 2 / std::sqrt(1 + eps); // each a_s = 2 e_s / sqrt(1 + eps)
        const ref::Vec attn =
            local ? ref::Vec{0, k / 2, k / 2, 0} : ref::Vec{k / 3, k / 3, k / 3, 0};
        const ref::Vec o = rmsNormHand(attn, eps);
        ref::Vec h{o[0], o[1], 2 + o[2], o[3]};
        const ref::Vec n = rmsNormHand(h, eps);
        for (int v = 0; v < 4; ++v) {
            const double z = softcap > 0 ? softcap * std::tanh(n[v] / softcap) : n[v];
            QVERIFY2(std::abs(logits[2][v] - z) < 1e-9, qPrintable(QString::number(v)));
        }
    }

    void hparamDefaultsAndKeys() {
        std::vector<uint8_t> bytes;
        std::unique_ptr<gguf::File> file;
        auto spec = synth::synthPreset("tiny-gemma3");
        spec.ropeScaleLinear = 8.0f;
        const auto model = synthModel(spec, bytes, file);
        const ref::HParams& hp = model->hparams();
        QCOMPARE(hp.arch, ref::Arch::Gemma3);
        QCOMPARE(hp.headDimK, int64_t(32));
        QCOMPARE(hp.nRot, int64_t(32));
        QCOMPARE(hp.ropeStyle, ref::RopeStyle::Neox);
        QCOMPARE(hp.swaPattern, int64_t(3));
        QCOMPARE(hp.slidingWindow, int64_t(4));
        const ref::RopeParams local = hp.ropeParams(0), global = hp.ropeParams(2);
        QVERIFY(hp.isSwaLayer(0) && hp.isSwaLayer(1) && !hp.isSwaLayer(2) && hp.isSwaLayer(3));
        QCOMPARE(local.base, 10000.0);
        QCOMPARE(local.factor, 1.0); // local layers are never scaled
        QCOMPARE(global.base, 1000000.0);
        QCOMPARE(global.factor, 8.0);
        QCOMPARE(hp.nVocab, int64_t(512));
    }

    void errors() {
        HandModel m;
        buildHandLlama(m);
        const auto model = m.open();
        QCOMPARE(errorOf([&] {
                     model->logits({0, 3});
                 }),
                 std::optional(ErrorCode::InvalidArgument));
        QCOMPARE(errorOf([&] { model->logits({-1}); }), std::optional(ErrorCode::InvalidArgument));

        HandModel extra; // an unknown tensor must not pass silently
        buildHandLlama(extra);
        extra.tensor("blk.0.attn_q_norm.weight", {4}, {1, 1, 1, 1});
        QCOMPARE(errorOf([&] { extra.open(); }), std::optional(ErrorCode::Format));

        HandModel arch;
        buildHandLlama(arch);
        arch.writer.set("general.architecture", Value::string("mamba"));
        QCOMPARE(errorOf([&] { arch.open(); }), std::optional(ErrorCode::Unsupported));

        HandModel shape; // key_length 2 makes attn_q's shape wrong
        buildHandLlama(shape);
        shape.key("llama.attention.key_length", 2);
        QCOMPARE(errorOf([&] { shape.open(); }), std::optional(ErrorCode::Format));

        HandModel missing;
        missing.writer.set("general.architecture", Value::string("llama"));
        QCOMPARE(errorOf([&] { missing.open(); }), std::optional(ErrorCode::Format));
    }

    void dequantizerHook() {
        auto spec = synth::synthPreset("tiny-llama");
        spec.weightType = DType::Q4_0;
        std::vector<uint8_t> bytes = synth::synthModelBytes(spec);
        auto file = gguf::File::fromMemory(bytes.data(), bytes.size());
        QCOMPARE(errorOf([&] { ref::Model::fromFile(*file); }),
                 std::optional(ErrorCode::Unsupported));
        int calls = 0;
        ref::Options opt;
        opt.dequantizer = [&calls](DType t, const void* src, float* dst, int64_t n) {
            ++calls;
            quant::dequantizeRow(t, src, dst, n);
        };
        const auto model = ref::Model::fromFile(*file, opt);
        const auto logits = model->logits({1, 20, 30});
        QVERIFY(calls > 0);
        for (double z : logits[2]) QVERIFY(std::isfinite(z));
    }

    void realGemma270m() {
        const QByteArray env = qgetenv("DEEPWELL_MODEL");
        const QString path =
            env.isEmpty() ? QDir::homePath() + "/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf"
                          : QString::fromLocal8Bit(env);
        if (!QFile::exists(path)) {
            if (qgetenv("DEEPWELL_REQUIRE_MODEL") == "1")
                QFAIL(qPrintable("model missing: " + path));
            QSKIP(qPrintable("real model not found at " + path + " (set DEEPWELL_MODEL)"));
        }
        const auto model =
            ref::Model::open(path.toStdString(), {.dequantizer = quant::dequantizeRow});
        const ref::HParams& hp = model->hparams();
        QCOMPARE(hp.nLayer, int64_t(18));
        QCOMPARE(hp.nEmbd, int64_t(640));
        QCOMPARE(hp.headDimK, int64_t(256));
        QCOMPARE(hp.nHeadKv, int64_t(1));
        QCOMPARE(hp.slidingWindow, int64_t(512));
        QVERIFY(!hp.isSwaLayer(5) && !hp.isSwaLayer(11) && !hp.isSwaLayer(17) && hp.isSwaLayer(0));
        QCOMPARE(hp.queryScale, 1.0 / 16.0);
        QVERIFY(hp.tiedOutput);
        // A 270M model continues obvious sequences: "<bos>Monday, Tuesday, Wednesday," ->
        // " Thursday" (and " Wednesday" after "Tuesday,"); "<bos>1, 2, 3," -> " " then "3"/"4"
        // (digits are single tokens). Ids are looked up in the file's own vocabulary.
        auto file = gguf::File::open(path.toStdString());
        const auto* toks = file->find("tokenizer.ggml.tokens")->toStringArray();
        auto id = [&](const std::string& text) {
            for (size_t i = 0; i < toks->size(); ++i) {
                if ((*toks)[i] == text) return static_cast<int32_t>(i);
            }
            return int32_t(-1);
        };
        auto argmax = [](const ref::Vec& row) {
            return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
        };
        const std::string sp = "\xe2\x96\x81"; // "▁"
        const int32_t bos = static_cast<int32_t>(*file->getInt("tokenizer.ggml.bos_token_id"));
        const std::vector<int32_t> days{bos,     id(sp + "Monday"),    id(","), id(sp + "Tuesday"),
                                        id(","), id(sp + "Wednesday"), id(",")};
        for (int32_t t : days) QVERIFY(t >= 0);
        const auto l1 = model->logits(days);
        QCOMPARE(argmax(l1[4]), id(sp + "Wednesday"));
        QCOMPARE(argmax(l1[6]), id(sp + "Thursday"));
        const std::vector<int32_t> count{bos,     id("1"), id(","), id(sp),  id("2"),
                                         id(","), id(sp),  id("3"), id(","), id(sp)};
        for (int32_t t : count) QVERIFY(t >= 0);
        const auto l2 = model->logits(count);
        QCOMPARE(argmax(l2[6]), id("3"));
        QCOMPARE(argmax(l2[9]), id("4"));
        for (const auto& row : l2) {
            for (double z : row) QVERIFY(std::isfinite(z));
        }
    }
};

QTEST_APPLESS_MAIN(TestReference)
#include "tst_reference.moc"
