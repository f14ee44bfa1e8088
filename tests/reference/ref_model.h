#pragma once
// The plain reference model: loads a GGUF of a dense (llama, qwen2, qwen3, gemma3) or
// mixture-of-experts architecture (llama with experts = Mixtral, qwen2moe, qwen3moe, olmoe,
// deepseek, deepseek2 with MLA in both file layouts) and computes the logits of every
// position of a token sequence in double precision, recomputing full causal attention (no
// KV cache). Clarity over speed: the engine's forward pass is compared against this.
// Hyper-parameters are read exactly as ../shared/reference/ENGINE_FACTS.md sections 3.2 and
// 4.1-4.7 list them, with the same defaults.
//
//   auto model = dw::ref::Model::open(path);              // F32/F16/Q8_0 weights
//   auto model = dw::ref::Model::open(path, {.dequantizer = dw::quant::dequantizeRow});
//   std::vector<std::vector<double>> logits = model->logits({2, 17, 99}); // [T][nVocab]
//   ref::Trace trace; model->logits(tokens, &trace); // trace.routing[il][t].ids: experts
#include "ref_mla.h"
#include "ref_moe.h"
#include "ref_ops.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dw::gguf {
class File;
}

namespace dw::ref {

enum class Arch { Llama, Qwen2, Qwen3, Gemma3, Qwen2Moe, Qwen3Moe, Olmoe, DeepSeek, DeepSeek2 };
const char* archName(Arch a);

enum class RopeScaling { None, Linear, Yarn };

// Everything the forward pass needs, as read from the file (after defaults).
struct HParams {
    Arch arch = Arch::Llama;
    int64_t nVocab = 0; // rows of token_embd
    int64_t nCtxTrain = 0;
    int64_t nEmbd = 0;
    int64_t nLayer = 0;
    int64_t nFf = 0;
    int64_t nHead = 0;
    int64_t nHeadKv = 0;
    int64_t headDimK = 0; // attention.key_length, default nEmbd / nHead (MLA: nope + rope)
    int64_t headDimV = 0; // attention.value_length, default nEmbd / nHead (MLA: v head dim)
    int64_t nRot = 0;     // rope.dimension_count, default headDimK
    double rmsEps = 0;
    RopeStyle ropeStyle = RopeStyle::Norm;
    double ropeBase = 10000.0;                     // rope.freq_base (gemma3: global layers)
    double ropeBaseSwa = 10000.0;                  // gemma3 rope.freq_base_swa (local layers)
    RopeScaling ropeScaling = RopeScaling::Linear; // absent type -> linear (factor 1 = no-op)
    double ropeFactor = 1.0;     // rope.scaling.factor (or rope.scale_linear); 0/absent -> 1
    int64_t ropeCtxOrig = 0;     // rope.scaling.original_context_length, default nCtxTrain
    double ropeAttnFactor = 1.0; // rope.scaling.attn_factor
    int64_t slidingWindow = 0;   // gemma3: 0 = every layer global
    int64_t swaPattern = 0;      // gemma3: period P, layer il global iff il % P == P - 1
    double finalSoftcap = 0;     // final_logit_softcapping; 0 = none
    double embedScale = 1.0;     // gemma3: sqrt(nEmbd)
    double queryScale = 0;       // Q is multiplied by this before Q.K (1/sqrt(headDimK) etc.;
                                 // deepseek2: the kq_scale mscale^2 / sqrt(headDimK))
    bool qkNorm = false;         // per-head RMSNorm of Q and K (qwen3, qwen3moe, gemma3)
    bool qkNormWhole = false;    // olmoe: RMSNorm over the whole Q and K projections
    bool postNorms = false;      // gemma3 post-attention / post-ffw norms
    bool geluFfn = false;        // gemma3 GELU-tanh gate; otherwise SiLU
    bool tiedOutput = false;     // no output.weight: token_embd is the output matrix
    Vec ropeFreqs;               // optional rope_freqs.weight [nRot/2] (llama), divides theta

    // ---- Mixture of experts (nExpert == 0: dense)
    int64_t nExpert = 0;           // expert_count
    int64_t nExpertUsed = 0;       // expert_used_count
    int64_t nExpertShared = 0;     // expert_shared_count (deepseek, deepseek2)
    int64_t nFfExp = 0;            // routed expert width (llama, olmoe: feed_forward_length)
    int64_t nFfShexp = 0;          // shared expert width (deepseek*: nFfExp * nShared; 0 = none)
    int64_t nLeadingDense = 0;     // leading_dense_block_count: layers < this are dense
    bool sharedExpertGate = false; // qwen2moe: shared output *= sigmoid(gate_inp_shexp . x)
    RouterParams router;           // gating, groups, renormalisation and scale, per the arch rules
    // ---- Multi-head latent attention (deepseek2)
    bool mla = false;
    bool mlaSplit = false;    // attn_k_b/attn_v_b (both *_mla keys); else joint attn_kv_b
    int64_t qLoraRank = 0;    // 0: attn_q (V2-Lite); else attn_q_a -> norm -> attn_q_b
    int64_t kvLoraRank = 0;   // latent width
    int64_t nopeDim = 0;      // headDimK - nRot
    double yarnLogMul = 0;    // rope.scaling.yarn_log_multiplier as stored (0 = absent)
    bool absorbedMla = false; // Options::absorbedMla: attention in the absorbed form

    bool isSwaLayer(int64_t il) const; // sliding-window (local) layer?
    bool isMoeLayer(int64_t il) const { return nExpert > 0 && il >= nLeadingDense; }
    // The RoPE parameters of layer il (gemma3 local layers: base_swa and never scaled).
    RopeParams ropeParams(int64_t il) const;
};

struct Options {
    // Used for tensor types other than F32, F16 and Q8_0 (e.g. the Q4_K/Q5_0/Q6_K tensors of a
    // real Q4_K_M file). Empty (the default): such tensors are rejected with a clear error, so
    // the reference stays independent of dw::quant.
    RowDequantizer dequantizer;
    // deepseek2: compute MLA in the absorbed form instead of the naive one (same numbers).
    bool absorbedMla = false;
};

// Intermediate values of one forward pass, for finding where an engine first diverges.
struct Trace {
    std::vector<Vec> embeddings;            // [T][nEmbd] after the embedding scale
    std::vector<std::vector<Vec>> layerOut; // [nLayer][T][nEmbd] residual after each layer
    std::vector<Vec> finalNorm;             // [T][nEmbd] after output_norm
    // [nLayer][T]: which experts each token chose in each layer, and their weights (empty
    // for dense layers).
    std::vector<std::vector<Routing>> routing;
};

// Weights of one block. Vectors are dequantized at load; matrices are read on use.
struct LayerWeights {
    Vec attnNorm; // [nEmbd]
    Matrix wq, wk, wv,
        wo;             // [nEmbd, nHead*hdK], [nEmbd, nHeadKv*hdK] x2 (V: hdV), [nHead*hdV, nEmbd]
    Vec bq, bk, bv, bo; // optional biases (empty when absent)
    Vec qNorm, kNorm;   // [headDimK] (qwen3, gemma3)
    Vec postAttnNorm;   // [nEmbd] gemma3
    Vec qNormWhole, kNormWhole; // olmoe [nHead*hdK], [nHeadKv*hdK]
    // MLA (deepseek2); wq above is attn_q when there is no q compression.
    Matrix wqA, wqB;          // [nEmbd, qLoraRank], [qLoraRank, nHead*hdK]
    Vec qANorm;               // [qLoraRank]
    Matrix wkvA;              // attn_kv_a_mqa [nEmbd, kvLoraRank + nRot]
    Vec kvANorm;              // [kvLoraRank]
    MlaKvB kvB;               // the per-head up-projections, from attn_k_b/attn_v_b or attn_kv_b
    Vec ffnNorm;              // [nEmbd]
    Matrix wGate, wUp, wDown; // dense FFN [nEmbd, nFf] x2, [nFf, nEmbd]
    MoeWeights moe;           // MoE layers
    Vec postFfwNorm;          // [nEmbd] gemma3
};

class Model {
public:
    // Reads hyper-parameters and binds tensors, checking every shape. Throws dw::Error:
    // Unsupported (architecture, tensor type without a dequantizer), Format (missing key or
    // tensor, wrong shape), naming the key/tensor and the expected value.
    static std::unique_ptr<Model> open(const std::string& path, Options options = {});
    // Uses an already opened file, which must outlive the Model.
    static std::unique_ptr<Model> fromFile(const gguf::File& file, Options options = {});
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const HParams& hparams() const { return m_hp; }
    const LayerWeights& layer(int64_t il) const { return m_layers.at(static_cast<size_t>(il)); }

    // Logits [T][nVocab] of positions 0..T-1 of `tokens` (each id must be < nVocab;
    // otherwise dw::Error(InvalidArgument)). Optionally records intermediates.
    std::vector<Vec> logits(const std::vector<int32_t>& tokens, Trace* trace = nullptr) const;

private:
    Model() = default;
    void load(const gguf::File& file, Options options);
    Vec embedding(int32_t token) const;
    std::vector<Vec> attention(int64_t il, const std::vector<Vec>& a) const;
    std::vector<Vec> mlaAttention(int64_t il, const std::vector<Vec>& a) const;
    std::vector<Vec> feedForward(int64_t il, const std::vector<Vec>& f,
                                 std::vector<Routing>* routing) const;

    std::unique_ptr<gguf::File> m_ownedFile; // when opened by path
    HParams m_hp;
    Matrix m_tokenEmbd; // [nEmbd, nVocab]
    Matrix m_output;    // [nEmbd, nVocab] (= m_tokenEmbd when tied)
    Vec m_outputNorm;   // [nEmbd]
    std::vector<LayerWeights> m_layers;
};

} // namespace dw::ref
