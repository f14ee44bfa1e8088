#include "model/weights.h"

#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "model/arch.h"
#include "model/weights_binder.h"

namespace dw::model {

void bindAttention(const Binder& b, const HParams& hp, const ArchInfo& arch, int il,
                   const std::string& p, LayerWeights& l) {
    const int64_t E = hp.nEmbd;
    const int64_t nq = int64_t(hp.nHead[size_t(il)]) * hp.headDimK;
    const int64_t nk = int64_t(hp.nHeadKv[size_t(il)]) * hp.headDimK;
    const int64_t nv = int64_t(hp.nHeadKv[size_t(il)]) * hp.headDimV;
    const int64_t no = int64_t(hp.nHead[size_t(il)]) * hp.headDimV;
    l.wq = b.matrix(p + "attn_q.weight", E, nq);
    l.wk = b.matrix(p + "attn_k.weight", E, nk);
    l.wv = b.matrix(p + "attn_v.weight", E, nv);
    l.bq = b.optVec(p + "attn_q.bias", nq);
    l.bk = b.optVec(p + "attn_k.bias", nk);
    l.bv = b.optVec(p + "attn_v.bias", nv);
    if (arch.qkNormPerHead) {
        l.qNorm = b.vec(p + "attn_q_norm.weight", hp.headDimK);
        l.kNorm = b.vec(p + "attn_k_norm.weight", hp.headDimK);
    } else if (arch.qkNormWhole) {
        l.qNorm = b.vec(p + "attn_q_norm.weight", nq);
        l.kNorm = b.vec(p + "attn_k_norm.weight", nk);
    }
    l.wo = b.matrix(p + "attn_output.weight", no, E);
    l.bo = b.optVec(p + "attn_output.bias", E);
}

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
        LayerWeights l;
        l.attnNorm = b.vec(p + "attn_norm.weight", E);
        if (hp.mla.enabled)
            bindMlaAttention(b, hp, p, l, w.owned);
        else
            bindAttention(b, hp, arch, il, p, l);
        if (arch.postNorms) {
            l.postAttnNorm = b.vec(p + "post_attention_norm.weight", E);
            l.postFfnNorm = b.vec(p + "post_ffw_norm.weight", E);
        }
        l.ffnNorm = b.vec(p + "ffn_norm.weight", E);
        if (hp.isMoeLayer(il)) {
            bindMoe(b, hp, p, l);
        } else {
            const int64_t ff = hp.nFf[size_t(il)];
            l.gate = b.matrix(p + "ffn_gate.weight", E, ff);
            l.up = b.matrix(p + "ffn_up.weight", E, ff);
            l.down = b.matrix(p + "ffn_down.weight", ff, E);
        }
        w.layers.push_back(std::move(l));
    }
    return w;
}

} // namespace dw::model
