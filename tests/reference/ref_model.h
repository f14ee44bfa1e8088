#pragma once
// The plain reference model: loads a dense GGUF (llama, qwen2, qwen3, gemma3) and computes
// the logits of every position of a token sequence in double precision, recomputing full
// causal attention (no KV cache). Clarity over speed: the engine's forward pass is compared
// against this. Hyper-parameters are read exactly as ../shared/reference/ENGINE_FACTS.md
// sections 3.2 and 4.1-4.5 list them, with the same defaults.
//
//   auto model = dw::ref::Model::open(path);              // F32/F16/Q8_0 weights
//   auto model = dw::ref::Model::open(path, {.dequantizer = dw::quant::dequantizeRow});
//   std::vector<std::vector<double>> logits = model->logits({2, 17, 99}); // [T][nVocab]
#include "ref_ops.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dw::gguf {
class File;
}

namespace dw::ref {

enum class Arch { Llama, Qwen2, Qwen3, Gemma3 };
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
    int64_t headDimK = 0; // attention.key_length, default nEmbd / nHead
    int64_t headDimV = 0; // attention.value_length, default nEmbd / nHead
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
    double queryScale = 0;       // Q is multiplied by this before Q.K (1/sqrt(headDimK) etc.)
    bool qkNorm = false;         // per-head RMSNorm of Q and K (qwen3, gemma3)
    bool postNorms = false;      // gemma3 post-attention / post-ffw norms
    bool geluFfn = false;        // gemma3 GELU-tanh gate; otherwise SiLU
    bool tiedOutput = false;     // no output.weight: token_embd is the output matrix
    Vec ropeFreqs;               // optional rope_freqs.weight [nRot/2] (llama), divides theta

    bool isSwaLayer(int64_t il) const; // sliding-window (local) layer?
    // The RoPE parameters of layer il (gemma3 local layers: base_swa and never scaled).
    RopeParams ropeParams(int64_t il) const;
};

struct Options {
    // Used for tensor types other than F32, F16 and Q8_0 (e.g. the Q4_K/Q5_0/Q6_K tensors of a
    // real Q4_K_M file). Empty (the default): such tensors are rejected with a clear error, so
    // the reference stays independent of dw::quant.
    RowDequantizer dequantizer;
};

// Intermediate values of one forward pass, for finding where an engine first diverges.
struct Trace {
    std::vector<Vec> embeddings;            // [T][nEmbd] after the embedding scale
    std::vector<std::vector<Vec>> layerOut; // [nLayer][T][nEmbd] residual after each layer
    std::vector<Vec> finalNorm;             // [T][nEmbd] after output_norm
};

// Weights of one block. Vectors are dequantized at load; matrices are read on use.
struct LayerWeights {
    Vec attnNorm; // [nEmbd]
    Matrix wq, wk, wv,
        wo;             // [nEmbd, nHead*hdK], [nEmbd, nHeadKv*hdK] x2 (V: hdV), [nHead*hdV, nEmbd]
    Vec bq, bk, bv, bo; // optional biases (empty when absent)
    Vec qNorm, kNorm;   // [headDimK] (qwen3, gemma3)
    Vec postAttnNorm;   // [nEmbd] gemma3
    Vec ffnNorm;        // [nEmbd]
    Matrix wGate, wUp, wDown; // [nEmbd, nFf] x2, [nFf, nEmbd]
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
    std::vector<Vec> feedForward(int64_t il, const std::vector<Vec>& f) const;

    std::unique_ptr<gguf::File> m_ownedFile; // when opened by path
    HParams m_hp;
    Matrix m_tokenEmbd; // [nEmbd, nVocab]
    Matrix m_output;    // [nEmbd, nVocab] (= m_tokenEmbd when tied)
    Vec m_outputNorm;   // [nEmbd]
    std::vector<LayerWeights> m_layers;
};

} // namespace dw::ref
