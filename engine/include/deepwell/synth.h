#pragma once
// Synthetic models: complete GGUF files (metadata, seeded random weights, a working tokenizer
// and a chat template) for the dense architectures llama, qwen2, qwen3, gemma3 and the
// mixture-of-experts ones qwen2moe, qwen3moe, olmoe, deepseek, deepseek2 (MLA, in both file
// layouts) and llama with experts (Mixtral). Keys and tensor names are the ones public GGUF
// files use (ENGINE_FACTS 3.2, 4.1-4.7), so one loader reads both. Used by the tests (engine
// vs tests/reference on tiny models), by benchmarks and by `deepwell-cli synth`.
//
// Determinism: the same SynthSpec gives byte-identical files on every machine. Weights come
// from our own splitmix64 stream per tensor (seeded by spec.seed and the tensor name) turned
// into normal deviates with the polar Box-Muller method and our own logarithm (only IEEE
// +,-,*,/ and sqrt, compiled without FMA contraction), so no libm or standard-library
// distribution is involved. Quantized types are produced by dw::quant::quantizeRow.
#include "deepwell/dtype.h"
#include "deepwell/gguf.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dw::synth {

enum class Arch { Llama, Qwen2, Qwen3, Gemma3, Qwen2Moe, Qwen3Moe, Olmoe, DeepSeek, DeepSeek2 };
const char* archName(Arch a); // the general.architecture string
// Parses "llama", "qwen2", ..., "deepseek2"; false when unknown.
bool archFromName(std::string_view name, Arch& out);
// qwen2moe, qwen3moe, olmoe, deepseek, deepseek2: architectures whose FFN is a MoE (llama
// has experts only when SynthSpec::nExpert > 0).
bool isMoeArch(Arch a);

// How deepseek2 stores the MLA up-projection (ENGINE_FACTS 4.6). Both encode the same model:
// the split tensors are cut from the joint matrix.
enum class MlaLayout {
    Split, // attn_k_b {nope, r_kv, n_head} + attn_v_b {r_kv, v, n_head}; *_mla keys; kv heads 1
    Joint, // legacy attn_kv_b {r_kv, n_head (nope + v)}; key/value_length 192/128-like
};

struct SynthSpec {
    std::string name = "synthetic"; // general.name
    Arch arch = Arch::Llama;
    int64_t nLayer = 2;
    int64_t nEmbd = 64;
    int64_t nHead = 4;
    int64_t nHeadKv = 2;  // not used by deepseek2 (MLA)
    int64_t headDim = 0;  // 0: nEmbd / nHead (written as key_length/value_length); not deepseek2
    int64_t nFf = 128;    // dense FFN width; llama-with-experts and olmoe: the expert width
    int64_t nVocab = 512; // tokenizer size; at least synthMinVocab(spec)
    int64_t nCtxTrain = 2048;
    float ropeBase = 10000.0f;      // rope.freq_base (gemma3: global layers)
    float ropeBaseSwa = 10000.0f;   // gemma3: rope.freq_base_swa (local layers)
    float ropeScaleLinear = 0.0f;   // > 0: rope.scaling.type "linear" with this factor
    int64_t slidingWindow = 0;      // gemma3: attention.sliding_window (0 = all global)
    int64_t swaPattern = 6;         // gemma3: layer il is global iff il % P == P - 1
    float finalLogitSoftcap = 0.0f; // gemma3: final_logit_softcapping (0 = not written)
    float rmsEps = 1e-6f;
    // Type of every 2-D and 3-D weight; 1-D tensors (norms, biases, rope_freqs) and routers
    // (ffn_gate_inp) stay F32 as llama-quantize leaves them. Rows whose length is not a
    // multiple of the block size fall back as llama-quantize does (ENGINE_FACTS 2.4, see
    // storageType()).
    DType weightType = DType::F32;
    // Per-tensor overrides: the first entry whose string occurs in the tensor name wins
    // (e.g. {"token_embd", DType::Q8_0}). The fallback applies to these too.
    std::vector<std::pair<std::string, DType>> typeOverrides;
    bool tiedEmbeddings = false; // no output.weight (token_embd doubles as the output)
    bool biases = false;         // qwen2/qwen2moe: q/k/v biases; llama: q/k/v/output biases
    bool ropeFreqs = false;      // llama: a rope_freqs.weight tensor [nRot/2]
    uint64_t seed = 1;
    float initScale = 1.0f; // matrices: N(0, (initScale / sqrt(ne0))^2)

    // ---- Mixture of experts (ENGINE_FACTS 3.2, 4.0). nExpert > 0 turns the FFN of layers
    // nLeadingDense.. into a MoE (llama: Mixtral); the MoE architectures require it.
    int64_t nExpert = 0;             // expert_count
    int64_t nExpertUsed = 0;         // expert_used_count (top-k)
    int64_t nExpertShared = 0;       // deepseek*: expert_shared_count (shared width nFfExp * n)
    int64_t nFfExp = 0;              // expert_feed_forward_length (qwen*moe, deepseek*)
    int64_t nFfShexp = 0;            // qwen2moe: expert_shared_feed_forward_length
    int64_t nLeadingDense = 0;       // deepseek*: leading_dense_block_count (dense width nFf)
    int gatingFunc = 0;              // deepseek2: expert_gating_func 1/2/4 (0 = not written)
    bool expProbsBias = false;       // deepseek2: blk.i.exp_probs_b.bias (V3 selection bias)
    int64_t nExpertGroup = 0;        // deepseek2: expert_group_count (0 = not written)
    int64_t nExpertGroupUsed = 0;    // deepseek2: expert_group_used_count
    bool expertWeightsNorm = false;  // deepseek2: expert_weights_norm (written only if true)
    float expertWeightsScale = 0.0f; // deepseek*: expert_weights_scale (0 = not written)

    // ---- Multi-head latent attention (deepseek2)
    int64_t qLoraRank = 0;  // 0: attn_q (V2-Lite); > 0: attn_q_a, attn_q_a_norm, attn_q_b
    int64_t kvLoraRank = 0; // latent width r_kv
    int64_t qkNopeDim = 0;  // per-head Q/K part without RoPE
    int64_t qkRopeDim = 0;  // per-head rotated part = rope.dimension_count
    int64_t vHeadDim = 0;   // per-head V width
    MlaLayout mlaLayout = MlaLayout::Split;
    bool deepseekV3Tokenizer = false; // deepseek2: pre "deepseek-v3", V3 template, BOS 0/EOS 1

    // ---- YaRN (rope.scaling.type "yarn")
    float ropeYarnFactor = 0.0f;    // > 0: YaRN with this factor s (excludes ropeScaleLinear)
    int64_t ropeYarnOrigCtx = 0;    // rope.scaling.original_context_length (required with YaRN)
    float yarnLogMultiplier = 0.0f; // deepseek2: 0.1 * mscale_all_dim (0 = not written)

    int64_t headDimOrDefault() const { return headDim > 0 ? headDim : nEmbd / nHead; }
    bool hasExperts() const { return nExpert > 0; }
    bool isMoeLayer(int64_t il) const { return nExpert > 0 && il >= nLeadingDense; }
};

// Throws dw::Error(InvalidArgument) naming the field, the value and the limit.
void validate(const SynthSpec& spec);

// ---- Presets ------------------------------------------------------------------------------
// Tiny models for tests (a reference forward over 16 tokens takes milliseconds): "tiny-llama",
// "tiny-qwen2", "tiny-qwen3", "tiny-gemma3", "tiny-mixtral", "tiny-qwen2moe",
// "tiny-qwen3moe", "tiny-olmoe", "tiny-deepseek", "tiny-deepseek2" (V2-Lite-like, split
// MLA), "tiny-deepseek2-legacy" (the same model in the joint attn_kv_b layout),
// "tiny-deepseek2-v3" (q_lora, sigmoid + bias, groups, norm, scale). Benchmark models of
// about 1 GB at F16: "deepseek-v2-lite-mini", "qwen3-30b-a3b-mini" (shapes in
// synth_presets.cpp). Unknown names throw dw::Error(InvalidArgument) listing the known ones.
SynthSpec synthPreset(std::string_view name);
struct SynthPresetInfo {
    std::string name;
    std::string summary;    // one line for `deepwell-cli synth --list`
    bool benchmark = false; // ~1 GB; never written by the unit tests
};
std::vector<SynthPresetInfo> synthPresetInfos();
std::vector<std::string> synthPresetNames();     // all presets
std::vector<std::string> synthTinyPresetNames(); // the test-sized ones

// The type a weight of row length ne0 is stored in when `wanted` is asked for: wanted itself
// when ne0 is a multiple of its block size, else Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
// IQ4_XS/IQ3/IQ2/IQ1 -> IQ4_NL, Q2_K/Q3_K/TQ1_0/TQ2_0/Q2_0 -> Q4_0, any other -> F16 (the output
// matrix or tied embedding: -> Q8_0), and F16 when the fallback does not fit either.
DType storageType(DType wanted, int64_t ne0, bool isOutput = false);

// ---- Tokenizer -------------------------------------------------------------------------

// The vocabulary written into the file (tokenizer.ggml.*), see synth_vocab.cpp for layout.
struct SynthVocab {
    std::string model; // "llama" (SPM) or "gpt2" (byte-level BPE)
    std::string pre;   // gpt2 only: "qwen2", "deepseek-llm", "deepseek-v3", "olmo"
    std::vector<std::string> tokens;
    std::vector<float> scores;       // SPM only
    std::vector<int32_t> types;      // TokenType values (1 normal, 2 unknown, 3 control, ...)
    std::vector<std::string> merges; // gpt2 only: "left right", index = rank
    int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1;
    bool addBos = false;
    bool addSpacePrefix = false; // SPM only
    std::string chatTemplate;
};
int64_t synthMinVocab(const SynthSpec& spec); // special + byte (+ single-character) tokens
SynthVocab synthVocab(const SynthSpec& spec);

// ---- Files ------------------------------------------------------------------------------

// One tensor of the file as it will be written (after the type fallbacks).
struct SynthTensor {
    std::string name;
    std::vector<int64_t> ne; // fastest dimension first
    DType type = DType::F32;
    uint64_t nBytes = 0;
};
// The tensors of the file, in file order, without producing any weight (validates the spec).
std::vector<SynthTensor> synthTensors(const SynthSpec& spec);
uint64_t synthTensorBytes(const SynthSpec& spec); // sum of nBytes (the file is a little more)

// The whole file, ready to write; tensor bytes are produced while writing.
gguf::Writer buildSynthModel(const SynthSpec& spec);
// Validates the spec and writes the GGUF (dw::Error(InvalidArgument) for a bad spec, Io for
// a failed write). progress(done, total) is called after each tensor when given.
void writeSynthModel(const SynthSpec& spec, const std::string& path,
                     const std::function<void(size_t done, size_t total)>& progress = {});
std::vector<uint8_t> synthModelBytes(const SynthSpec& spec);

} // namespace dw::synth
