#pragma once
// Binding of GGUF tensors to the roles the decoder uses. Matrices stay in the mapped file in
// their stored type; small vectors (norms, biases) are converted to f32 copies at load.
#include "cpu/ops.h"
#include "deepwell/model.h"

#include <optional>
#include <string>
#include <vector>

namespace dw::gguf {
class File;
}

namespace dw::model {

using Vec = std::vector<float>; // empty = absent

// `count` matrices [k, n] stored back to back in one tensor [k, n, count] (the expert index,
// or the head index, is the slowest dimension): matrix i starts expertStride bytes after i-1.
struct ExpertMats {
    cpu::MatView first;
    size_t expertStride = 0;
    int count = 0;

    bool present() const { return first.data != nullptr; }
    cpu::MatView at(int i) const {
        cpu::MatView m = first;
        m.data += size_t(i) * expertStride;
        return m;
    }
};

struct LayerWeights {
    Vec attnNorm;               // [nEmbd]
    cpu::MatView wq, wk, wv;    // [nEmbd, nHead*dk], [nEmbd, nHeadKv*dk], [nEmbd, nHeadKv*dv]
    Vec bq, bk, bv;             // optional biases (qwen2)
    Vec qNorm, kNorm;           // [dk] per-head norms (qwen3, gemma3)
    cpu::MatView wo;            // [nHead*dv, nEmbd]
    Vec bo;
    Vec postAttnNorm;           // gemma: [nEmbd]
    Vec ffnNorm;                // [nEmbd]
    cpu::MatView gate, up;      // [nEmbd, nFf]
    cpu::MatView down;          // [nFf, nEmbd]
    Vec postFfnNorm;            // gemma: [nEmbd]

    // Mixture of experts (MoE layers only; dense gate/up/down are then absent).
    cpu::MatView gateInp;              // router [nEmbd, nExpert]
    Vec expProbsBias;                  // [nExpert] selection-only bias (DeepSeek-V3)
    ExpertMats gateExps, upExps;       // [nEmbd, nFfExpert, nExpert]
    ExpertMats downExps;               // [nFfExpert, nEmbd, nExpert]
    cpu::MatView gateShexp, upShexp;   // [nEmbd, nFfShared]
    cpu::MatView downShexp;            // [nFfShared, nEmbd]
    Vec gateInpShexp;                  // qwen2moe [nEmbd]: sigmoid gate of the shared expert

    // Multi-head latent attention (deepseek2); wq above is used when there is no q LoRA.
    cpu::MatView wqA;                  // [nEmbd, qLora]
    Vec qANorm;                        // [qLora]
    cpu::MatView wqB;                  // [qLora, nHead*(nope+rope)]
    cpu::MatView wkvA;                 // [nEmbd, kvLora+rope] -> latent | rope key
    Vec kvANorm;                       // [kvLora]
    ExpertMats kB;                     // per head [nope, kvLora]: q_abs = kB[h] . q_nope
    ExpertMats vB;                     // per head [kvLora, vDim]: o = vB[h] . latent
};

struct Weights {
    cpu::MatView tokenEmbd;     // [nEmbd, nVocab]
    cpu::MatView output;        // [nEmbd, nVocab] (token_embd when tied)
    Vec outputNorm;             // [nEmbd]
    Vec ropeFreqs;              // optional [nRot/2]
    std::vector<LayerWeights> layers;
    // Matrices derived at load time (legacy attn_kv_b transposed into per-head k_b); the
    // views above point into these.
    std::vector<std::vector<float>> owned;
};

// Throws Error(Format) for a missing tensor or a wrong shape (naming tensor, expected and
// found shapes), Error(Unsupported) for a tensor type we cannot compute with.
Weights bindWeights(const gguf::File& file, const HParams& hp);

} // namespace dw::model
