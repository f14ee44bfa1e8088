// Writing synthetic GGUF models: metadata as the real converters write it for each
// architecture (ENGINE_FACTS 3, 4.1, 4.2, 4.4, 4.5) and seeded random weights.
#include "synth/synth.h"

#include "core/fp16.h"
#include "deepwell/error.h"
#include "quant/quant.h"
#include "synth/synth_rng.h"

#include <cmath>
#include <cstring>
#include <string>

namespace dw::synth {
namespace {

using gguf::Value;
using gguf::ValueType;

[[noreturn]] void badSpec(const std::string& msg) {
    throw Error(ErrorCode::InvalidArgument, "synth: " + msg);
}

void checkRange(const char* field, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
        badSpec(std::string(field) + " = " + std::to_string(v) + " is outside " +
                std::to_string(lo) + ".." + std::to_string(hi));
    }
}

enum class Init { Matrix, Norm, Bias, RopeFreqs };

struct TensorPlan {
    std::string name;
    std::vector<int64_t> ne;
    Init init = Init::Matrix;
    bool isOutput = false; // the output matrix (or the tied embedding)
};

std::vector<TensorPlan> planTensors(const SynthSpec& s) {
    const int64_t hd = s.headDimOrDefault();
    const int64_t nq = s.nHead * hd;
    const int64_t nkv = s.nHeadKv * hd;
    const bool gemma = s.arch == Arch::Gemma3;
    const bool qkNorm = gemma || s.arch == Arch::Qwen3;
    std::vector<TensorPlan> t;
    t.push_back({"token_embd.weight", {s.nEmbd, s.nVocab}, Init::Matrix, s.tiedEmbeddings});
    if (s.ropeFreqs) t.push_back({"rope_freqs.weight", {hd / 2}, Init::RopeFreqs});
    for (int64_t il = 0; il < s.nLayer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        t.push_back({p + "attn_norm.weight", {s.nEmbd}, Init::Norm});
        t.push_back({p + "attn_q.weight", {s.nEmbd, nq}});
        t.push_back({p + "attn_k.weight", {s.nEmbd, nkv}});
        t.push_back({p + "attn_v.weight", {s.nEmbd, nkv}});
        if (s.biases) {
            t.push_back({p + "attn_q.bias", {nq}, Init::Bias});
            t.push_back({p + "attn_k.bias", {nkv}, Init::Bias});
            t.push_back({p + "attn_v.bias", {nkv}, Init::Bias});
        }
        if (qkNorm) {
            t.push_back({p + "attn_q_norm.weight", {hd}, Init::Norm});
            t.push_back({p + "attn_k_norm.weight", {hd}, Init::Norm});
        }
        t.push_back({p + "attn_output.weight", {nq, s.nEmbd}});
        if (s.biases && s.arch == Arch::Llama) {
            t.push_back({p + "attn_output.bias", {s.nEmbd}, Init::Bias});
        }
        if (gemma) t.push_back({p + "post_attention_norm.weight", {s.nEmbd}, Init::Norm});
        t.push_back({p + "ffn_norm.weight", {s.nEmbd}, Init::Norm});
        t.push_back({p + "ffn_gate.weight", {s.nEmbd, s.nFf}});
        t.push_back({p + "ffn_up.weight", {s.nEmbd, s.nFf}});
        t.push_back({p + "ffn_down.weight", {s.nFf, s.nEmbd}});
        if (gemma) t.push_back({p + "post_ffw_norm.weight", {s.nEmbd}, Init::Norm});
    }
    t.push_back({"output_norm.weight", {s.nEmbd}, Init::Norm});
    if (!s.tiedEmbeddings) t.push_back({"output.weight", {s.nEmbd, s.nVocab}, Init::Matrix, true});
    return t;
}

DType tensorType(const SynthSpec& s, const TensorPlan& t) {
    if (t.ne.size() < 2) return DType::F32; // norms, biases, rope_freqs
    DType wanted = s.weightType;
    for (const auto& [pattern, type] : s.typeOverrides) {
        if (t.name.find(pattern) != std::string::npos) {
            wanted = type;
            break;
        }
    }
    const DType type = storageType(wanted, t.ne[0], t.isOutput);
    const bool plain = type == DType::F32 || type == DType::F16 || type == DType::BF16;
    if (!plain && !quant::canQuantize(type)) {
        badSpec("tensor '" + t.name + "' would be stored as " + std::string(dtypeName(type)) +
                " (asked: " + std::string(dtypeName(wanted)) + "), which dw::quant cannot produce");
    }
    return type;
}

std::vector<float> tensorValues(const SynthSpec& s, const TensorPlan& t) {
    int64_t n = 1;
    for (int64_t d : t.ne) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    NormalStream rng(tensorSeed(s.seed, t.name));
    const double stdMatrix = static_cast<double>(s.initScale) / std::sqrt(double(t.ne[0]));
    for (int64_t i = 0; i < n; ++i) {
        double x = 0;
        switch (t.init) {
        case Init::Matrix:
            x = stdMatrix * rng.next();
            break;
        case Init::Norm:
            x = 1.0 + 0.1 * rng.next();
            break; // gemma3 stores (1 + w): also ~1
        case Init::Bias:
            x = 0.1 * static_cast<double>(s.initScale) * rng.next();
            break;
        case Init::RopeFreqs:
            x = 1.0 + 4.0 * double(i) / double(n);
            break; // divisors 1..5
        }
        v[static_cast<size_t>(i)] = static_cast<float>(x);
    }
    return v;
}

void encodeRows(DType type, const std::vector<float>& v, int64_t ne0, uint8_t* dst) {
    const int64_t rows = static_cast<int64_t>(v.size()) / ne0;
    const size_t rb = rowBytes(type, ne0);
    for (int64_t r = 0; r < rows; ++r) {
        const float* src = v.data() + r * ne0;
        uint8_t* out = dst + static_cast<size_t>(r) * rb;
        if (type == DType::F32) {
            std::memcpy(out, src, rb);
        } else if (type == DType::F16 || type == DType::BF16) {
            for (int64_t i = 0; i < ne0; ++i) {
                const uint16_t h = type == DType::F16 ? fp32ToFp16(src[i]) : fp32ToBf16(src[i]);
                std::memcpy(out + 2 * i, &h, 2);
            }
        } else {
            quant::quantizeRow(type, src, out, ne0);
        }
    }
}

// llama_ftype of a file whose weights are mostly `t` (informational; ENGINE_FACTS 1.7).
uint32_t fileType(DType t) {
    switch (t) {
    case DType::F32:
        return 0;
    case DType::F16:
        return 1;
    case DType::Q4_0:
        return 2;
    case DType::Q4_1:
        return 3;
    case DType::Q8_0:
        return 7;
    case DType::Q5_0:
        return 8;
    case DType::Q5_1:
        return 9;
    case DType::Q2_K:
        return 10;
    case DType::Q3_K:
        return 12;
    case DType::Q4_K:
        return 15;
    case DType::Q5_K:
        return 17;
    case DType::Q6_K:
        return 18;
    case DType::IQ4_NL:
        return 25;
    case DType::IQ4_XS:
        return 30;
    case DType::BF16:
        return 32;
    case DType::TQ1_0:
        return 36;
    case DType::TQ2_0:
        return 37;
    default:
        return 1024; // guessed
    }
}

Value u32(int64_t v) {
    return Value::integer(ValueType::U32, v);
}
Value f32(double v) {
    return Value::floating(ValueType::F32, v);
}

void setHyperParams(gguf::Writer& w, const SynthSpec& s) {
    const std::string a = std::string(archName(s.arch)) + ".";
    w.set(a + "context_length", u32(s.nCtxTrain));
    w.set(a + "embedding_length", u32(s.nEmbd));
    w.set(a + "block_count", u32(s.nLayer));
    w.set(a + "feed_forward_length", u32(s.nFf));
    w.set(a + "attention.head_count", u32(s.nHead));
    w.set(a + "attention.head_count_kv", u32(s.nHeadKv));
    const int64_t hd = s.headDimOrDefault();
    if (s.arch == Arch::Qwen3 || s.arch == Arch::Gemma3 || hd * s.nHead != s.nEmbd) {
        w.set(a + "attention.key_length", u32(hd));
        w.set(a + "attention.value_length", u32(hd));
    }
    w.set(a + "attention.layer_norm_rms_epsilon", f32(s.rmsEps));
    w.set(a + "rope.freq_base", f32(s.ropeBase));
    if (s.arch == Arch::Llama) {
        w.set(a + "rope.dimension_count", u32(hd));
        w.set(a + "vocab_size", u32(s.nVocab));
    }
    if (s.ropeScaleLinear > 0) {
        w.set(a + "rope.scaling.type", Value::string("linear"));
        w.set(a + "rope.scaling.factor", f32(s.ropeScaleLinear));
    }
    if (s.arch == Arch::Gemma3) {
        if (s.slidingWindow > 0) w.set(a + "attention.sliding_window", u32(s.slidingWindow));
        w.set(a + "rope.freq_base_swa", f32(s.ropeBaseSwa));
        // Real files omit the pattern key (llama.cpp's default is 6); write it only when needed.
        if (s.swaPattern != 6) w.set(a + "attention.sliding_window_pattern", u32(s.swaPattern));
        if (s.finalLogitSoftcap > 0) w.set(a + "final_logit_softcapping", f32(s.finalLogitSoftcap));
    }
}

void setTokenizer(gguf::Writer& w, const SynthVocab& v) {
    w.set("tokenizer.ggml.model", Value::string(v.model));
    if (!v.pre.empty()) w.set("tokenizer.ggml.pre", Value::string(v.pre));
    w.set("tokenizer.ggml.tokens", Value::stringArray(v.tokens));
    if (!v.scores.empty()) {
        w.set("tokenizer.ggml.scores",
              Value::floatArray(ValueType::F32,
                                std::vector<double>(v.scores.begin(), v.scores.end())));
    }
    w.set("tokenizer.ggml.token_type",
          Value::intArray(ValueType::I32, std::vector<int64_t>(v.types.begin(), v.types.end())));
    if (!v.merges.empty()) w.set("tokenizer.ggml.merges", Value::stringArray(v.merges));
    if (v.bos >= 0) w.set("tokenizer.ggml.bos_token_id", u32(v.bos));
    if (v.eos >= 0) w.set("tokenizer.ggml.eos_token_id", u32(v.eos));
    if (v.unk >= 0) w.set("tokenizer.ggml.unknown_token_id", u32(v.unk));
    if (v.pad >= 0) w.set("tokenizer.ggml.padding_token_id", u32(v.pad));
    if (v.eot >= 0) w.set("tokenizer.ggml.eot_token_id", u32(v.eot));
    w.set("tokenizer.ggml.add_bos_token", Value::boolean(v.addBos));
    w.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
    if (v.model == "llama")
        w.set("tokenizer.ggml.add_space_prefix", Value::boolean(v.addSpacePrefix));
    w.set("tokenizer.chat_template", Value::string(v.chatTemplate));
}

} // namespace

const char* archName(Arch a) {
    switch (a) {
    case Arch::Llama:
        return "llama";
    case Arch::Qwen2:
        return "qwen2";
    case Arch::Qwen3:
        return "qwen3";
    case Arch::Gemma3:
        return "gemma3";
    }
    return "?";
}

bool archFromName(std::string_view name, Arch& out) {
    for (Arch a : {Arch::Llama, Arch::Qwen2, Arch::Qwen3, Arch::Gemma3}) {
        if (name == archName(a)) {
            out = a;
            return true;
        }
    }
    return false;
}

void validate(const SynthSpec& s) {
    checkRange("nLayer", s.nLayer, 1, 1024);
    checkRange("nEmbd", s.nEmbd, 2, 65536);
    checkRange("nHead", s.nHead, 1, 1024);
    checkRange("nHeadKv", s.nHeadKv, 1, s.nHead);
    if (s.nHead % s.nHeadKv != 0) {
        badSpec("nHead = " + std::to_string(s.nHead) +
                " is not a multiple of nHeadKv = " + std::to_string(s.nHeadKv));
    }
    if (s.headDim == 0 && s.nEmbd % s.nHead != 0) {
        badSpec("headDim = 0 needs nEmbd (" + std::to_string(s.nEmbd) +
                ") to be a multiple of nHead (" + std::to_string(s.nHead) + ")");
    }
    checkRange("headDim", s.headDimOrDefault(), 2, 4096);
    if (s.headDimOrDefault() % 2 != 0) badSpec("headDim must be even (RoPE rotates pairs)");
    checkRange("nFf", s.nFf, 1, 1 << 20);
    checkRange("nCtxTrain", s.nCtxTrain, 1, int64_t(1) << 32);
    checkRange("slidingWindow", s.slidingWindow, 0, int64_t(1) << 32);
    checkRange("swaPattern", s.swaPattern, 1, 1024);
    if (!(s.ropeBase > 1.0f) || !(s.ropeBaseSwa > 1.0f))
        badSpec("ropeBase and ropeBaseSwa must be > 1");
    if (!(s.ropeScaleLinear >= 0.0f)) badSpec("ropeScaleLinear must be >= 0");
    if (!(s.rmsEps > 0.0f && s.rmsEps < 1.0f)) badSpec("rmsEps must be in (0, 1)");
    if (!(s.initScale > 0.0f && std::isfinite(s.initScale))) badSpec("initScale must be > 0");
    if (!(s.finalLogitSoftcap >= 0.0f)) badSpec("finalLogitSoftcap must be >= 0");
    const bool gemma = s.arch == Arch::Gemma3;
    if (s.biases && !(s.arch == Arch::Llama || s.arch == Arch::Qwen2)) {
        badSpec("biases are only written for llama and qwen2, not " +
                std::string(archName(s.arch)));
    }
    if (s.ropeFreqs && s.arch != Arch::Llama) badSpec("ropeFreqs is only written for llama");
    if (!gemma && (s.slidingWindow > 0 || s.finalLogitSoftcap > 0)) {
        badSpec("slidingWindow and finalLogitSoftcap are only written for gemma3");
    }
    (void)synthVocab(s); // checks nVocab
    for (const TensorPlan& t : planTensors(s)) (void)tensorType(s, t);
}

DType storageType(DType wanted, int64_t ne0, bool isOutput) {
    const auto& tr = dtypeTraits(wanted);
    if (!tr.quantized || ne0 % tr.blockSize == 0) return wanted;
    DType fb = DType::F16;
    if (isOutput) {
        fb = DType::Q8_0;
    } else {
        switch (wanted) {
        case DType::Q4_K:
            fb = DType::Q5_0;
            break;
        case DType::Q5_K:
            fb = DType::Q5_1;
            break;
        case DType::Q6_K:
            fb = DType::Q8_0;
            break;
        case DType::IQ4_XS:
        case DType::IQ3_XXS:
        case DType::IQ3_S:
        case DType::IQ2_XXS:
        case DType::IQ2_XS:
        case DType::IQ2_S:
        case DType::IQ1_S:
        case DType::IQ1_M:
            fb = DType::IQ4_NL;
            break;
        case DType::Q2_K:
        case DType::Q3_K:
        case DType::TQ1_0:
        case DType::TQ2_0:
        case DType::Q2_0:
            fb = DType::Q4_0;
            break;
        default:
            fb = DType::F16;
            break;
        }
    }
    return ne0 % dtypeTraits(fb).blockSize == 0 ? fb : DType::F16;
}

gguf::Writer buildSynthModel(const SynthSpec& spec) {
    validate(spec);
    const SynthVocab vocab = synthVocab(spec);
    gguf::Writer w;
    w.set("general.architecture", Value::string(archName(spec.arch)));
    w.set("general.name", Value::string(spec.name));
    w.set("general.file_type", u32(fileType(spec.weightType)));
    setHyperParams(w, spec);
    setTokenizer(w, vocab);
    bool anyQuantized = false;
    for (const TensorPlan& t : planTensors(spec)) {
        const DType type = tensorType(spec, t);
        anyQuantized = anyQuantized || dtypeTraits(type).quantized;
        w.addTensor(t.name, type, t.ne, [spec, t, type](uint8_t* dst) {
            encodeRows(type, tensorValues(spec, t), t.ne[0], dst);
        });
    }
    if (anyQuantized) w.set("general.quantization_version", u32(2));
    return w;
}

void writeSynthModel(const SynthSpec& spec, const std::string& path) {
    buildSynthModel(spec).write(path);
}

std::vector<uint8_t> synthModelBytes(const SynthSpec& spec) {
    return buildSynthModel(spec).toBytes();
}

} // namespace dw::synth
