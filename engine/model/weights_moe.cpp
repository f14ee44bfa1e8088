// Binding of the tensors of MoE feed-forward layers and of DeepSeek's latent attention
// (names and shapes: ENGINE_FACTS 4.1, 4.3, 4.4, 4.6, 4.7).
#include "model/weights_binder.h"

namespace dw::model {

void bindMoe(const Binder& b, const HParams& hp, const std::string& p, LayerWeights& l) {
    const MoeParams& m = hp.moe;
    const int64_t E = hp.nEmbd;
    l.gateInp = b.matrix(p + "ffn_gate_inp.weight", E, m.nExpert);
    l.expProbsBias = b.optVec(p + "exp_probs_b.bias", m.nExpert);
    l.gateExps = b.stack(p + "ffn_gate_exps.weight", E, m.nFfExpert, m.nExpert);
    l.upExps = b.stack(p + "ffn_up_exps.weight", E, m.nFfExpert, m.nExpert);
    l.downExps = b.stack(p + "ffn_down_exps.weight", m.nFfExpert, E, m.nExpert);
    if (m.nFfShared > 0) {
        l.gateShexp = b.matrix(p + "ffn_gate_shexp.weight", E, m.nFfShared);
        l.upShexp = b.matrix(p + "ffn_up_shexp.weight", E, m.nFfShared);
        l.downShexp = b.matrix(p + "ffn_down_shexp.weight", m.nFfShared, E);
        if (m.sharedGated) l.gateInpShexp = b.vec(p + "ffn_gate_inp_shexp.weight", E);
    }
}

void bindMlaAttention(const Binder& b, const HParams& hp, const std::string& p, LayerWeights& l,
                      std::vector<std::vector<float>>& owned) {
    const MlaParams& a = hp.mla;
    const int64_t E = hp.nEmbd;
    const int nHead = hp.nHead[0];
    const int64_t qRow = int64_t(a.nopeDim) + a.ropeDim;
    // Queries: straight (V2-Lite) or through a low-rank pair; keyed on which tensor exists.
    if (b.find(p + "attn_q.weight")) {
        l.wq = b.matrix(p + "attn_q.weight", E, nHead * qRow);
    } else {
        if (a.qLoraRank < 1)
            b.require(p + "attn_q.weight"); // neither form: name the simple one in the error
        l.wqA = b.matrix(p + "attn_q_a.weight", E, a.qLoraRank);
        l.qANorm = b.vec(p + "attn_q_a_norm.weight", a.qLoraRank);
        l.wqB = b.matrix(p + "attn_q_b.weight", a.qLoraRank, nHead * qRow);
    }
    l.wkvA = b.matrix(p + "attn_kv_a_mqa.weight", E, a.kvLoraRank + a.ropeDim);
    l.kvANorm = b.vec(p + "attn_kv_a_norm.weight", a.kvLoraRank);
    l.wo = b.matrix(p + "attn_output.weight", int64_t(nHead) * a.vDim, E);
    if (!a.jointKvB) {
        l.kB = b.stack(p + "attn_k_b.weight", a.nopeDim, a.kvLoraRank, nHead);
        l.vB = b.stack(p + "attn_v_b.weight", a.kvLoraRank, a.vDim, nHead);
        return;
    }
    // Legacy attn_kv_b [kvLora, nHead*(nope+vDim)]: per head, nope rows that decompress the
    // key, then vDim rows that decompress the value. The value rows already have the
    // [kvLora, vDim] layout of v_b (a view); the key rows are transposed into k_b[h]
    // [nope, kvLora] once here, so both layouts run the same absorbed attention.
    const int64_t perHead = int64_t(a.nopeDim) + a.vDim;
    const cpu::MatView kvb = b.matrix(p + "attn_kv_b.weight", a.kvLoraRank, int64_t(nHead) * perHead);
    l.vB.first = kvb;
    l.vB.first.n = a.vDim;
    l.vB.first.data = kvb.data + size_t(a.nopeDim) * kvb.rowStride;
    l.vB.expertStride = size_t(perHead) * kvb.rowStride;
    l.vB.count = nHead;

    std::vector<float> kb(size_t(nHead) * size_t(a.kvLoraRank) * size_t(a.nopeDim));
    std::vector<float> row(size_t(a.kvLoraRank));
    for (int h = 0; h < nHead; ++h)
        for (int j = 0; j < a.nopeDim; ++j) {
            cpu::getRow(kvb, int64_t(h) * perHead + j, row.data());
            for (int r = 0; r < a.kvLoraRank; ++r)
                kb[(size_t(h) * size_t(a.kvLoraRank) + size_t(r)) * size_t(a.nopeDim) + size_t(j)] = row[size_t(r)];
        }
    owned.push_back(std::move(kb));
    l.kB.first.type = DType::F32;
    l.kB.first.k = a.nopeDim;
    l.kB.first.n = a.kvLoraRank;
    l.kB.first.data = reinterpret_cast<const uint8_t*>(owned.back().data());
    l.kB.first.rowStride = size_t(a.nopeDim) * sizeof(float);
    l.kB.expertStride = l.kB.first.rowStride * size_t(a.kvLoraRank);
    l.kB.count = nHead;
}

} // namespace dw::model
