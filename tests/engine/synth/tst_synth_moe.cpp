// Synthetic MoE and MLA files: the expert/MLA/YaRN keys each architecture's converter writes
// (ENGINE_FACTS 3.2, 4.1-4.7), the split MLA tensors cut from the joint one exactly as 4.6
// describes, quantized MoE types, the ~1 GB benchmark presets (checked from their tensor
// plan, nothing is written), and spec errors.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/synth.h"
#include "synth_expect.h"

#include <QtTest>

#include <cstring>
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

float f32At(const gguf::TensorInfo* t, int64_t index) {
    float v;
    std::memcpy(&v, t->data + 4 * index, 4);
    return v;
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

class TestSynthMoe : public QObject {
    Q_OBJECT
private slots:
    void expertKeys_data() {
        QTest::addColumn<QString>("preset");
        for (const char* p :
             {"tiny-mixtral", "tiny-qwen2moe", "tiny-qwen3moe", "tiny-olmoe", "tiny-deepseek",
              "tiny-deepseek2", "tiny-deepseek2-legacy", "tiny-deepseek2-v3"}) {
            QTest::newRow(p) << p;
        }
    }

    void expertKeys() {
        QFETCH(QString, preset);
        const SynthSpec s = synth::synthPreset(preset.toStdString());
        const Opened o = openSpec(s);
        const gguf::File& f = *o.file;
        const std::string a = std::string(synth::archName(s.arch)) + ".";
        auto intKey = [&](const std::string& k) { return f.getInt(a + k); };
        QCOMPARE(intKey("expert_count"), std::optional(s.nExpert));
        QCOMPARE(intKey("expert_used_count"), std::optional(s.nExpertUsed));
        const bool deepseek = isDeepSeek(s);
        const bool ffExpKey = deepseek || s.arch == Arch::Qwen2Moe || s.arch == Arch::Qwen3Moe;
        QCOMPARE(intKey("expert_feed_forward_length"),
                 ffExpKey ? std::optional(s.nFfExp) : std::nullopt);
        QCOMPARE(intKey("expert_shared_feed_forward_length"),
                 s.arch == Arch::Qwen2Moe ? std::optional(s.nFfShexp) : std::nullopt);
        QCOMPARE(intKey("expert_shared_count"),
                 deepseek ? std::optional(s.nExpertShared) : std::nullopt);
        QCOMPARE(intKey("leading_dense_block_count"),
                 deepseek ? std::optional(s.nLeadingDense) : std::nullopt);
        QCOMPARE(f.getFloat(a + "expert_weights_scale"),
                 deepseek ? std::optional(double(s.expertWeightsScale)) : std::nullopt);
        const bool v3 = s.deepseekV3Tokenizer;
        QCOMPARE(f.getBool(a + "expert_weights_norm"), v3 ? std::optional(true) : std::nullopt);
        if (s.arch == Arch::DeepSeek2) {
            QCOMPARE(intKey("expert_gating_func"), std::optional<int64_t>(v3 ? 2 : 1));
            QCOMPARE(intKey("expert_group_count"), std::optional<int64_t>(v3 ? 4 : 1));
            QCOMPARE(intKey("expert_group_used_count"), std::optional<int64_t>(v3 ? 2 : 1));
            QCOMPARE(f.getString(a + "rope.scaling.type"), std::optional<std::string>("yarn"));
            QCOMPARE(*f.getFloat(a + "rope.scaling.factor"), double(s.ropeYarnFactor));
            QCOMPARE(intKey("rope.scaling.original_context_length"),
                     std::optional(s.ropeYarnOrigCtx));
            QCOMPARE(*f.getFloat(a + "rope.scaling.yarn_log_multiplier"),
                     double(s.yarnLogMultiplier));
            QCOMPARE(intKey("rope.dimension_count"), std::optional(s.qkRopeDim));
            QCOMPARE(intKey("attention.kv_lora_rank"), std::optional(s.kvLoraRank));
            QCOMPARE(intKey("attention.q_lora_rank"),
                     s.qLoraRank > 0 ? std::optional(s.qLoraRank) : std::nullopt);
            QCOMPARE(intKey("vocab_size"), std::optional(s.nVocab));
            const bool split = s.mlaLayout == synth::MlaLayout::Split;
            // Split: the cache row (MQA over [latent | rope key]); legacy: the real heads.
            QCOMPARE(intKey("attention.head_count_kv"), std::optional(split ? 1 : s.nHead));
            QCOMPARE(intKey("attention.key_length"),
                     std::optional(split ? s.kvLoraRank + s.qkRopeDim : s.qkNopeDim + s.qkRopeDim));
            QCOMPARE(intKey("attention.value_length"),
                     std::optional(split ? s.kvLoraRank : s.vHeadDim));
            QCOMPARE(intKey("attention.key_length_mla"),
                     split ? std::optional(s.qkNopeDim + s.qkRopeDim) : std::nullopt);
            QCOMPARE(intKey("attention.value_length_mla"),
                     split ? std::optional(s.vHeadDim) : std::nullopt);
        } else {
            QVERIFY(!f.find(a + "expert_gating_func") && !f.find(a + "attention.kv_lora_rank"));
        }
        // Every tensor as the converter names it; routers and 1-D tensors F32.
        const TensorList want = expectedTensors(s);
        QCOMPARE(f.tensors().size(), want.size());
        for (const auto& [name, ne] : want) {
            const gguf::TensorInfo* t = f.findTensor(name);
            QVERIFY2(t, name.c_str());
            QCOMPARE(t->nDims, uint32_t(ne.size()));
            for (size_t d = 0; d < ne.size(); ++d) QCOMPARE(t->ne[d], ne[d]);
        }
    }

    void splitTensorsAreCutFromTheJointOne() {
        const Opened split = openSpec(synth::synthPreset("tiny-deepseek2"));
        const Opened joint = openSpec(synth::synthPreset("tiny-deepseek2-legacy"));
        const SynthSpec s = synth::synthPreset("tiny-deepseek2");
        const int64_t R = s.kvLoraRank, nope = s.qkNopeDim, dv = s.vHeadDim, per = nope + dv;
        for (int64_t il = 0; il < s.nLayer; ++il) {
            const std::string p = "blk." + std::to_string(il) + ".";
            const gguf::TensorInfo* kv = joint.file->findTensor(p + "attn_kv_b.weight");
            const gguf::TensorInfo* kb = split.file->findTensor(p + "attn_k_b.weight");
            const gguf::TensorInfo* vb = split.file->findTensor(p + "attn_v_b.weight");
            QVERIFY(kv && kb && vb);
            for (int64_t h = 0; h < s.nHead; ++h) {
                for (int64_t r = 0; r < R; ++r) {
                    // k_b[h] = (the nope rows of head h)^T; v_b[h] = the v rows unchanged.
                    for (int64_t i = 0; i < nope; ++i) {
                        QCOMPARE(f32At(kb, i + nope * (r + R * h)),
                                 f32At(kv, (h * per + i) * R + r));
                    }
                    for (int64_t j = 0; j < dv; ++j) {
                        QCOMPARE(f32At(vb, r + R * (j + dv * h)),
                                 f32At(kv, (h * per + nope + j) * R + r));
                    }
                }
            }
        }
        // Everything else of the two files is the same tensor for tensor.
        for (const auto& t : split.file->tensors()) {
            const gguf::TensorInfo* u = joint.file->findTensor(t.name);
            if (!u) continue;
            QVERIFY2(u->nBytes == t.nBytes && std::memcmp(u->data, t.data, t.nBytes) == 0,
                     t.name.c_str());
        }
    }

    void quantizedMoeTypes() {
        SynthSpec s = synth::synthPreset("tiny-deepseek2-v3");
        s.weightType = DType::Q4_K;
        const Opened o = openSpec(s);
        const gguf::File& f = *o.file;
        for (const auto& t : f.tensors()) {
            const std::vector<int64_t> ne(t.ne.begin(), t.ne.begin() + t.nDims);
            const DType want = staysF32(t.name, ne) ? DType::F32
                                                    : synth::storageType(DType::Q4_K, ne[0],
                                                                         t.name == "output.weight");
            QVERIFY2(t.type == want, t.name.c_str());
        }
        // The routers and the selection bias are never quantized; 3-D experts are (rows of 64
        // are no K-quant block: Q4_K falls back to Q5_0, as llama-quantize does).
        QCOMPARE(f.findTensor("blk.1.ffn_gate_inp.weight")->type, DType::F32);
        QCOMPARE(f.findTensor("blk.1.exp_probs_b.bias")->type, DType::F32);
        QCOMPARE(f.findTensor("blk.1.ffn_gate_exps.weight")->type, DType::Q5_0);
        QCOMPARE(f.findTensor("blk.1.attn_k_b.weight")->type, DType::Q5_0);
        QCOMPARE(f.getInt("general.quantization_version"), std::optional<int64_t>(2));
    }

    void tensorListMatchesTheFile() {
        SynthSpec s = synth::synthPreset("tiny-qwen2moe");
        s.weightType = DType::Q8_0;
        const std::vector<synth::SynthTensor> plan = synth::synthTensors(s);
        const Opened o = openSpec(s);
        QCOMPARE(plan.size(), o.file->tensors().size());
        uint64_t total = 0;
        for (size_t i = 0; i < plan.size(); ++i) {
            const gguf::TensorInfo& t = o.file->tensors()[i];
            QCOMPARE(plan[i].name, t.name);
            QCOMPARE(plan[i].type, t.type);
            QCOMPARE(plan[i].nBytes, t.nBytes);
            total += t.nBytes;
        }
        QCOMPARE(synth::synthTensorBytes(s), total);
    }

    void benchmarkPresets_data() {
        QTest::addColumn<QString>("preset");
        for (const synth::SynthPresetInfo& p : synth::synthPresetInfos()) {
            if (p.benchmark) QTest::newRow(p.name.c_str()) << QString::fromStdString(p.name);
        }
    }

    void benchmarkPresets() {
        QFETCH(QString, preset);
        const SynthSpec s = synth::synthPreset(preset.toStdString());
        QCOMPARE(s.weightType, DType::F16);
        const std::vector<synth::SynthTensor> plan = synth::synthTensors(s);
        const TensorList want = expectedTensors(s);
        QCOMPARE(plan.size(), want.size());
        uint64_t total = 0;
        for (const synth::SynthTensor& t : plan) {
            bool found = false;
            for (const auto& [name, ne] : want) found = found || (name == t.name && ne == t.ne);
            QVERIFY2(found, t.name.c_str());
            QCOMPARE(t.type, staysF32(t.name, t.ne) ? DType::F32 : DType::F16);
            total += t.nBytes;
        }
        QVERIFY2(total > 850'000'000 && total < 1'150'000'000, qPrintable(QString::number(total)));
        // The shapes that make them what they are.
        if (s.arch == Arch::DeepSeek2) {
            QCOMPARE(s.kvLoraRank, int64_t(512));
            QCOMPARE(s.qkRopeDim, int64_t(64));
            QCOMPARE(s.qkNopeDim, int64_t(128));
            QCOMPARE(s.nExpert, int64_t(64));
            QCOMPARE(s.nExpertUsed, int64_t(6));
            QCOMPARE(s.nExpertShared, int64_t(2));
            QCOMPARE(s.nLeadingDense, int64_t(1));
            QCOMPARE(s.ropeYarnFactor, 40.0f);
        } else {
            QCOMPARE(s.nExpert, int64_t(128));
            QCOMPARE(s.nExpertUsed, int64_t(8));
        }
    }

    void badSpecs() {
        auto bad = [](const char* preset, auto edit) {
            SynthSpec s = synth::synthPreset(preset);
            edit(s);
            return errorOf([&] { synth::validate(s); });
        };
        const auto invalid = std::optional(ErrorCode::InvalidArgument);
        QCOMPARE(bad("tiny-qwen3moe", [](SynthSpec& s) { s.nExpert = 0; }), invalid);
        QCOMPARE(bad("tiny-qwen3moe", [](SynthSpec& s) { s.nExpertUsed = 17; }), invalid);
        QCOMPARE(bad("tiny-mixtral", [](SynthSpec& s) { s.nFfExp = 32; }), invalid);
        QCOMPARE(bad("tiny-qwen3", [](SynthSpec& s) { s.kvLoraRank = 32; }), invalid);
        QCOMPARE(bad("tiny-deepseek2-v3", [](SynthSpec& s) { s.nExpertGroup = 3; }), invalid);
        QCOMPARE(bad("tiny-deepseek2-v3", [](SynthSpec& s) { s.nExpertGroupUsed = 5; }), invalid);
        QCOMPARE(bad("tiny-deepseek2-v3", [](SynthSpec& s) { s.nExpertUsed = 9; }), invalid);
        QCOMPARE(bad("tiny-deepseek2", [](SynthSpec& s) { s.gatingFunc = 3; }), invalid);
        QCOMPARE(bad("tiny-deepseek2", [](SynthSpec& s) { s.qkRopeDim = 15; }), invalid);
        QCOMPARE(bad("tiny-deepseek2", [](SynthSpec& s) { s.kvLoraRank = 0; }), invalid);
        QCOMPARE(bad("tiny-deepseek2", [](SynthSpec& s) { s.nLeadingDense = 3; }), invalid);
        QCOMPARE(bad("tiny-deepseek2", [](SynthSpec& s) { s.ropeScaleLinear = 2; }), invalid);
        QCOMPARE(bad("tiny-qwen3moe", [](SynthSpec& s) { s.yarnLogMultiplier = 0.1f; }), invalid);
        QCOMPARE(bad("tiny-olmoe", [](SynthSpec& s) { s.expProbsBias = true; }), invalid);
        QCOMPARE(bad("tiny-qwen2moe", [](SynthSpec& s) { s.tiedEmbeddings = true; }), invalid);
        QCOMPARE(bad("tiny-deepseek2", [](SynthSpec&) {}), std::nullopt);
    }
};

QTEST_APPLESS_MAIN(TestSynthMoe)
#include "tst_synth_moe.moc"
