// Reading hyper-parameters and binding tensors of the reference model
// (../shared/reference/ENGINE_FACTS.md sections 3.2, 4.1, 4.2, 4.4, 4.5).
#include "ref_model.h"

#include "deepwell/error.h"
#include "deepwell/gguf.h"

#include <cmath>
#include <set>
#include <string>

namespace dw::ref {
namespace {

std::string num(int64_t v) {
    return std::to_string(v);
}

[[noreturn]] void formatError(const std::string& msg) {
    throw Error(ErrorCode::Format, "reference: " + msg);
}

// An integer key that may be a scalar or a per-layer array (then all entries must agree).
std::optional<int64_t> uniformInt(const gguf::File& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (!v) return std::nullopt;
    if (!v->isArray()) return f.getInt(key);
    const auto arr = v->toIntArray();
    if (!arr || arr->empty()) formatError("key '" + key + "' is not an integer or integer array");
    for (int64_t x : *arr) {
        if (x != arr->front()) {
            throw Error(ErrorCode::Unsupported, "reference: per-layer values of '" + key +
                                                    "' differ; only uniform layers are supported");
        }
    }
    return arr->front();
}

int64_t requiredInt(const gguf::File& f, const std::string& key) {
    const auto v = uniformInt(f, key);
    if (!v) formatError("required key '" + key + "' is missing");
    return *v;
}

void requirePositive(const std::string& what, int64_t v, int64_t limit = int64_t(1) << 24) {
    if (v <= 0 || v > limit) {
        formatError(what + " = " + num(v) + " is outside 1.." + num(limit));
    }
}

class Binder {
public:
    Binder(const gguf::File& f, const Options& o) : m_file(f), m_opt(o) {}

    const gguf::TensorInfo* find(const std::string& name, std::vector<int64_t> shape,
                                 bool required) {
        const gguf::TensorInfo* t = m_file.findTensor(name);
        if (!t) {
            if (required) formatError("required tensor '" + name + "' is missing");
            return nullptr;
        }
        shape.resize(4, 1);
        for (size_t d = 0; d < 4; ++d) {
            if (t->ne[d] != shape[d]) {
                formatError("tensor '" + name + "' has ne[" + num(static_cast<int64_t>(d)) +
                            "] = " + num(t->ne[d]) + ", expected " + num(shape[d]));
            }
        }
        const bool builtin =
            t->type == DType::F32 || t->type == DType::F16 || t->type == DType::Q8_0;
        if (!builtin && !m_opt.dequantizer) {
            throw Error(ErrorCode::Unsupported,
                        "reference: tensor '" + name + "' has type " +
                            std::string(dtypeName(t->type)) +
                            "; the built-in dequantizer covers F32, F16 and Q8_0 only (set "
                            "ref::Options::dequantizer for other types)");
        }
        m_used.insert(name);
        return t;
    }

    Matrix matrix(const std::string& name, int64_t k, int64_t n, bool required = true) {
        const gguf::TensorInfo* t = find(name, {k, n}, required);
        if (!t) return {};
        return Matrix{t->type, k, n, t->data, m_opt.dequantizer};
    }

    Vec vector(const std::string& name, int64_t n, bool required = true) {
        const gguf::TensorInfo* t = find(name, {n}, required);
        if (!t) return {};
        return Matrix{t->type, n, 1, t->data, m_opt.dequantizer}.row(0);
    }

    // Every tensor of the file must have been bound: an unused tensor means a layout this
    // reference does not understand, which must not pass silently.
    void checkAllUsed() const {
        for (const auto& t : m_file.tensors()) {
            if (!m_used.count(t.name)) formatError("unexpected tensor '" + t.name + "'");
        }
    }

private:
    const gguf::File& m_file;
    const Options& m_opt;
    std::set<std::string> m_used;
};

HParams readHParams(const gguf::File& f) {
    HParams hp;
    const auto archStr = f.getString("general.architecture");
    if (!archStr) formatError("required key 'general.architecture' is missing");
    if (*archStr == "llama")
        hp.arch = Arch::Llama;
    else if (*archStr == "qwen2")
        hp.arch = Arch::Qwen2;
    else if (*archStr == "qwen3")
        hp.arch = Arch::Qwen3;
    else if (*archStr == "gemma3")
        hp.arch = Arch::Gemma3;
    else {
        throw Error(ErrorCode::Unsupported, "reference: architecture '" + *archStr +
                                                "' is not supported (llama, qwen2, qwen3, gemma3)");
    }
    const std::string a = *archStr + ".";
    hp.nCtxTrain = requiredInt(f, a + "context_length");
    hp.nEmbd = requiredInt(f, a + "embedding_length");
    hp.nLayer = requiredInt(f, a + "block_count");
    hp.nFf = requiredInt(f, a + "feed_forward_length");
    hp.nHead = requiredInt(f, a + "attention.head_count");
    hp.nHeadKv = uniformInt(f, a + "attention.head_count_kv").value_or(hp.nHead);
    requirePositive(a + "context_length", hp.nCtxTrain, int64_t(1) << 40);
    requirePositive(a + "embedding_length", hp.nEmbd);
    requirePositive(a + "block_count", hp.nLayer, 4096);
    requirePositive(a + "feed_forward_length", hp.nFf);
    requirePositive(a + "attention.head_count", hp.nHead, 4096);
    requirePositive(a + "attention.head_count_kv", hp.nHeadKv, hp.nHead);
    if (hp.nHead % hp.nHeadKv != 0) {
        formatError(a + "attention.head_count = " + num(hp.nHead) +
                    " is not a multiple of head_count_kv = " + num(hp.nHeadKv));
    }
    hp.headDimK = uniformInt(f, a + "attention.key_length").value_or(hp.nEmbd / hp.nHead);
    hp.headDimV = uniformInt(f, a + "attention.value_length").value_or(hp.nEmbd / hp.nHead);
    requirePositive(a + "attention.key_length", hp.headDimK, 65536);
    requirePositive(a + "attention.value_length", hp.headDimV, 65536);
    hp.nRot = f.getInt(a + "rope.dimension_count").value_or(hp.headDimK);
    if (hp.nRot <= 0 || hp.nRot > hp.headDimK || hp.nRot % 2 != 0) {
        formatError(a + "rope.dimension_count = " + num(hp.nRot) + " must be even and within 2.." +
                    num(hp.headDimK) + " (the head dim)");
    }
    const auto eps = f.getFloat(a + "attention.layer_norm_rms_epsilon");
    if (!eps) formatError("required key '" + a + "attention.layer_norm_rms_epsilon' is missing");
    if (!(*eps >= 0 && *eps < 1)) formatError(a + "attention.layer_norm_rms_epsilon out of [0, 1)");
    hp.rmsEps = *eps;

    hp.ropeBase = f.getFloat(a + "rope.freq_base").value_or(10000.0);
    const auto factor = f.getFloat(a + "rope.scaling.factor");
    const double s = factor ? *factor : f.getFloat(a + "rope.scale_linear").value_or(0.0);
    // As llama.cpp's loader: the factor applies whatever the type (type only switches YaRN on).
    hp.ropeFactor = s == 0.0 ? 1.0 : s;
    if (!(hp.ropeFactor > 0)) formatError(a + "rope.scaling.factor must be > 0");
    const std::string type = f.getString(a + "rope.scaling.type").value_or("linear");
    if (type == "none")
        hp.ropeScaling = RopeScaling::None;
    else if (type == "linear")
        hp.ropeScaling = RopeScaling::Linear;
    else if (type == "yarn")
        hp.ropeScaling = RopeScaling::Yarn;
    else {
        throw Error(ErrorCode::Unsupported,
                    "reference: " + a + "rope.scaling.type '" + type + "' is not supported");
    }
    if (hp.ropeScaling == RopeScaling::Yarn && f.find(a + "rope.scaling.yarn_log_multiplier")) {
        throw Error(ErrorCode::Unsupported,
                    "reference: " + a +
                        "rope.scaling.yarn_log_multiplier (DeepSeek-style "
                        "YaRN magnitude) is not supported for dense models");
    }
    hp.ropeCtxOrig = f.getInt(a + "rope.scaling.original_context_length").value_or(hp.nCtxTrain);
    hp.ropeAttnFactor = f.getFloat(a + "rope.scaling.attn_factor").value_or(1.0);
    hp.queryScale = 1.0 / std::sqrt(static_cast<double>(hp.headDimK));

    switch (hp.arch) {
    case Arch::Llama:
        hp.ropeStyle = RopeStyle::Norm;
        break;
    case Arch::Qwen2:
        hp.ropeStyle = RopeStyle::Neox;
        break;
    case Arch::Qwen3:
        hp.ropeStyle = RopeStyle::Neox;
        hp.qkNorm = true;
        break;
    case Arch::Gemma3: {
        hp.ropeStyle = RopeStyle::Neox;
        hp.qkNorm = true;
        hp.postNorms = true;
        hp.geluFfn = true;
        hp.embedScale = std::sqrt(static_cast<double>(hp.nEmbd));
        // query_pre_attn_scalar has no key: 1/sqrt(head dim), except Gemma 3 27B (62 blocks)
        // which uses 1/sqrt(n_embd / n_head).
        hp.queryScale = hp.nLayer == 62 ? 1.0 / std::sqrt(double(hp.nEmbd) / double(hp.nHead))
                                        : 1.0 / std::sqrt(static_cast<double>(hp.headDimK));
        hp.ropeBaseSwa = f.getFloat(a + "rope.freq_base_swa").value_or(10000.0);
        hp.slidingWindow = f.getInt(a + "attention.sliding_window").value_or(0);
        if (hp.slidingWindow < 0) formatError(a + "attention.sliding_window is negative");
        hp.swaPattern = 6;
        const gguf::Value* pat = f.find(a + "attention.sliding_window_pattern");
        if (pat && !pat->isArray())
            hp.swaPattern = f.getInt(a + "attention.sliding_window_pattern").value();
        requirePositive(a + "attention.sliding_window_pattern", hp.swaPattern, 4096);
        hp.finalSoftcap = f.getFloat(a + "final_logit_softcapping").value_or(0.0);
        break;
    }
    }
    return hp;
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

bool HParams::isSwaLayer(int64_t il) const {
    return arch == Arch::Gemma3 && slidingWindow > 0 && il % swaPattern != swaPattern - 1;
}

RopeParams HParams::ropeParams(int64_t il) const {
    RopeParams p;
    p.style = ropeStyle;
    p.nRot = nRot;
    p.freqFactors = ropeFreqs;
    p.attnFactor = ropeAttnFactor;
    if (isSwaLayer(il)) { // local layers: their own base, never scaled
        p.base = ropeBaseSwa;
        return p;
    }
    p.base = ropeBase;
    p.factor = ropeFactor;
    if (ropeScaling == RopeScaling::Yarn) {
        p.extFactor = 1.0;
        p.nCtxOrig = ropeCtxOrig;
    }
    return p;
}

Model::~Model() = default;

std::unique_ptr<Model> Model::open(const std::string& path, Options options) {
    auto file = gguf::File::open(path);
    std::unique_ptr<Model> m(new Model());
    m->load(*file, std::move(options));
    m->m_ownedFile = std::move(file);
    return m;
}

std::unique_ptr<Model> Model::fromFile(const gguf::File& file, Options options) {
    std::unique_ptr<Model> m(new Model());
    m->load(file, std::move(options));
    return m;
}

void Model::load(const gguf::File& f, Options options) {
    m_hp = readHParams(f);
    HParams& hp = m_hp;
    Binder b(f, options);

    const gguf::TensorInfo* embd = f.findTensor("token_embd.weight");
    if (!embd) formatError("required tensor 'token_embd.weight' is missing");
    hp.nVocab = embd->ne[1];
    requirePositive("token_embd.weight ne[1] (vocabulary size)", hp.nVocab, int64_t(1) << 24);
    const std::string a = std::string(archName(hp.arch)) + ".";
    auto vocabKey = f.getInt(a + "vocab_size");
    if (!vocabKey) {
        if (const gguf::Value* toks = f.find("tokenizer.ggml.tokens")) {
            vocabKey = static_cast<int64_t>(toks->size());
        }
    }
    if (vocabKey && *vocabKey != hp.nVocab) {
        formatError("token_embd.weight has " + num(hp.nVocab) + " rows but the vocabulary has " +
                    num(*vocabKey) + " tokens");
    }
    m_tokenEmbd = b.matrix("token_embd.weight", hp.nEmbd, hp.nVocab);
    m_outputNorm = b.vector("output_norm.weight", hp.nEmbd);
    m_output = b.matrix("output.weight", hp.nEmbd, hp.nVocab, false);
    hp.tiedOutput = !m_output.valid();
    if (hp.tiedOutput) m_output = m_tokenEmbd;
    if (hp.arch == Arch::Llama) hp.ropeFreqs = b.vector("rope_freqs.weight", hp.nRot / 2, false);

    const int64_t nq = hp.nHead * hp.headDimK;
    const int64_t nk = hp.nHeadKv * hp.headDimK;
    const int64_t nv = hp.nHeadKv * hp.headDimV;
    const bool biases = hp.arch == Arch::Llama || hp.arch == Arch::Qwen2;
    m_layers.resize(static_cast<size_t>(hp.nLayer));
    for (int64_t il = 0; il < hp.nLayer; ++il) {
        LayerWeights& L = m_layers[static_cast<size_t>(il)];
        const std::string p = "blk." + num(il) + ".";
        L.attnNorm = b.vector(p + "attn_norm.weight", hp.nEmbd);
        L.wq = b.matrix(p + "attn_q.weight", hp.nEmbd, nq);
        L.wk = b.matrix(p + "attn_k.weight", hp.nEmbd, nk);
        L.wv = b.matrix(p + "attn_v.weight", hp.nEmbd, nv);
        L.wo = b.matrix(p + "attn_output.weight", hp.nHead * hp.headDimV, hp.nEmbd);
        if (biases) {
            L.bq = b.vector(p + "attn_q.bias", nq, false);
            L.bk = b.vector(p + "attn_k.bias", nk, false);
            L.bv = b.vector(p + "attn_v.bias", nv, false);
            if (hp.arch == Arch::Llama) L.bo = b.vector(p + "attn_output.bias", hp.nEmbd, false);
        }
        if (hp.qkNorm) {
            L.qNorm = b.vector(p + "attn_q_norm.weight", hp.headDimK);
            L.kNorm = b.vector(p + "attn_k_norm.weight", hp.headDimK);
        }
        if (hp.postNorms) {
            L.postAttnNorm = b.vector(p + "post_attention_norm.weight", hp.nEmbd);
            L.postFfwNorm = b.vector(p + "post_ffw_norm.weight", hp.nEmbd);
        }
        L.ffnNorm = b.vector(p + "ffn_norm.weight", hp.nEmbd);
        L.wGate = b.matrix(p + "ffn_gate.weight", hp.nEmbd, hp.nFf);
        L.wUp = b.matrix(p + "ffn_up.weight", hp.nEmbd, hp.nFf);
        L.wDown = b.matrix(p + "ffn_down.weight", hp.nFf, hp.nEmbd);
    }
    b.checkAllUsed();
}

} // namespace dw::ref
