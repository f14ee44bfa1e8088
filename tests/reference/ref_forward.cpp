// The reference forward pass (../shared/reference/ENGINE_FACTS.md 4.0-4.7): one obvious loop
// per step, every position of the sequence at once, full causal attention recomputed.
#include "ref_model.h"

#include "deepwell/error.h"

#include <cmath>
#include <limits>
#include <string>

namespace dw::ref {
namespace {

void addBias(std::vector<Vec>& ys, const Vec& bias) {
    if (bias.empty()) return;
    for (Vec& y : ys) {
        for (size_t i = 0; i < y.size(); ++i) y[i] += bias[i];
    }
}

// Per-head RMSNorm (optional), RoPE at position t, then a scale, on every head of xs[t].
// xs: [T][nHeads * headDim], heads contiguous.
void prepareHeads(std::vector<Vec>& xs, int64_t nHeads, int64_t headDim, const Vec& norm,
                  double eps, const RopeParams& rope, double scale) {
    for (size_t t = 0; t < xs.size(); ++t) {
        for (int64_t h = 0; h < nHeads; ++h) {
            double* head = xs[t].data() + h * headDim;
            if (!norm.empty()) {
                const Vec normed = rmsNorm(Vec(head, head + headDim), norm, eps);
                for (int64_t i = 0; i < headDim; ++i) head[i] = normed[i];
            }
            applyRope(head, static_cast<double>(t), rope);
            for (int64_t i = 0; i < headDim; ++i) head[i] *= scale;
        }
    }
}

} // namespace

Vec Model::embedding(int32_t token) const {
    Vec e = m_tokenEmbd.row(token);
    for (double& v : e) v *= m_hp.embedScale;
    return e;
}

// deepseek2 (ENGINE_FACTS 4.6 steps 2-8): query (optionally through the q_a bottleneck),
// the joint [latent | rope key] projection, RMSNorm of the latent only, NORM RoPE with YaRN
// on q_pe and the shared k_pe, then MLA in the naive (or, on request, absorbed) form.
std::vector<Vec> Model::mlaAttention(int64_t il, const std::vector<Vec>& a) const {
    const LayerWeights& L = m_layers[static_cast<size_t>(il)];
    const HParams& hp = m_hp;
    std::vector<Vec> q; // [T][nHead * (nope + rope)]
    if (L.wq.valid()) {
        q = matmul(L.wq, a);
    } else {
        std::vector<Vec> qa = matmul(L.wqA, a); // [T][qLoraRank]
        for (Vec& x : qa) x = rmsNorm(x, L.qANorm, hp.rmsEps);
        q = matmul(L.wqB, qa);
    }
    const std::vector<Vec> kv = matmul(L.wkvA, a); // [T][kvLoraRank + nRot]
    const RopeParams rope = hp.ropeParams(il);
    MlaTokens x;
    x.nHead = hp.nHead;
    x.nope = hp.nopeDim;
    x.rope = hp.nRot;
    for (size_t t = 0; t < a.size(); ++t) {
        const auto split = kv[t].begin() + hp.kvLoraRank;
        x.latent.push_back(rmsNorm(Vec(kv[t].begin(), split), L.kvANorm, hp.rmsEps));
        Vec kPe(split, kv[t].end());
        applyRope(kPe.data(), static_cast<double>(t), rope);
        x.kPe.push_back(std::move(kPe));
        for (int64_t h = 0; h < hp.nHead; ++h) {
            applyRope(q[t].data() + h * hp.headDimK + hp.nopeDim, static_cast<double>(t), rope);
        }
    }
    x.q = std::move(q);
    const std::vector<Vec> out = hp.absorbedMla ? mlaAttentionAbsorbed(x, L.kvB, hp.queryScale)
                                                : mlaAttentionNaive(x, L.kvB, hp.queryScale);
    return matmul(L.wo, out); // [T][nEmbd]
}

std::vector<Vec> Model::attention(int64_t il, const std::vector<Vec>& a) const {
    if (m_hp.mla) return mlaAttention(il, a);
    const LayerWeights& L = m_layers[static_cast<size_t>(il)];
    const HParams& hp = m_hp;
    std::vector<Vec> q = matmul(L.wq, a); // [T][nHead * hdK]
    std::vector<Vec> k = matmul(L.wk, a); // [T][nHeadKv * hdK]
    std::vector<Vec> v = matmul(L.wv, a); // [T][nHeadKv * hdV]
    addBias(q, L.bq);
    addBias(k, L.bk);
    addBias(v, L.bv);
    if (hp.qkNormWhole) { // olmoe: one RMSNorm over all heads, before the split
        for (Vec& x : q) x = rmsNorm(x, L.qNormWhole, hp.rmsEps);
        for (Vec& x : k) x = rmsNorm(x, L.kNormWhole, hp.rmsEps);
    }
    const RopeParams rope = hp.ropeParams(il);
    prepareHeads(q, hp.nHead, hp.headDimK, L.qNorm, hp.rmsEps, rope, hp.queryScale);
    prepareHeads(k, hp.nHeadKv, hp.headDimK, L.kNorm, hp.rmsEps, rope, 1.0);

    const bool swa = hp.isSwaLayer(il);
    const int64_t T = static_cast<int64_t>(a.size());
    const int64_t group = hp.nHead / hp.nHeadKv; // query head h reads KV head h / group
    std::vector<Vec> out(a.size(), Vec(static_cast<size_t>(hp.nHead * hp.headDimV), 0.0));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t h = 0; h < hp.nHead; ++h) {
            const int64_t kvh = h / group;
            const double* qh = q[t].data() + h * hp.headDimK;
            Vec scores(static_cast<size_t>(t + 1));
            for (int64_t s = 0; s <= t; ++s) { // causal: keys at positions 0..t
                if (swa && t - s >= hp.slidingWindow) {
                    scores[s] = -std::numeric_limits<double>::infinity();
                    continue;
                }
                const double* kh = k[s].data() + kvh * hp.headDimK;
                double dot = 0;
                for (int64_t i = 0; i < hp.headDimK; ++i) dot += qh[i] * kh[i];
                scores[s] = dot;
            }
            const Vec p = softmax(scores);
            double* oh = out[t].data() + h * hp.headDimV;
            for (int64_t s = 0; s <= t; ++s) {
                const double* vh = v[s].data() + kvh * hp.headDimV;
                for (int64_t i = 0; i < hp.headDimV; ++i) oh[i] += p[s] * vh[i];
            }
        }
    }
    std::vector<Vec> o = matmul(L.wo, out); // [T][nEmbd]
    addBias(o, L.bo);
    return o;
}

std::vector<Vec> Model::feedForward(int64_t il, const std::vector<Vec>& f,
                                    std::vector<Routing>* routing) const {
    const LayerWeights& L = m_layers[static_cast<size_t>(il)];
    if (m_hp.isMoeLayer(il)) return moeForward(L.moe, m_hp.router, f, routing);
    std::vector<Vec> gate = matmul(L.wGate, f); // [T][nFf]
    const std::vector<Vec> up = matmul(L.wUp, f);
    for (size_t t = 0; t < f.size(); ++t) {
        for (size_t i = 0; i < gate[t].size(); ++i) {
            const double g = m_hp.geluFfn ? geluTanh(gate[t][i]) : silu(gate[t][i]);
            gate[t][i] = g * up[t][i];
        }
    }
    return matmul(L.wDown, gate); // [T][nEmbd]
}

std::vector<Vec> Model::logits(const std::vector<int32_t>& tokens, Trace* trace) const {
    const HParams& hp = m_hp;
    for (size_t t = 0; t < tokens.size(); ++t) {
        if (tokens[t] < 0 || tokens[t] >= hp.nVocab) {
            throw Error(ErrorCode::InvalidArgument,
                        "reference: token " + std::to_string(tokens[t]) + " at position " +
                            std::to_string(t) + " is outside the vocabulary (0.." +
                            std::to_string(hp.nVocab - 1) + ")");
        }
    }
    std::vector<Vec> h; // [T][nEmbd] residual stream
    for (int32_t tok : tokens) h.push_back(embedding(tok));
    if (trace) {
        *trace = Trace{};
        trace->embeddings = h;
    }
    for (int64_t il = 0; il < hp.nLayer; ++il) {
        const LayerWeights& L = m_layers[static_cast<size_t>(il)];
        std::vector<Vec> a;
        for (const Vec& x : h) a.push_back(rmsNorm(x, L.attnNorm, hp.rmsEps));
        std::vector<Vec> o = attention(il, a);
        for (size_t t = 0; t < h.size(); ++t) {
            if (hp.postNorms) o[t] = rmsNorm(o[t], L.postAttnNorm, hp.rmsEps);
            for (int64_t i = 0; i < hp.nEmbd; ++i) h[t][i] += o[t][i];
        }
        std::vector<Vec> f;
        for (const Vec& x : h) f.push_back(rmsNorm(x, L.ffnNorm, hp.rmsEps));
        std::vector<Routing> routes; // stays empty for dense layers
        std::vector<Vec> g = feedForward(il, f, &routes);
        if (trace) trace->routing.push_back(std::move(routes));
        for (size_t t = 0; t < h.size(); ++t) {
            if (hp.postNorms) g[t] = rmsNorm(g[t], L.postFfwNorm, hp.rmsEps);
            for (int64_t i = 0; i < hp.nEmbd; ++i) h[t][i] += g[t][i];
        }
        if (trace) trace->layerOut.push_back(h);
    }
    std::vector<Vec> normed;
    for (const Vec& x : h) normed.push_back(rmsNorm(x, m_outputNorm, hp.rmsEps));
    if (trace) trace->finalNorm = normed;
    std::vector<Vec> logits = matmul(m_output, normed); // [T][nVocab]
    if (hp.finalSoftcap > 0) {
        for (Vec& row : logits) {
            for (double& z : row) z = hp.finalSoftcap * std::tanh(z / hp.finalSoftcap);
        }
    }
    return logits;
}

} // namespace dw::ref
