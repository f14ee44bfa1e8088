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
};

struct Weights {
    cpu::MatView tokenEmbd;     // [nEmbd, nVocab]
    cpu::MatView output;        // [nEmbd, nVocab] (token_embd when tied)
    Vec outputNorm;             // [nEmbd]
    Vec ropeFreqs;              // optional [nRot/2]
    std::vector<LayerWeights> layers;
};

// Throws Error(Format) for a missing tensor or a wrong shape (naming tensor, expected and
// found shapes), Error(Unsupported) for a tensor type we cannot compute with.
Weights bindWeights(const gguf::File& file, const HParams& hp);

} // namespace dw::model
