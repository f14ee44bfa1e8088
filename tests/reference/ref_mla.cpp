// MLA attention, naive and absorbed (ENGINE_FACTS 4.6 steps 6-8), and DeepSeek's YaRN
// scales (4.0, 4.6 step 8).
#include "ref_mla.h"

#include "deepwell/error.h"

#include <cmath>
#include <string>

namespace dw::ref {
namespace {

void checkTokens(const MlaTokens& x, const MlaKvB& kvb) {
    const size_t T = x.q.size();
    bool ok =
        x.latent.size() == T && x.kPe.size() == T && x.nHead == kvb.nHead && x.nope == kvb.nope;
    for (size_t t = 0; ok && t < T; ++t) {
        ok = static_cast<int64_t>(x.q[t].size()) == x.nHead * (x.nope + x.rope) &&
             static_cast<int64_t>(x.latent[t].size()) == kvb.rank &&
             static_cast<int64_t>(x.kPe[t].size()) == x.rope;
    }
    if (!ok) throw Error(ErrorCode::InvalidArgument, "reference MLA: inconsistent input sizes");
}

// Per-position attention weights of one query over positions 0..t, from raw scores.
Vec causalWeights(const Vec& scores) {
    return softmax(scores);
}

} // namespace

MlaKvB mlaKvBFromJoint(const Matrix& kvB, int64_t nHead, int64_t nope, int64_t vDim) {
    MlaKvB m{nHead, nope, vDim, kvB.k, {}, {}};
    m.k.resize(size_t(nHead * nope * m.rank));
    m.v.resize(size_t(nHead * vDim * m.rank));
    for (int64_t h = 0; h < nHead; ++h) {
        for (int64_t i = 0; i < nope + vDim; ++i) {
            const Vec row = kvB.row(h * (nope + vDim) + i);
            for (int64_t r = 0; r < m.rank; ++r) {
                if (i < nope)
                    m.k[size_t((h * nope + i) * m.rank + r)] = row[r];
                else
                    m.v[size_t((h * vDim + i - nope) * m.rank + r)] = row[r];
            }
        }
    }
    return m;
}

MlaKvB mlaKvBFromSplit(const Matrix& kB, const Matrix& vB, int64_t nHead) {
    const int64_t rank = vB.k;
    MlaKvB m{nHead, kB.k, vB.n / nHead, rank, {}, {}};
    m.k.resize(size_t(nHead * m.nope * rank));
    m.v.resize(size_t(nHead * m.vDim * rank));
    for (int64_t h = 0; h < nHead; ++h) {
        for (int64_t r = 0; r < rank; ++r) { // k_b rows are transposed: one row per latent dim
            const Vec row = kB.row(h * rank + r);
            for (int64_t i = 0; i < m.nope; ++i) m.k[size_t((h * m.nope + i) * rank + r)] = row[i];
        }
        for (int64_t j = 0; j < m.vDim; ++j) {
            const Vec row = vB.row(h * m.vDim + j);
            for (int64_t r = 0; r < rank; ++r) m.v[size_t((h * m.vDim + j) * rank + r)] = row[r];
        }
    }
    return m;
}

std::vector<Vec> mlaAttentionNaive(const MlaTokens& x, const MlaKvB& kvb, double kqScale) {
    checkTokens(x, kvb);
    const int64_t T = static_cast<int64_t>(x.q.size());
    const int64_t H = kvb.nHead, nope = kvb.nope, rope = x.rope, dv = kvb.vDim, R = kvb.rank;
    // Decompress: kNope[s][h][i] and v[s][h][j] for every position s.
    std::vector<Vec> kNope(size_t(T), Vec(size_t(H * nope), 0.0));
    std::vector<Vec> v(size_t(T), Vec(size_t(H * dv), 0.0));
    for (int64_t s = 0; s < T; ++s) {
        for (int64_t h = 0; h < H; ++h) {
            for (int64_t i = 0; i < nope; ++i) {
                double acc = 0;
                for (int64_t r = 0; r < R; ++r) acc += kvb.kAt(h, i, r) * x.latent[s][r];
                kNope[s][h * nope + i] = acc;
            }
            for (int64_t j = 0; j < dv; ++j) {
                double acc = 0;
                for (int64_t r = 0; r < R; ++r) acc += kvb.vAt(h, j, r) * x.latent[s][r];
                v[s][h * dv + j] = acc;
            }
        }
    }
    // Standard MHA: K_h(s) = [k_nope_h(s) | k_pe(s)], V_h(s) = v_h(s).
    std::vector<Vec> out(size_t(T), Vec(size_t(H * dv), 0.0));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t h = 0; h < H; ++h) {
            const double* q = x.q[t].data() + h * (nope + rope);
            Vec scores(size_t(t + 1));
            for (int64_t s = 0; s <= t; ++s) {
                double dot = 0;
                for (int64_t i = 0; i < nope; ++i) dot += q[i] * kNope[s][h * nope + i];
                for (int64_t i = 0; i < rope; ++i) dot += q[nope + i] * x.kPe[s][i];
                scores[s] = dot * kqScale;
            }
            const Vec p = causalWeights(scores);
            for (int64_t s = 0; s <= t; ++s) {
                for (int64_t j = 0; j < dv; ++j) out[t][h * dv + j] += p[s] * v[s][h * dv + j];
            }
        }
    }
    return out;
}

std::vector<Vec> mlaAttentionAbsorbed(const MlaTokens& x, const MlaKvB& kvb, double kqScale) {
    checkTokens(x, kvb);
    const int64_t T = static_cast<int64_t>(x.q.size());
    const int64_t H = kvb.nHead, nope = kvb.nope, rope = x.rope, dv = kvb.vDim, R = kvb.rank;
    std::vector<Vec> out(size_t(T), Vec(size_t(H * dv), 0.0));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t h = 0; h < H; ++h) {
            const double* q = x.q[t].data() + h * (nope + rope);
            Vec qAbs(size_t(R), 0.0); // q_abs[r] = sum_i k_b[h][i][r] q_nope[i]
            for (int64_t r = 0; r < R; ++r) {
                for (int64_t i = 0; i < nope; ++i) qAbs[r] += kvb.kAt(h, i, r) * q[i];
            }
            Vec scores(size_t(t + 1)); // a (rank + rope)-long dot with the cached [c | k_pe]
            for (int64_t s = 0; s <= t; ++s) {
                double dot = 0;
                for (int64_t r = 0; r < R; ++r) dot += qAbs[r] * x.latent[s][r];
                for (int64_t i = 0; i < rope; ++i) dot += q[nope + i] * x.kPe[s][i];
                scores[s] = dot * kqScale;
            }
            const Vec p = causalWeights(scores);
            Vec lat(size_t(R), 0.0); // the attended latent
            for (int64_t s = 0; s <= t; ++s) {
                for (int64_t r = 0; r < R; ++r) lat[r] += p[s] * x.latent[s][r];
            }
            for (int64_t j = 0; j < dv; ++j) { // o_h = v_b_h . lat
                double acc = 0;
                for (int64_t r = 0; r < R; ++r) acc += kvb.vAt(h, j, r) * lat[r];
                out[t][h * dv + j] = acc;
            }
        }
    }
    return out;
}

DeepSeekScales deepseekScales(double factor, bool yarn, double storedLogMul, double attnFactorKey,
                              int64_t headDimK) {
    const double s = factor;
    const double lnS = std::log(s);
    // llama.cpp divides the stored value by 0.1 at load ([TAG_DEEPSEEK2_YARN_LOG_MUL_FIX]).
    const double mscaleAllDim = storedLogMul / 0.1;
    // The RoPE attn_factor llama.cpp hands to ggml. With YaRN, ggml multiplies it by
    // 1 + 0.1 ln s again, so the net RoPE magnitude is `ratio * attnFactorKey`: 1 for
    // DeepSeek files with a log multiplier (mscale is taken equal to mscale_all_dim), the
    // generic 1 + 0.1 ln s without one.
    double attnFactor = 1.0;
    if (yarn) {
        double ratio = yarnGetMscale(s, 1.0);
        if (storedLogMul != 0.0) {
            const double mscale = mscaleAllDim != 1.0 ? mscaleAllDim : 1.0;
            ratio = yarnGetMscale(s, mscale) / yarnGetMscale(s, mscaleAllDim);
        }
        attnFactor = ratio / (1.0 + 0.1 * lnS);
    }
    attnFactor *= attnFactorKey;
    // deepseek2's graph: undo the cancellation, then mscale = F (1 + 0.1 mscale_all_dim ln s).
    const double attnFactorOrg = attnFactor * (1.0 + 0.1 * lnS);
    const double mscale = attnFactorOrg * (1.0 + 0.1 * mscaleAllDim * lnS);
    return {attnFactor, mscale * mscale / std::sqrt(static_cast<double>(headDimK))};
}

} // namespace dw::ref
