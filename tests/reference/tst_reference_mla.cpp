// MLA in the reference (ENGINE_FACTS 4.6): the naive and the absorbed forms agree on random
// inputs; both file layouts load to the same up-projections; DeepSeek-V2 files in the legacy
// and split layouts give the same logits; the DeepSeek YaRN scales against hand values;
// deepseek2 hyper-parameters as read from synthetic files.
#include "deepwell/gguf.h"
#include "deepwell/synth.h"
#include "reference/ref_mla.h"
#include "reference/ref_model.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace dw;
using ref::Vec;

namespace {

struct Loaded {
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<ref::Model> model;
};

Loaded load(const synth::SynthSpec& spec, ref::Options opt = {}) {
    Loaded l;
    l.bytes = synth::synthModelBytes(spec);
    l.file = gguf::File::fromMemory(l.bytes.data(), l.bytes.size());
    l.model = ref::Model::fromFile(*l.file, std::move(opt));
    return l;
}

double maxAbsDiff(const std::vector<Vec>& a, const std::vector<Vec>& b) {
    double d = 0;
    for (size_t t = 0; t < a.size(); ++t) {
        for (size_t i = 0; i < a[t].size(); ++i) d = std::max(d, std::abs(a[t][i] - b[t][i]));
    }
    return d;
}

const std::vector<int32_t> kTokens{1, 17, 300, 42, 9, 250, 77, 5, 400, 3, 120, 64, 8, 200, 31, 2};

} // namespace

class TestReferenceMla : public QObject {
    Q_OBJECT
private slots:
    void naiveEqualsAbsorbed() {
        std::mt19937_64 rng(4);
        std::normal_distribution<double> nd;
        ref::MlaTokens x;
        x.nHead = 3;
        x.nope = 5;
        x.rope = 4;
        ref::MlaKvB kvb{3, 5, 6, 9, {}, {}}; // heads, nope, v, rank
        for (size_t i = 0; i < size_t(3 * 5 * 9); ++i) kvb.k.push_back(nd(rng));
        for (size_t i = 0; i < size_t(3 * 6 * 9); ++i) kvb.v.push_back(nd(rng));
        for (int t = 0; t < 7; ++t) {
            Vec q(3 * 9), c(9), kPe(4);
            for (double& v : q) v = nd(rng);
            for (double& v : c) v = nd(rng);
            for (double& v : kPe) v = nd(rng);
            x.q.push_back(q);
            x.latent.push_back(c);
            x.kPe.push_back(kPe);
        }
        const auto naive = ref::mlaAttentionNaive(x, kvb, 0.3);
        const auto absorbed = ref::mlaAttentionAbsorbed(x, kvb, 0.3);
        QCOMPARE(naive.size(), size_t(7));
        QCOMPARE(naive[0].size(), size_t(3 * 6));
        QVERIFY2(maxAbsDiff(naive, absorbed) < 1e-10,
                 qPrintable(QString::number(maxAbsDiff(naive, absorbed))));
        double mag = 0;
        for (const Vec& o : naive) {
            for (double v : o) mag = std::max(mag, std::abs(v));
        }
        QVERIFY(mag > 0.1); // a real output, not zeros
        // Position 0 attends to itself only: o_h = v_b_h . c_0.
        for (int64_t h = 0; h < 3; ++h) {
            for (int64_t j = 0; j < 6; ++j) {
                double want = 0;
                for (int64_t r = 0; r < 9; ++r) want += kvb.vAt(h, j, r) * x.latent[0][r];
                QVERIFY(std::abs(naive[0][h * 6 + j] - want) < 1e-12);
            }
        }
    }

    void layoutsLoadTheSameUpProjections() {
        // Joint kv_b [rank 3, 2 heads x (nope 2 + v 3)] with values 0..29, and the split
        // tensors cut from it as the converter does.
        const int64_t H = 2, nope = 2, dv = 3, R = 3;
        std::vector<float> joint(size_t(R * H * (nope + dv)));
        for (size_t i = 0; i < joint.size(); ++i) joint[i] = float(i);
        std::vector<float> kb(size_t(nope * R * H)), vb(size_t(R * dv * H));
        for (int64_t h = 0; h < H; ++h) {
            for (int64_t r = 0; r < R; ++r) {
                for (int64_t i = 0; i < nope; ++i)
                    kb[size_t(i + nope * (r + R * h))] = joint[size_t((h * 5 + i) * R + r)];
                for (int64_t j = 0; j < dv; ++j)
                    vb[size_t(r + R * (j + dv * h))] = joint[size_t((h * 5 + nope + j) * R + r)];
            }
        }
        auto view = [](const std::vector<float>& v, int64_t k, int64_t n) {
            return ref::Matrix{DType::F32, k, n, reinterpret_cast<const uint8_t*>(v.data()), {}};
        };
        const ref::MlaKvB a = ref::mlaKvBFromJoint(view(joint, R, H * 5), H, nope, dv);
        const ref::MlaKvB b = ref::mlaKvBFromSplit(view(kb, nope, R * H), view(vb, R, dv * H), H);
        QCOMPARE(b.nope, nope);
        QCOMPARE(b.vDim, dv);
        QCOMPARE(b.rank, R);
        QCOMPARE(a.k, b.k);
        QCOMPARE(a.v, b.v);
        // Head 1, k_nope row 1 is joint row 6 = {18, 19, 20}; v row 2 is joint row 9.
        QCOMPARE(a.kAt(1, 1, 2), 20.0);
        QCOMPARE(a.vAt(1, 2, 0), 27.0);
    }

    void legacyAndSplitFilesAgree_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("type");
        QTest::newRow("V2-Lite-like F32") << "tiny-deepseek2" << int(DType::F32);
        QTest::newRow("V2-Lite-like F16") << "tiny-deepseek2" << int(DType::F16);
        QTest::newRow("V3-like F32") << "tiny-deepseek2-v3" << int(DType::F32);
    }

    void legacyAndSplitFilesAgree() {
        QFETCH(QString, preset);
        QFETCH(int, type);
        synth::SynthSpec split = synth::synthPreset(preset.toStdString());
        split.weightType = DType(type);
        synth::SynthSpec joint = split;
        joint.mlaLayout = synth::MlaLayout::Joint;
        const Loaded a = load(split);
        const Loaded b = load(joint);
        QVERIFY(a.model->hparams().mlaSplit);
        QVERIFY(!b.model->hparams().mlaSplit);
        QVERIFY(a.file->findTensor("blk.0.attn_k_b.weight"));
        QVERIFY(b.file->findTensor("blk.0.attn_kv_b.weight"));
        const auto la = a.model->logits(kTokens);
        const auto lb = b.model->logits(kTokens);
        QVERIFY2(maxAbsDiff(la, lb) < 1e-10, qPrintable(QString::number(maxAbsDiff(la, lb))));
        // ... and the absorbed form of the same model agrees too.
        ref::Options absorbed;
        absorbed.absorbedMla = true;
        const Loaded c = load(split, absorbed);
        QVERIFY(maxAbsDiff(la, c.model->logits(kTokens)) < 1e-10);
    }

    void deepseekScales() {
        // V2-Lite: s = 40, yarn_log_multiplier 0.0707 -> mscale_all_dim 0.707;
        // mscale = 1 + 0.1 * 0.707 ln 40 = 1.260804; kq = mscale^2 / sqrt(192) = 0.114721;
        // the net RoPE magnitude attn_factor (1 + 0.1 ln 40) is 1 (ENGINE_FACTS 4.6 step 8).
        const double ln40 = std::log(40.0);
        ref::DeepSeekScales s = ref::deepseekScales(40.0, true, 0.0707, 1.0, 192);
        const double m = 1 + 0.0707 * ln40;
        QVERIFY(std::abs(m - 1.260804) < 1e-6);
        QVERIFY(std::abs(s.kqScale - m * m / std::sqrt(192.0)) < 1e-12);
        QVERIFY(std::abs(s.kqScale - 0.114721) < 1e-6);
        QVERIFY(std::abs(s.ropeAttnFactor * (1 + 0.1 * ln40) - 1.0) < 1e-12);
        // V3: 0.1 -> mscale_all_dim 1: mscale = 1 + 0.1 ln 40 = 1.368888, kq = 0.135234.
        s = ref::deepseekScales(40.0, true, 0.1, 1.0, 192);
        QVERIFY(std::abs(s.kqScale - 0.135234) < 1e-6);
        QVERIFY(std::abs(s.ropeAttnFactor * (1 + 0.1 * ln40) - 1.0) < 1e-12);
        // rope.scaling.attn_factor multiplies the RoPE magnitude and enters mscale.
        s = ref::deepseekScales(40.0, true, 0.0707, 0.5, 192);
        QVERIFY(std::abs(s.ropeAttnFactor * (1 + 0.1 * ln40) - 0.5) < 1e-12);
        QVERIFY(std::abs(s.kqScale - 0.25 * m * m / std::sqrt(192.0)) < 1e-12);
        // No log multiplier: generic YaRN, magnitude and mscale both 1 + 0.1 ln s.
        s = ref::deepseekScales(40.0, true, 0.0, 1.0, 192);
        const double g = 1 + 0.1 * ln40;
        QVERIFY(std::abs(s.ropeAttnFactor * g - g) < 1e-12);
        QVERIFY(std::abs(s.kqScale - g * g / std::sqrt(192.0)) < 1e-12);
        // No scaling: the plain 1 / sqrt(192).
        s = ref::deepseekScales(1.0, false, 0.0, 1.0, 192);
        QCOMPARE(s.ropeAttnFactor, 1.0);
        QVERIFY(std::abs(s.kqScale - 1 / std::sqrt(192.0)) < 1e-15);
    }

    void deepseek2HParams() {
        const Loaded lite = load(synth::synthPreset("tiny-deepseek2"));
        const ref::HParams& hp = lite.model->hparams();
        QCOMPARE(hp.arch, ref::Arch::DeepSeek2);
        QVERIFY(hp.mla && hp.mlaSplit);
        QCOMPARE(hp.headDimK, int64_t(48)); // key_length_mla, not key_length (48 = 32 + 16)
        QCOMPARE(hp.headDimV, int64_t(32));
        QCOMPARE(hp.nRot, int64_t(16));
        QCOMPARE(hp.nopeDim, int64_t(32));
        QCOMPARE(hp.kvLoraRank, int64_t(32));
        QCOMPARE(hp.qLoraRank, int64_t(0));
        QCOMPARE(hp.ropeStyle, ref::RopeStyle::Norm);
        QCOMPARE(hp.ropeScaling, ref::RopeScaling::Yarn);
        QCOMPARE(hp.nLeadingDense, int64_t(1));
        QVERIFY(!hp.isMoeLayer(0) && hp.isMoeLayer(1) && hp.isMoeLayer(2));
        QCOMPARE(hp.nFfShexp, int64_t(64)); // 2 shared x 32
        QCOMPARE(hp.router.gating, ref::Gating::Softmax);
        QCOMPARE(hp.router.nGroup, int64_t(1));
        QVERIFY(!hp.router.normalize);
        QCOMPARE(hp.router.scale, 1.0); // written, a no-op
        const double m = 1 + 0.1 * (double(0.0707f) / 0.1) * std::log(4.0);
        QVERIFY(std::abs(hp.queryScale - m * m / std::sqrt(48.0)) < 1e-12);
        const ref::RopeParams rope = hp.ropeParams(0);
        QCOMPARE(rope.nCtxOrig, int64_t(256));
        QVERIFY(std::abs(ref::ropeAngle(0, 1.0, rope).mscale - 1.0) < 1e-12); // net magnitude 1

        const Loaded v3 = load(synth::synthPreset("tiny-deepseek2-v3"));
        const ref::HParams& h3 = v3.model->hparams();
        QCOMPARE(h3.qLoraRank, int64_t(32));
        QCOMPARE(h3.router.gating, ref::Gating::Sigmoid);
        QCOMPARE(h3.router.nGroup, int64_t(4));
        QCOMPARE(h3.router.topkGroup, int64_t(2));
        QVERIFY(h3.router.normalize);
        QCOMPARE(h3.router.scale, 2.5);
        QCOMPARE(v3.model->layer(1).moe.probsBias.size(), size_t(16));
        QVERIFY(v3.model->layer(0).moe.probsBias.empty()); // dense leading layer
    }
};

QTEST_APPLESS_MAIN(TestReferenceMla)
#include "tst_reference_mla.moc"
