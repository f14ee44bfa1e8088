#pragma once
// Synthetic models: complete GGUF files (metadata, seeded random weights, a working tokenizer
// and a chat template) for the dense architectures llama, qwen2, qwen3 and gemma3. Used by the
// tests (engine vs tests/reference on tiny models) and by `deepwell-cli synth`.
//
// Determinism: the same SynthSpec gives byte-identical files on every machine. Weights come
// from our own splitmix64 stream per tensor (seeded by spec.seed and the tensor name) turned
// into normal deviates with the polar Box-Muller method and our own logarithm (only IEEE
// +,-,*,/ and sqrt, compiled without FMA contraction), so no libm or standard-library
// distribution is involved. Quantized types are produced by dw::quant::quantizeRow.
#include "deepwell/dtype.h"
#include "deepwell/gguf.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dw::synth {

enum class Arch { Llama, Qwen2, Qwen3, Gemma3 };
const char* archName(Arch a); // the general.architecture string
// Parses "llama", "qwen2", "qwen3", "gemma3"; false when unknown.
bool archFromName(std::string_view name, Arch& out);

struct SynthSpec {
    std::string name = "synthetic"; // general.name
    Arch arch = Arch::Llama;
    int64_t nLayer = 2;
    int64_t nEmbd = 64;
    int64_t nHead = 4;
    int64_t nHeadKv = 2;
    int64_t headDim = 0; // 0: nEmbd / nHead (written as key_length/value_length)
    int64_t nFf = 128;
    int64_t nVocab = 512; // tokenizer size; at least synthMinVocab(arch)
    int64_t nCtxTrain = 2048;
    float ropeBase = 10000.0f;      // rope.freq_base (gemma3: global layers)
    float ropeBaseSwa = 10000.0f;   // gemma3: rope.freq_base_swa (local layers)
    float ropeScaleLinear = 0.0f;   // > 0: rope.scaling.type "linear" with this factor
    int64_t slidingWindow = 0;      // gemma3: attention.sliding_window (0 = all global)
    int64_t swaPattern = 6;         // gemma3: layer il is global iff il % P == P - 1
    float finalLogitSoftcap = 0.0f; // gemma3: final_logit_softcapping (0 = not written)
    float rmsEps = 1e-6f;
    // Type of every 2-D weight; 1-D tensors (norms, biases, rope_freqs) stay F32. Rows whose
    // length is not a multiple of the block size fall back as llama-quantize does
    // (ENGINE_FACTS 2.4, see storageType()).
    DType weightType = DType::F32;
    // Per-tensor overrides: the first entry whose string occurs in the tensor name wins
    // (e.g. {"token_embd", DType::Q8_0}). The fallback applies to these too.
    std::vector<std::pair<std::string, DType>> typeOverrides;
    bool tiedEmbeddings = false; // no output.weight (token_embd doubles as the output)
    bool biases = false;         // qwen2: q/k/v biases; llama: q/k/v/output biases
    bool ropeFreqs = false;      // llama: a rope_freqs.weight tensor [nRot/2]
    uint64_t seed = 1;
    float initScale = 1.0f; // matrices: N(0, (initScale / sqrt(ne0))^2)

    int64_t headDimOrDefault() const { return headDim > 0 ? headDim : nEmbd / nHead; }
};

// Throws dw::Error(InvalidArgument) naming the field, the value and the limit.
void validate(const SynthSpec& spec);

// Small models for tests ("tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-gemma3"): a few
// layers, nEmbd 64, vocabulary 512, so a reference forward pass takes milliseconds.
// Unknown names throw dw::Error(InvalidArgument) listing the known ones.
SynthSpec synthPreset(std::string_view name);
std::vector<std::string> synthPresetNames();

// The type a weight of row length ne0 is stored in when `wanted` is asked for: wanted itself
// when ne0 is a multiple of its block size, else Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
// IQ4_XS/IQ3/IQ2/IQ1 -> IQ4_NL, Q2_K/Q3_K/TQ1_0/TQ2_0/Q2_0 -> Q4_0, any other -> F16 (the output
// matrix or tied embedding: -> Q8_0), and F16 when the fallback does not fit either.
DType storageType(DType wanted, int64_t ne0, bool isOutput = false);

// ---- Tokenizer -------------------------------------------------------------------------

// The vocabulary written into the file (tokenizer.ggml.*), see synth_vocab.cpp for layout.
struct SynthVocab {
    std::string model; // "llama" (SPM) or "gpt2" (byte-level BPE)
    std::string pre;   // gpt2 only: "qwen2"
    std::vector<std::string> tokens;
    std::vector<float> scores;       // SPM only
    std::vector<int32_t> types;      // TokenType values (1 normal, 2 unknown, 3 control, ...)
    std::vector<std::string> merges; // gpt2 only: "left right", index = rank
    int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1;
    bool addBos = false;
    bool addSpacePrefix = false; // SPM only
    std::string chatTemplate;
};
int64_t synthMinVocab(Arch arch); // special + byte (+ single-character) tokens
SynthVocab synthVocab(const SynthSpec& spec);

// ---- Files ------------------------------------------------------------------------------

// The whole file, ready to write; tensor bytes are produced while writing.
gguf::Writer buildSynthModel(const SynthSpec& spec);
// Validates the spec and writes the GGUF (dw::Error(InvalidArgument) for a bad spec, Io for
// a failed write).
void writeSynthModel(const SynthSpec& spec, const std::string& path);
std::vector<uint8_t> synthModelBytes(const SynthSpec& spec);

} // namespace dw::synth
