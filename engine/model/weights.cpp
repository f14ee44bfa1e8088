#include "model/weights.h"

#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "model/arch.h"
#include "quant/quant.h"

#include <sstream>

namespace dw::model {
namespace {

std::string shapeStr(const std::vector<int64_t>& ne) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < ne.size(); ++i) s << (i ? ", " : "") << ne[i];
    s << "]";
    return s.str();
}

class Binder {
public:
    explicit Binder(const gguf::File& f) : m_file(f) {}

    const gguf::TensorInfo* find(const std::string& name) const { return m_file.findTensor(name); }

    const gguf::TensorInfo& require(const std::string& name) const {
        const auto* t = find(name);
        if (!t)
            throw Error(ErrorCode::Format, m_file.path() + ": tensor '" + name +
                                               "' is missing; the file is incomplete or was made "
                                               "for another architecture");
        return *t;
    }

    void checkShape(const gguf::TensorInfo& t, const std::vector<int64_t>& want) const {
        std::vector<int64_t> have(t.ne.begin(), t.ne.begin() + std::max<uint32_t>(1, t.nDims));
        while (have.size() > want.size() && have.back() == 1) have.pop_back();
        std::vector<int64_t> w = want;
        while (have.size() < w.size() && w.back() == 1) w.pop_back();
        if (have != w)
            throw Error(ErrorCode::Format, m_file.path() + ": tensor '" + t.name + "' has shape " +
                                               shapeStr(have) + ", expected " + shapeStr(want));
    }

    cpu::MatView matrix(const std::string& name, int64_t k, int64_t n) const {
        return toMat(require(name), k, n);
    }
    std::optional<cpu::MatView> optMatrix(const std::string& name, int64_t k, int64_t n) const {
        const auto* t = find(name);
        if (!t) return std::nullopt;
        return toMat(*t, k, n);
    }

    Vec vec(const std::string& name, int64_t n) const { return toVec(require(name), n); }
    Vec optVec(const std::string& name, int64_t n) const {
        const auto* t = find(name);
        return t ? toVec(*t, n) : Vec{};
    }

private:
    cpu::MatView toMat(const gguf::TensorInfo& t, int64_t k, int64_t n) const {
        checkShape(t, {k, n});
        if (!dtypeTraits(t.type).computable || !quant::vecDotFn(t.type))
            throw Error(ErrorCode::Unsupported,
                        m_file.path() + ": tensor '" + t.name + "' has type " +
                            std::string(dtypeName(t.type)) +
                            ", which Deepwell cannot compute with yet (supported: F32, F16, BF16, "
                            "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K); "
                            "re-quantize the model to one of these");
        cpu::MatView m;
        m.type = t.type;
        m.k = k;
        m.n = n;
        m.data = t.data;
        m.rowStride = rowBytes(t.type, k);
        return m;
    }

    Vec toVec(const gguf::TensorInfo& t, int64_t n) const {
        checkShape(t, {n});
        if (!dtypeTraits(t.type).computable || dtypeTraits(t.type).quantized)
            throw Error(ErrorCode::Unsupported, m_file.path() + ": vector tensor '" + t.name +
                                                    "' has type " + std::string(dtypeName(t.type)) +
                                                    "; expected F32, F16 or BF16");
        Vec v(static_cast<size_t>(n));
        quant::dequantizeRow(t.type, t.data, v.data(), n);
        return v;
    }

    const gguf::File& m_file;
};

} // namespace

Weights bindWeights(const gguf::File& file, const HParams& hp) {
    const ArchInfo& arch = archInfo(hp.arch);
    Binder b(file);
    Weights w;
    const int64_t E = hp.nEmbd;
    w.tokenEmbd = b.matrix("token_embd.weight", E, hp.nVocab);
    w.outputNorm = b.vec("output_norm.weight", E);
    if (auto out = b.optMatrix("output.weight", E, hp.nVocab)) {
        w.output = *out;
    } else if (arch.outputRequired) {
        b.require("output.weight");
    } else {
        w.output = w.tokenEmbd;
    }
    w.ropeFreqs = b.optVec("rope_freqs.weight", hp.nRot / 2);

    for (int il = 0; il < hp.nLayer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        const int64_t nq = int64_t(hp.nHead[size_t(il)]) * hp.headDimK;
        const int64_t nk = int64_t(hp.nHeadKv[size_t(il)]) * hp.headDimK;
        const int64_t nv = int64_t(hp.nHeadKv[size_t(il)]) * hp.headDimV;
        const int64_t no = int64_t(hp.nHead[size_t(il)]) * hp.headDimV;
        const int64_t ff = hp.nFf[size_t(il)];
        LayerWeights l;
        l.attnNorm = b.vec(p + "attn_norm.weight", E);
        l.wq = b.matrix(p + "attn_q.weight", E, nq);
        l.wk = b.matrix(p + "attn_k.weight", E, nk);
        l.wv = b.matrix(p + "attn_v.weight", E, nv);
        l.bq = b.optVec(p + "attn_q.bias", nq);
        l.bk = b.optVec(p + "attn_k.bias", nk);
        l.bv = b.optVec(p + "attn_v.bias", nv);
        if (arch.qkNormPerHead) {
            l.qNorm = b.vec(p + "attn_q_norm.weight", hp.headDimK);
            l.kNorm = b.vec(p + "attn_k_norm.weight", hp.headDimK);
        }
        l.wo = b.matrix(p + "attn_output.weight", no, E);
        l.bo = b.optVec(p + "attn_output.bias", E);
        if (arch.postNorms) {
            l.postAttnNorm = b.vec(p + "post_attention_norm.weight", E);
            l.postFfnNorm = b.vec(p + "post_ffw_norm.weight", E);
        }
        l.ffnNorm = b.vec(p + "ffn_norm.weight", E);
        l.gate = b.matrix(p + "ffn_gate.weight", E, ff);
        l.up = b.matrix(p + "ffn_up.weight", E, ff);
        l.down = b.matrix(p + "ffn_down.weight", ff, E);
        w.layers.push_back(std::move(l));
    }
    return w;
}

} // namespace dw::model
