// Binding the tensors of the reference model, checking every shape
// (../shared/reference/ENGINE_FACTS.md sections 4.0-4.7; hyper-parameters: ref_hparams.cpp).
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "ref_read.h"

#include <set>
#include <string>

namespace dw::ref {
namespace {

using detail::formatError;
using detail::num;
using detail::requirePositive;

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

    // A 3-D tensor {k, n, m} viewed as one [k, n * m] matrix (m blocks of n rows).
    Matrix matrix3(const std::string& name, int64_t k, int64_t n, int64_t m) {
        const gguf::TensorInfo* t = find(name, {k, n, m}, true);
        return Matrix{t->type, k, n * m, t->data, m_opt.dequantizer};
    }

    // Stacked experts {k, n, nExpert} as one [k, n] matrix per expert (ENGINE_FACTS 4.0).
    std::vector<Matrix> experts(const std::string& name, int64_t k, int64_t n, int64_t count) {
        const Matrix all = matrix3(name, k, n, count);
        std::vector<Matrix> out;
        for (int64_t e = 0; e < count; ++e) {
            Matrix m = all;
            m.n = n;
            m.data = all.data + static_cast<size_t>(e * n) * rowBytes(all.type, k);
            out.push_back(m);
        }
        return out;
    }

    bool has(const std::string& name) const { return m_file.findTensor(name) != nullptr; }

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

} // namespace

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
    m_hp = detail::readHParams(f);
    HParams& hp = m_hp;
    hp.absorbedMla = options.absorbedMla;
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
    // output.weight is required for qwen2moe and olmoe, optional (tied) elsewhere (4.0).
    const bool outputRequired = hp.arch == Arch::Qwen2Moe || hp.arch == Arch::Olmoe;
    m_output = b.matrix("output.weight", hp.nEmbd, hp.nVocab, outputRequired);
    hp.tiedOutput = !m_output.valid();
    if (hp.tiedOutput) m_output = m_tokenEmbd;
    if (hp.arch == Arch::Llama) hp.ropeFreqs = b.vector("rope_freqs.weight", hp.nRot / 2, false);
    // deepseek2: attn_q_a (V2/V3) or attn_q (Lite), decided by the tensor as an engine should.
    if (hp.mla && hp.qLoraRank == 0 && b.has("blk.0.attn_q_a.weight")) {
        hp.qLoraRank = f.findTensor("blk.0.attn_q_a.weight")->ne[1];
    }

    const int64_t nq = hp.nHead * hp.headDimK;
    const int64_t nk = hp.nHeadKv * hp.headDimK;
    const int64_t nv = hp.nHeadKv * hp.headDimV;
    const bool biases =
        hp.arch == Arch::Llama || hp.arch == Arch::Qwen2 || hp.arch == Arch::Qwen2Moe;
    m_layers.resize(static_cast<size_t>(hp.nLayer));
    for (int64_t il = 0; il < hp.nLayer; ++il) {
        LayerWeights& L = m_layers[static_cast<size_t>(il)];
        const std::string p = "blk." + num(il) + ".";
        L.attnNorm = b.vector(p + "attn_norm.weight", hp.nEmbd);
        if (hp.mla) {
            if (hp.qLoraRank > 0) {
                L.wqA = b.matrix(p + "attn_q_a.weight", hp.nEmbd, hp.qLoraRank);
                L.qANorm = b.vector(p + "attn_q_a_norm.weight", hp.qLoraRank);
                L.wqB = b.matrix(p + "attn_q_b.weight", hp.qLoraRank, nq);
            } else {
                L.wq = b.matrix(p + "attn_q.weight", hp.nEmbd, nq);
            }
            L.wkvA = b.matrix(p + "attn_kv_a_mqa.weight", hp.nEmbd, hp.kvLoraRank + hp.nRot);
            L.kvANorm = b.vector(p + "attn_kv_a_norm.weight", hp.kvLoraRank);
            if (hp.mlaSplit) {
                L.kvB = mlaKvBFromSplit(
                    b.matrix3(p + "attn_k_b.weight", hp.nopeDim, hp.kvLoraRank, hp.nHead),
                    b.matrix3(p + "attn_v_b.weight", hp.kvLoraRank, hp.headDimV, hp.nHead),
                    hp.nHead);
            } else {
                L.kvB = mlaKvBFromJoint(b.matrix(p + "attn_kv_b.weight", hp.kvLoraRank,
                                                 hp.nHead * (hp.nopeDim + hp.headDimV)),
                                        hp.nHead, hp.nopeDim, hp.headDimV);
            }
            L.wo = b.matrix(p + "attn_output.weight", hp.nHead * hp.headDimV, hp.nEmbd);
        } else {
            L.wq = b.matrix(p + "attn_q.weight", hp.nEmbd, nq);
            L.wk = b.matrix(p + "attn_k.weight", hp.nEmbd, nk);
            L.wv = b.matrix(p + "attn_v.weight", hp.nEmbd, nv);
            L.wo = b.matrix(p + "attn_output.weight", hp.nHead * hp.headDimV, hp.nEmbd);
        }
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
        if (hp.qkNormWhole) {
            L.qNormWhole = b.vector(p + "attn_q_norm.weight", nq);
            L.kNormWhole = b.vector(p + "attn_k_norm.weight", nk);
        }
        if (hp.postNorms) {
            L.postAttnNorm = b.vector(p + "post_attention_norm.weight", hp.nEmbd);
            L.postFfwNorm = b.vector(p + "post_ffw_norm.weight", hp.nEmbd);
        }
        L.ffnNorm = b.vector(p + "ffn_norm.weight", hp.nEmbd);
        if (!hp.isMoeLayer(il)) {
            L.wGate = b.matrix(p + "ffn_gate.weight", hp.nEmbd, hp.nFf);
            L.wUp = b.matrix(p + "ffn_up.weight", hp.nEmbd, hp.nFf);
            L.wDown = b.matrix(p + "ffn_down.weight", hp.nFf, hp.nEmbd);
            continue;
        }
        MoeWeights& m = L.moe;
        m.router = b.matrix(p + "ffn_gate_inp.weight", hp.nEmbd, hp.nExpert);
        if (hp.arch == Arch::DeepSeek2)
            m.probsBias = b.vector(p + "exp_probs_b.bias", hp.nExpert, false);
        m.gate = b.experts(p + "ffn_gate_exps.weight", hp.nEmbd, hp.nFfExp, hp.nExpert);
        m.up = b.experts(p + "ffn_up_exps.weight", hp.nEmbd, hp.nFfExp, hp.nExpert);
        m.down = b.experts(p + "ffn_down_exps.weight", hp.nFfExp, hp.nEmbd, hp.nExpert);
        if (hp.nFfShexp > 0) {
            m.sharedGate = b.matrix(p + "ffn_gate_shexp.weight", hp.nEmbd, hp.nFfShexp);
            m.sharedUp = b.matrix(p + "ffn_up_shexp.weight", hp.nEmbd, hp.nFfShexp);
            m.sharedDown = b.matrix(p + "ffn_down_shexp.weight", hp.nFfShexp, hp.nEmbd);
        }
        if (hp.sharedExpertGate)
            m.sharedGateInp = b.vector(p + "ffn_gate_inp_shexp.weight", hp.nEmbd);
    }
    b.checkAllUsed();
}

} // namespace dw::ref
