// The type rules of `deepwell-cli quantize` (ENGINE_FACTS 2.4): every line of the Q4_K_M /
// Q5_K_M table, the plain mixes, the fallback chain, the tensors never quantized, the two
// running counters of planQuantization, and the plan for a model shaped like the real Gemma 3
// 270M Q4_K_M file compared tensor by tensor with the types that file actually has.
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/quantize.h"
#include "quant/model_quantizer.h"

#include <QtTest>

#include <cstdlib>
#include <vector>

using namespace dw;

namespace {

constexpr QuantMix M4 = QuantMix::Q4_K_M, M5 = QuantMix::Q5_K_M;

// One row of the rules table. Defaults: a dense 32-layer model, F32 source, untied.
struct Rule {
    const char* tag;
    QuantMix mix;
    const char* name;
    std::array<int64_t, 4> ne;
    DType expect;
    const char* reasonPart = "";
    int attnV = 0, attnVCount = 32;
    int layer = 0, nLayer = 32;
    int64_t nExpert = 0;
    bool tied = false;
    DType source = DType::F32;
    bool llama70B = false;
};

constexpr std::array<int64_t, 4> kWide{4096, 4096, 1, 1};
constexpr std::array<int64_t, 4> kVocab{4096, 32000, 1, 1};
constexpr std::array<int64_t, 4> kGemmaQ{640, 1024, 1, 1};

// use_more_bits(i, 32): i < 4, i >= 28, or (i - 4) % 3 == 2 (6, 9, ..., 27).
const std::vector<Rule>& rules() {
    using D = DType;
    // clang-format off: one rule per line reads as the ENGINE_FACTS table does
    static const std::vector<Rule> r = {
        // output matrix and embeddings
        {"M4 output", M4, "output.weight", kVocab, D::Q6_K, "output"},
        {"M5 output", M5, "output.weight", kVocab, D::Q6_K, "output"},
        {"M4 output ne0 640",
         M4,
         "output.weight",
         {640, 262144, 1, 1},
         D::Q8_0,
         "fallback: ne0 640 not a multiple of 256"},
        {"M5 output ne0 640", M5, "output.weight", {640, 262144, 1, 1}, D::Q8_0, "fallback"},
        {"M4 output ne0 100", M4, "output.weight", {100, 512, 1, 1}, D::F16, "fallback"},
        {"M4 tied embd", M4, "token_embd.weight", kVocab, D::Q6_K, "tied embedding", 0, 32, 0, 32,
         0, true},
        {"M5 tied embd", M5, "token_embd.weight", kVocab, D::Q6_K, "tied embedding", 0, 32, 0, 32,
         0, true},
        {"M4 tied embd 640",
         M4,
         "token_embd.weight",
         {640, 262144, 1, 1},
         D::Q8_0,
         "fallback",
         0,
         32,
         0,
         32,
         0,
         true},
        {"M5 tied embd 640",
         M5,
         "token_embd.weight",
         {640, 262144, 1, 1},
         D::Q8_0,
         "fallback",
         0,
         32,
         0,
         32,
         0,
         true},
        {"M4 untied embd", M4, "token_embd.weight", kVocab, D::Q4_K, "token_embd"},
        {"M5 untied embd", M5, "token_embd.weight", kVocab, D::Q5_K, "token_embd"},
        {"M4 untied embd 640",
         M4,
         "token_embd.weight",
         {640, 262144, 1, 1},
         D::Q5_0,
         "Q4_K -> Q5_0"},
        {"M5 untied embd 640",
         M5,
         "token_embd.weight",
         {640, 262144, 1, 1},
         D::Q5_1,
         "Q5_K -> Q5_1"},
        // attn_v class: use_more_bits over the attn_v counter
        {"M4 attn_v 0", M4, "blk.0.attn_v.weight", kWide, D::Q6_K, "more bits (0 of 32)", 0},
        {"M5 attn_v 0", M5, "blk.0.attn_v.weight", kWide, D::Q6_K, "more bits", 0},
        {"M4 attn_v 3", M4, "blk.3.attn_v.weight", kWide, D::Q6_K, "more bits", 3},
        {"M4 attn_v 4", M4, "blk.4.attn_v.weight", kWide, D::Q4_K, "attn_v (4 of 32)", 4},
        {"M5 attn_v 4", M5, "blk.4.attn_v.weight", kWide, D::Q5_K, "attn_v (4 of 32)", 4},
        {"M4 attn_v 6", M4, "blk.6.attn_v.weight", kWide, D::Q6_K, "more bits", 6},
        {"M5 attn_v 6", M5, "blk.6.attn_v.weight", kWide, D::Q6_K, "more bits", 6},
        {"M4 attn_v 7", M4, "blk.7.attn_v.weight", kWide, D::Q4_K, "", 7},
        {"M4 attn_v 26", M4, "blk.26.attn_v.weight", kWide, D::Q4_K, "", 26},
        {"M5 attn_v 26", M5, "blk.26.attn_v.weight", kWide, D::Q5_K, "", 26},
        {"M4 attn_v 27", M4, "blk.27.attn_v.weight", kWide, D::Q6_K, "more bits", 27},
        {"M4 attn_v 28", M4, "blk.28.attn_v.weight", kWide, D::Q6_K, "more bits", 28},
        {"M5 attn_v 31", M5, "blk.31.attn_v.weight", kWide, D::Q6_K, "more bits", 31},
        {"M4 attn_qkv 6",
         M4,
         "blk.6.attn_qkv.weight",
         {4096, 12288, 1, 1},
         D::Q6_K,
         "more bits",
         6},
        {"M4 attn_qkv 5", M4, "blk.5.attn_qkv.weight", {4096, 12288, 1, 1}, D::Q4_K, "", 5},
        {"M5 attn_qkv 5", M5, "blk.5.attn_qkv.weight", {4096, 12288, 1, 1}, D::Q5_K, "", 5},
        {"M4 attn_kv_b 0",
         M4,
         "blk.0.attn_kv_b.weight",
         {512, 4096, 1, 1},
         D::Q6_K,
         "more bits",
         0},
        {"M4 attn_kv_b 10", M4, "blk.10.attn_kv_b.weight", {512, 4096, 1, 1}, D::Q4_K, "", 10},
        {"M5 attn_kv_b 10", M5, "blk.10.attn_kv_b.weight", {512, 4096, 1, 1}, D::Q5_K, "", 10},
        {"M4 attn_v 640 more",
         M4,
         "blk.0.attn_v.weight",
         {640, 256, 1, 1},
         D::Q8_0,
         "Q6_K -> Q8_0",
         0},
        {"M5 attn_v 640 more",
         M5,
         "blk.0.attn_v.weight",
         {640, 256, 1, 1},
         D::Q8_0,
         "Q6_K -> Q8_0",
         0},
        {"M4 attn_v 640", M4, "blk.5.attn_v.weight", {640, 256, 1, 1}, D::Q5_0, "Q4_K -> Q5_0", 5},
        {"M5 attn_v 640", M5, "blk.5.attn_v.weight", {640, 256, 1, 1}, D::Q5_1, "Q5_K -> Q5_1", 5},
        // n_expert == 8 (Mixtral)
        {"M4 attn_v 8 experts",
         M4,
         "blk.5.attn_v.weight",
         {4096, 1024, 1, 1},
         D::Q8_0,
         "8 experts",
         5,
         32,
         0,
         32,
         8},
        {"M5 attn_v 8 experts",
         M5,
         "blk.0.attn_v.weight",
         {4096, 1024, 1, 1},
         D::Q8_0,
         "8 experts",
         0,
         32,
         0,
         32,
         8},
        {"M4 attn_k", M4, "blk.0.attn_k.weight", {4096, 1024, 1, 1}, D::Q4_K, "attn_k"},
        {"M5 attn_k", M5, "blk.0.attn_k.weight", {4096, 1024, 1, 1}, D::Q5_K, "attn_k"},
        {"M4 attn_k 8 experts",
         M4,
         "blk.0.attn_k.weight",
         {4096, 1024, 1, 1},
         D::Q8_0,
         "8 experts",
         0,
         32,
         0,
         32,
         8},
        {"M5 attn_k 8 experts",
         M5,
         "blk.0.attn_k.weight",
         {4096, 1024, 1, 1},
         D::Q8_0,
         "8 experts",
         0,
         32,
         0,
         32,
         8},
        {"M4 attn_output", M4, "blk.0.attn_output.weight", kWide, D::Q4_K, "attn_output"},
        {"M5 attn_output", M5, "blk.0.attn_output.weight", kWide, D::Q5_K, "attn_output"},
        {"M4 attn_output 8 experts", M4, "blk.0.attn_output.weight", kWide, D::Q5_K, "8 experts", 0,
         32, 0, 32, 8},
        {"M5 attn_output 8 experts", M5, "blk.0.attn_output.weight", kWide, D::Q5_K, "", 0, 32, 0,
         32, 8},
        {"M4 attn_output 64 experts", M4, "blk.0.attn_output.weight", kWide, D::Q4_K, "", 0, 32, 0,
         32, 64},
        // ffn_down class: use_more_bits over the layer
        {"M4 ffn_down 0",
         M4,
         "blk.0.ffn_down.weight",
         {14336, 4096, 1, 1},
         D::Q6_K,
         "more bits (layer 0 of 32)",
         0,
         32,
         0},
        {"M5 ffn_down 0",
         M5,
         "blk.0.ffn_down.weight",
         {14336, 4096, 1, 1},
         D::Q6_K,
         "more bits",
         0,
         32,
         0},
        {"M4 ffn_down 5",
         M4,
         "blk.5.ffn_down.weight",
         {14336, 4096, 1, 1},
         D::Q4_K,
         "ffn_down (layer 5 of 32)",
         0,
         32,
         5},
        {"M5 ffn_down 5", M5, "blk.5.ffn_down.weight", {14336, 4096, 1, 1}, D::Q5_K, "", 0, 32, 5},
        {"M4 ffn_down 6",
         M4,
         "blk.6.ffn_down.weight",
         {14336, 4096, 1, 1},
         D::Q6_K,
         "more bits",
         0,
         32,
         6},
        {"M4 ffn_down 31",
         M4,
         "blk.31.ffn_down.weight",
         {14336, 4096, 1, 1},
         D::Q6_K,
         "more bits",
         0,
         32,
         31},
        {"M4 ffn_down_exps 9",
         M4,
         "blk.9.ffn_down_exps.weight",
         {1536, 4096, 64, 1},
         D::Q6_K,
         "more bits",
         0,
         32,
         9,
         32,
         64},
        {"M4 ffn_down_exps 10",
         M4,
         "blk.10.ffn_down_exps.weight",
         {1536, 4096, 64, 1},
         D::Q4_K,
         "",
         0,
         32,
         10,
         32,
         64},
        {"M5 ffn_down_exps 10",
         M5,
         "blk.10.ffn_down_exps.weight",
         {1536, 4096, 64, 1},
         D::Q5_K,
         "",
         0,
         32,
         10,
         32,
         64},
        {"M4 ffn_down_shexp 2",
         M4,
         "blk.2.ffn_down_shexp.weight",
         {2816, 4096, 1, 1},
         D::Q6_K,
         "more bits",
         0,
         32,
         2,
         32,
         64},
        // DeepSeek-V2-Lite / Qwen1.5-MoE widths (ENGINE_FACTS 2.4 real examples)
        {"M4 ffn_down_exps 1408",
         M4,
         "blk.10.ffn_down_exps.weight",
         {1408, 2048, 64, 1},
         D::Q5_0,
         "ne0 1408 not a multiple of 256",
         0,
         27,
         10,
         27,
         64},
        {"M5 ffn_down_exps 1408",
         M5,
         "blk.10.ffn_down_exps.weight",
         {1408, 2048, 64, 1},
         D::Q5_1,
         "Q5_K -> Q5_1",
         0,
         27,
         10,
         27,
         64},
        {"M4 ffn_down_exps 1408 more",
         M4,
         "blk.1.ffn_down_exps.weight",
         {1408, 2048, 64, 1},
         D::Q8_0,
         "Q6_K -> Q8_0",
         0,
         27,
         1,
         27,
         64},
        {"M4 ffn_down 10944",
         M4,
         "blk.0.ffn_down.weight",
         {10944, 2048, 1, 1},
         D::Q8_0,
         "ne0 10944 not a multiple of 256 (Q6_K -> Q8_0)",
         0,
         27,
         0,
         27,
         64},
        {"M5 ffn_down 10944",
         M5,
         "blk.0.ffn_down.weight",
         {10944, 2048, 1, 1},
         D::Q8_0,
         "Q6_K -> Q8_0",
         0,
         27,
         0,
         27,
         64},
        {"M4 attn_k_b 128",
         M4,
         "blk.3.attn_k_b.weight",
         {128, 8192, 1, 1},
         D::Q5_0,
         "Q4_K -> Q5_0"},
        // everything else: the mix's default type
        {"M4 attn_q", M4, "blk.0.attn_q.weight", kWide, D::Q4_K, "attn_q"},
        {"M5 attn_q", M5, "blk.0.attn_q.weight", kWide, D::Q5_K, "attn_q"},
        {"M4 ffn_gate", M4, "blk.0.ffn_gate.weight", {4096, 14336, 1, 1}, D::Q4_K},
        {"M5 ffn_up", M5, "blk.0.ffn_up.weight", {4096, 14336, 1, 1}, D::Q5_K},
        {"M4 ffn_gate_exps", M4, "blk.3.ffn_gate_exps.weight", {2048, 1408, 64, 1}, D::Q4_K},
        {"M5 ffn_up_shexp", M5, "blk.3.ffn_up_shexp.weight", {2048, 2816, 1, 1}, D::Q5_K},
        {"M4 attn_q_a", M4, "blk.3.attn_q_a.weight", {7168, 1536, 1, 1}, D::Q4_K},
        {"M5 attn_q_b", M5, "blk.3.attn_q_b.weight", {1536, 24576, 1, 1}, D::Q5_K},
        {"M4 attn_kv_a_mqa", M4, "blk.3.attn_kv_a_mqa.weight", {2048, 576, 1, 1}, D::Q4_K},
        {"M4 attn_v_b", M4, "blk.3.attn_v_b.weight", {512, 2048, 1, 1}, D::Q4_K, "other"},
        {"M4 attn_q 640", M4, "blk.0.attn_q.weight", kGemmaQ, D::Q5_0,
         "fallback: ne0 640 not a multiple of 256 (Q4_K -> Q5_0)"},
        {"M5 attn_q 640", M5, "blk.0.attn_q.weight", kGemmaQ, D::Q5_1,
         "fallback: ne0 640 not a multiple of 256 (Q5_K -> Q5_1)"},
        {"M4 attn_q 100", M4, "blk.0.attn_q.weight", {100, 64, 1, 1}, D::F16, "Q4_K -> F16"},
        {"M4 F16 source", M4, "blk.0.attn_q.weight", kWide, D::Q4_K, "", 0, 32, 0, 32, 0, false,
         D::F16},
        {"M5 BF16 source", M5, "blk.0.attn_q.weight", kWide, D::Q5_K, "", 0, 32, 0, 32, 0, false,
         D::BF16},
        // never quantized: keep the source type
        {"output_norm", M4, "output_norm.weight", {4096, 1, 1, 1}, D::F32, "kept: norm"},
        {"attn_norm", M5, "blk.0.attn_norm.weight", {4096, 1, 1, 1}, D::F32, "kept: norm"},
        {"attn_norm F16",
         M4,
         "blk.0.attn_norm.weight",
         {4096, 1, 1, 1},
         D::F16,
         "kept",
         0,
         32,
         0,
         32,
         0,
         false,
         D::F16},
        {"router", M4, "blk.0.ffn_gate_inp.weight", {4096, 64, 1, 1}, D::F32, "kept: MoE router"},
        {"router Q8_0 mix",
         QuantMix::Q8_0,
         "blk.0.ffn_gate_inp.weight",
         {4096, 8, 1, 1},
         D::F32,
         "kept"},
        {"exp_probs_b", M4, "blk.3.exp_probs_b.bias", {256, 1, 1, 1}, D::F32, "kept"},
        {"2-D bias", M4, "blk.0.attn_q.bias", {4096, 2, 1, 1}, D::F32, "does not end in 'weight'"},
        {"rope_freqs", M4, "rope_freqs.weight", {64, 1, 1, 1}, D::F32, "kept: 1-D"},
        {"trailing 1 is 1-D", M4, "blk.0.attn_q.weight", {4096, 1, 1, 1}, D::F32, "kept: 1-D"},
        {"position_embd", M4, "position_embd.weight", {768, 1024, 1, 1}, D::F32, "kept"},
        {"ssm_conv1d", M4, "blk.0.ssm_conv1d.weight", {4, 8192, 1, 1}, D::F32, "kept"},
        {"integer tensor",
         M4,
         "blk.0.attn_q.weight",
         {256, 4, 1, 1},
         D::I32,
         "kept: I32",
         0,
         32,
         0,
         32,
         0,
         false,
         D::I32},
        // plain mixes: the type everywhere, the output matrix Q6_K (Q8_0 in Q8_0)
        {"Q8_0 attn_q", QuantMix::Q8_0, "blk.0.attn_q.weight", kWide, D::Q8_0},
        {"Q8_0 output", QuantMix::Q8_0, "output.weight", kVocab, D::Q8_0},
        {"Q8_0 attn_v 0", QuantMix::Q8_0, "blk.0.attn_v.weight", kWide, D::Q8_0},
        {"Q8_0 attn_q 100",
         QuantMix::Q8_0,
         "blk.0.attn_q.weight",
         {100, 64, 1, 1},
         D::F16,
         "Q8_0 -> F16"},
        {"Q4_0 attn_q", QuantMix::Q4_0, "blk.0.attn_q.weight", kGemmaQ, D::Q4_0},
        {"Q4_0 attn_v 0", QuantMix::Q4_0, "blk.0.attn_v.weight", kWide, D::Q4_0, "", 0},
        {"Q4_0 ffn_down 0", QuantMix::Q4_0, "blk.0.ffn_down.weight", kWide, D::Q4_0, "", 0, 32, 0},
        {"Q4_0 output", QuantMix::Q4_0, "output.weight", kVocab, D::Q6_K},
        {"Q4_0 output 640",
         QuantMix::Q4_0,
         "output.weight",
         {640, 262144, 1, 1},
         D::Q8_0,
         "Q6_K -> Q8_0"},
        {"Q4_0 attn_k 8 experts", QuantMix::Q4_0, "blk.0.attn_k.weight", kWide, D::Q8_0,
         "8 experts", 0, 32, 0, 32, 8},
        {"Q4_0 attn_output 8 experts", QuantMix::Q4_0, "blk.0.attn_output.weight", kWide, D::Q4_0,
         "", 0, 32, 0, 32, 8},
        {"Q4_K attn_q", QuantMix::Q4_K, "blk.0.attn_q.weight", kWide, D::Q4_K},
        {"Q4_K attn_q 640", QuantMix::Q4_K, "blk.0.attn_q.weight", kGemmaQ, D::Q5_0},
        {"Q4_K ffn_down 0", QuantMix::Q4_K, "blk.0.ffn_down.weight", kWide, D::Q4_K, "", 0, 32, 0},
        {"Q4_K output", QuantMix::Q4_K, "output.weight", kVocab, D::Q6_K},
        {"Q5_K attn_q 640", QuantMix::Q5_K, "blk.0.attn_q.weight", kGemmaQ, D::Q5_1},
        {"Q5_K tied embd", QuantMix::Q5_K, "token_embd.weight", kVocab, D::Q6_K, "tied", 0, 32, 0,
         32, 0, true},
        {"Q6_K attn_q", QuantMix::Q6_K, "blk.0.attn_q.weight", kWide, D::Q6_K},
        {"Q6_K attn_q 640", QuantMix::Q6_K, "blk.0.attn_q.weight", kGemmaQ, D::Q8_0},
        {"Q6_K output", QuantMix::Q6_K, "output.weight", kVocab, D::Q6_K},
        // llama.cpp's 70B llama (80 layers, GQA): attn_v Q4_K -> Q5_K
        {"M4 70B attn_v",
         M4,
         "blk.11.attn_v.weight",
         {8192, 1024, 1, 1},
         D::Q5_K,
         "70B",
         11,
         80,
         0,
         80,
         0,
         false,
         D::F32,
         true},
        {"M5 70B attn_v",
         M5,
         "blk.11.attn_v.weight",
         {8192, 1024, 1, 1},
         D::Q5_K,
         "",
         11,
         80,
         0,
         80,
         0,
         false,
         D::F32,
         true},
        {"M4 70B attn_v more",
         M4,
         "blk.0.attn_v.weight",
         {8192, 1024, 1, 1},
         D::Q6_K,
         "more bits",
         0,
         80,
         0,
         80,
         0,
         false,
         D::F32,
         true},
        {"Q4_K 70B attn_v",
         QuantMix::Q4_K,
         "blk.11.attn_v.weight",
         {8192, 1024, 1, 1},
         D::Q5_K,
         "70B",
         11,
         80,
         0,
         80,
         0,
         false,
         D::F32,
         true},
    };
    // clang-format on
    return r;
}

std::string modelPath() {
    const char* env = std::getenv("DEEPWELL_MODEL");
    if (env && *env) return env;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf";
}

gguf::TensorInfo info(const std::string& name, std::array<int64_t, 4> ne, DType type = DType::F32) {
    gguf::TensorInfo t;
    t.name = name;
    t.type = type;
    t.ne = ne;
    t.nDims = uint32_t(quant::ggmlDims(ne));
    return t;
}

DType plannedType(const QuantizePlan& plan, const std::string& name) {
    for (const auto& t : plan.tensors)
        if (t.name == name) return t.targetType;
    throw std::runtime_error("no tensor " + name);
}

} // namespace

class TestModelQuantizer : public QObject {
    Q_OBJECT

private slots:
    void rulesTable_data() {
        QTest::addColumn<int>("row");
        for (size_t i = 0; i < rules().size(); ++i) QTest::newRow(rules()[i].tag) << int(i);
    }
    void rulesTable() {
        QFETCH(int, row);
        const Rule& r = rules()[size_t(row)];
        TensorChoiceInput in;
        in.name = r.name;
        in.ne = r.ne;
        in.sourceType = r.source;
        in.mix = r.mix;
        in.attnVIndex = r.attnV;
        in.attnVCount = r.attnVCount;
        in.ffnDownIndex = r.layer;
        in.nLayer = r.nLayer;
        in.nExpert = r.nExpert;
        in.tiedEmbeddings = r.tied;
        in.llama70B = r.llama70B;
        const TensorChoice c = chooseTensor(in);
        QCOMPARE(dtypeName(c.type), dtypeName(r.expect));
        QCOMPARE(chooseTensorType(in), r.expect);
        QVERIFY2(c.reason.find(r.reasonPart) != std::string::npos, c.reason.c_str());
        // Whatever is chosen can hold the row.
        QCOMPARE(r.ne[0] % dtypeTraits(c.type).blockSize, int64_t(0));
    }

    void useMoreBitsPositions() {
        // n = 18 (Gemma 3 270M): the layers whose attn_v / ffn_down are Q6_K-class in the
        // real file.
        std::vector<int> more;
        for (int i = 0; i < 18; ++i)
            if (quant::useMoreBits(i, 18)) more.push_back(i);
        QCOMPARE(more, (std::vector<int>{0, 1, 4, 7, 10, 13, 15, 16, 17}));
        more.clear();
        for (int i = 0; i < 32; ++i)
            if (quant::useMoreBits(i, 32)) more.push_back(i);
        QCOMPARE(more,
                 (std::vector<int>{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}));
    }

    void fallbackChain_data() {
        QTest::addColumn<int>("wanted");
        QTest::addColumn<qint64>("ne0");
        QTest::addColumn<bool>("output");
        QTest::addColumn<int>("expect");
        auto row = [](const char* tag, DType w, qint64 ne0, bool out, DType e) {
            QTest::newRow(tag) << int(w) << ne0 << out << int(e);
        };
        row("Q4_K 640", DType::Q4_K, 640, false, DType::Q5_0);
        row("Q5_K 640", DType::Q5_K, 640, false, DType::Q5_1);
        row("Q6_K 640", DType::Q6_K, 640, false, DType::Q8_0);
        row("Q4_K 1408", DType::Q4_K, 1408, false, DType::Q5_0);
        row("Q6_K 10944", DType::Q6_K, 10944, false, DType::Q8_0);
        row("Q2_K 640", DType::Q2_K, 640, false, DType::Q4_0);
        row("Q3_K 640", DType::Q3_K, 640, false, DType::Q4_0);
        row("Q4_K 100", DType::Q4_K, 100, false, DType::F16);
        row("Q8_0 100", DType::Q8_0, 100, false, DType::F16);
        row("Q4_K fits", DType::Q4_K, 4096, false, DType::Q4_K);
        row("output Q6_K 640", DType::Q6_K, 640, true, DType::Q8_0);
        row("output Q4_K 640", DType::Q4_K, 640, true, DType::Q8_0);
        row("output Q6_K 100", DType::Q6_K, 100, true, DType::F16);
    }
    void fallbackChain() {
        QFETCH(int, wanted);
        QFETCH(qint64, ne0);
        QFETCH(bool, output);
        QFETCH(int, expect);
        std::string why;
        const DType got = quant::fallbackType(DType(wanted), ne0, output, &why);
        QCOMPARE(dtypeName(got), dtypeName(DType(expect)));
        if (got != DType(wanted))
            QVERIFY2(why.find("ne0 " + std::to_string(ne0)) == 0, why.c_str());
    }

    void categories() {
        using C = quant::TensorCategory;
        QCOMPARE(quant::tensorCategory("output.weight"), C::Output);
        QCOMPARE(quant::tensorCategory("blk.0.attn_output.weight"), C::AttnOutput);
        QCOMPARE(quant::tensorCategory("token_embd.weight"), C::TokenEmbd);
        QCOMPARE(quant::tensorCategory("blk.1.attn_qkv.weight"), C::AttnV);
        QCOMPARE(quant::tensorCategory("blk.1.attn_kv_b.weight"), C::AttnV);
        QCOMPARE(quant::tensorCategory("blk.1.attn_k_b.weight"), C::Other);
        QCOMPARE(quant::tensorCategory("blk.1.attn_v_b.weight"), C::Other);
        QCOMPARE(quant::tensorCategory("blk.1.ffn_down_exps.weight"), C::FfnDown);
        QCOMPARE(quant::tensorCategory("blk.1.ffn_gate_shexp.weight"), C::FfnGate);
        QCOMPARE(quant::tensorCategory("blk.1.ffn_up_exps.weight"), C::FfnUp);
    }

    void mixNamesAndFileTypes() {
        QuantMix m{};
        QVERIFY(quantMixFromName("q4_k_m", m));
        QCOMPARE(m, QuantMix::Q4_K_M);
        QVERIFY(quantMixFromName("Q5_K_M", m));
        QCOMPARE(m, QuantMix::Q5_K_M);
        QVERIFY(!quantMixFromName("Q4_K_S", m));
        QVERIFY(!quantMixFromName("", m));
        for (QuantMix x : allQuantMixes()) {
            QVERIFY(quantMixFromName(quantMixName(x), m));
            QCOMPARE(m, x);
        }
        QCOMPARE(allQuantMixes().size(), size_t(7));
        QCOMPARE(quantMixFileType(QuantMix::Q8_0), 7u);
        QCOMPARE(quantMixFileType(QuantMix::Q4_0), 2u);
        QCOMPARE(quantMixFileType(QuantMix::Q4_K_M), 15u);
        QCOMPARE(quantMixFileType(QuantMix::Q5_K_M), 17u);
        QCOMPARE(quantMixFileType(QuantMix::Q6_K), 18u);
    }

    // The attn_v counter runs over attn_v, attn_qkv and attn_kv_b together, in file order.
    void attnVCounterSpansClasses() {
        std::vector<gguf::TensorInfo> ts;
        for (int il = 0; il < 16; ++il) {
            const std::string p = "blk." + std::to_string(il) + ".";
            ts.push_back(info(p + "attn_k.weight", {256, 256, 1, 1}));
            ts.push_back(
                info(p + (il < 8 ? "attn_qkv.weight" : "attn_v.weight"), {256, 256, 1, 1}));
        }
        QuantizeModelInfo mi{"llama", 16, 0, false};
        const QuantizePlan plan = planQuantization(ts, mi, M4);
        const std::vector<int> more{0, 1, 4, 7, 10, 13, 14, 15}; // use_more_bits(i, 16)
        for (int il = 0; il < 16; ++il) {
            const std::string p = "blk." + std::to_string(il) + ".";
            const bool m = std::find(more.begin(), more.end(), il) != more.end();
            const DType t = plannedType(plan, p + (il < 8 ? "attn_qkv.weight" : "attn_v.weight"));
            QCOMPARE(t, m ? DType::Q6_K : DType::Q4_K);
            QCOMPARE(plannedType(plan, p + "attn_k.weight"), DType::Q4_K);
        }
    }

    // Dense models count ffn_down tensors as they come; MoE models read the layer from the name.
    void ffnDownLayerIndex() {
        std::vector<gguf::TensorInfo> ts;
        for (int il : {2, 0, 1, 3, 4, 5, 6, 7}) // out of order on purpose
            ts.push_back(
                info("blk." + std::to_string(il) + ".ffn_down_exps.weight", {512, 256, 4, 1}));
        // use_more_bits(i, 8): 0, 3, 6, 7.
        QuantizePlan moe = planQuantization(ts, {"qwen3moe", 8, 4, false}, M4);
        for (int il = 0; il < 8; ++il) {
            const bool m = il == 0 || il == 3 || il == 6 || il == 7;
            QCOMPARE(plannedType(moe, "blk." + std::to_string(il) + ".ffn_down_exps.weight"),
                     m ? DType::Q6_K : DType::Q4_K);
        }
        // Without experts the running counter decides: position 0 (blk.2) gets more bits.
        QuantizePlan dense = planQuantization(ts, {"llama", 8, 0, false}, M4);
        QCOMPARE(plannedType(dense, "blk.2.ffn_down_exps.weight"), DType::Q6_K);
        QCOMPARE(plannedType(dense, "blk.0.ffn_down_exps.weight"), DType::Q4_K);
        // An MoE ffn_down without a usable layer index is a format error naming the tensor.
        ts.push_back(info("blk.9.ffn_down_exps.weight", {512, 256, 4, 1}));
        try {
            planQuantization(ts, {"qwen3moe", 8, 4, false}, M4);
            QFAIL("no error for a layer index outside block_count");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Format);
            QVERIFY2(std::string(e.what()).find("blk.9.ffn_down_exps.weight") != std::string::npos,
                     e.what());
        }
    }

    void tiedEmbeddingFollowsOutputPresence() {
        std::vector<gguf::TensorInfo> ts{info("token_embd.weight", {256, 1000, 1, 1}),
                                         info("blk.0.attn_q.weight", {256, 256, 1, 1})};
        QCOMPARE(plannedType(planQuantization(ts, {"llama", 1, 0, false}, M4), "token_embd.weight"),
                 DType::Q6_K);
        ts.push_back(info("output.weight", {256, 1000, 1, 1}));
        const QuantizePlan untied = planQuantization(ts, {"llama", 1, 0, false}, M4);
        QCOMPARE(plannedType(untied, "token_embd.weight"), DType::Q4_K);
        QCOMPARE(plannedType(untied, "output.weight"), DType::Q6_K);
        QCOMPARE(untied.nElements, uint64_t(256 * 1000 * 2 + 256 * 256));
        // Q4_K rows of 256 are 144 bytes, Q6_K rows 210.
        QCOMPARE(untied.targetBytes, uint64_t(1000 * 144 + 256 * 144 + 1000 * 210));
    }

    void requantizingIsRefused() {
        std::vector<gguf::TensorInfo> ts{info("blk.0.attn_q.weight", {256, 4, 1, 1}, DType::Q8_0),
                                         info("blk.0.attn_norm.weight", {256, 1, 1, 1})};
        try {
            planQuantization(ts, {"llama", 1, 0, false}, M4, "m.gguf");
            QFAIL("re-quantizing Q8_0 to Q4_K was accepted");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            const std::string msg = e.what();
            QVERIFY2(msg.find("m.gguf") != std::string::npos &&
                         msg.find("blk.0.attn_q.weight") != std::string::npos &&
                         msg.find("already Q8_0") != std::string::npos &&
                         msg.find("Q4_K") != std::string::npos,
                     msg.c_str());
        }
        // A tensor that stays in its type is simply copied.
        const QuantizePlan same = planQuantization(ts, {"llama", 1, 0, false}, QuantMix::Q8_0);
        QVERIFY(!same.tensors[0].changes());
    }

    // The real Gemma 3 270M Q4_K_M file: a twin with the same names and shapes but F32 types,
    // planned as Q4_K_M, must get exactly the types the file has.
    void gemmaPlanMatchesRealFile() {
        const std::string path = modelPath();
        if (!QFile::exists(QString::fromStdString(path))) {
            const char* require = std::getenv("DEEPWELL_REQUIRE_MODEL");
            if (require && std::string(require) == "1") QFAIL(("model missing: " + path).c_str());
            QSKIP(("Gemma 3 270M not found at " + path + " (set DEEPWELL_MODEL)").c_str());
        }
        const auto real = gguf::File::open(path);
        QCOMPARE(real->getInt("general.file_type").value_or(-1), int64_t(quantMixFileType(M4)));
        std::vector<gguf::TensorInfo> twin = real->tensors();
        for (auto& t : twin) {
            t.type = DType::F32;
            t.nBytes = uint64_t(t.nElements()) * 4;
            t.data = nullptr;
        }
        const QuantizeModelInfo mi = quantizeModelInfo(*real);
        QCOMPARE(mi.nLayer, 18);
        const QuantizePlan plan = planQuantization(twin, mi, M4, "gemma twin");
        QCOMPARE(plan.tensors.size(), real->tensors().size());
        std::string diffs;
        int quantized = 0;
        for (size_t i = 0; i < plan.tensors.size(); ++i) {
            const auto& p = plan.tensors[i];
            const auto& r = real->tensors()[i];
            QCOMPARE(p.name, r.name);
            quantized += p.changes() ? 1 : 0;
            if (p.targetType != r.type)
                diffs += p.name + ": planned " + std::string(dtypeName(p.targetType)) + ", file " +
                         std::string(dtypeName(r.type)) + " (" + p.reason + ")\n";
        }
        QVERIFY2(diffs.empty(), diffs.c_str());
        QCOMPARE(quantized, 18 * 7 + 1); // q, k, v, output, gate, up, down per layer + token_embd
        uint64_t realBytes = 0;
        for (const auto& t : real->tensors()) realBytes += t.nBytes;
        QCOMPARE(plan.targetBytes, realBytes);
    }
};

QTEST_APPLESS_MAIN(TestModelQuantizer)
#include "tst_model_quantizer.moc"
