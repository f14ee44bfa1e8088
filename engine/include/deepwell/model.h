#pragma once
// A loaded model (weights mapped from a GGUF file, hyper-parameters, tokenizer, chat
// template) and a Context that runs it: the prompt is prefilled as a batch, then decoding
// runs one token at a time against the context's KV cache.
#include "deepwell/dtype.h"
#include "deepwell/tokenizer.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dw {

namespace gguf {
class File;
}

enum class Arch { Llama, Qwen2, Qwen3, Gemma3, Deepseek2, Deepseek, Qwen2Moe, Qwen3Moe, Olmoe };
const char* archName(Arch a);

// How experts are scored (the values of {arch}.expert_gating_func).
enum class ExpertGating { Softmax = 1, Sigmoid = 2, SqrtSoftplus = 4 };

// Mixture-of-Experts feed-forward (ENGINE_FACTS 4.0, 4.3, 4.4, 4.6, 4.7).
struct MoeParams {
    int nExpert = 0;          // routed experts; 0 = a dense model
    int nExpertUsed = 0;      // top-k
    int nExpertShared = 0;    // deepseek: shared experts (one SwiGLU of width nFfShared)
    int64_t nFfExpert = 0;    // width of one routed expert
    int64_t nFfShared = 0;    // width of the shared expert(s); 0 = none
    int nLeadingDense = 0;    // the first layers use a dense FFN
    ExpertGating gating = ExpertGating::Softmax;
    bool normTopK = false;    // renormalise the k weights
    float weightsScale = 0.0f; // multiplies the weights when not 0 or 1
    int nGroup = 1;           // group-limited routing when > 1 (DeepSeek-V3)
    int nGroupUsed = 1;
    bool sharedGated = false; // qwen2moe: shared output scaled by sigmoid(gate_inp_shexp . x)
};

// Multi-head latent attention (DeepSeek-V2/V3, ENGINE_FACTS 4.6).
struct MlaParams {
    bool enabled = false;
    int qLoraRank = 0;     // 0: queries straight from attn_q (V2-Lite)
    int kvLoraRank = 0;    // latent width (the cache holds it plus the rope key)
    int nopeDim = 0;       // per-head query/key part without rope
    int ropeDim = 0;       // per-head rope part (= nRot), shared key
    int vDim = 0;          // per-head value width
    bool jointKvB = false; // legacy file with attn_kv_b (split into k_b/v_b at load)
};

// Hyper-parameters as read from the file (ENGINE_FACTS section 3.2), with quirks normalised.
struct HParams {
    Arch arch = Arch::Llama;
    std::string archName;       // general.architecture
    int64_t nVocab = 0;
    int64_t nCtxTrain = 0;
    int64_t nEmbd = 0;
    int nLayer = 0;
    std::vector<int> nHead;     // per layer
    std::vector<int> nHeadKv;   // per layer
    std::vector<int64_t> nFf;   // per layer
    int headDimK = 0;
    int headDimV = 0;
    float rmsEps = 1e-5f;
    int nRot = 0;
    float ropeBase = 10000.0f;
    float ropeBaseSwa = 10000.0f;
    std::string ropeScalingType = "none"; // none | linear | yarn
    float ropeFactor = 1.0f;
    int64_t ropeCtxOrig = 0;
    int slidingWindow = 0;          // 0 = none
    std::vector<bool> layerIsSwa;   // per layer: sliding-window (local) layer
    float attnScale = 0.0f;         // kq scale actually used
    float finalSoftcap = 0.0f;      // 0 = none
    float attnSoftcap = 0.0f;
    bool embedScale = false;        // gemma: token embeddings multiplied by sqrt(nEmbd)
    bool tiedOutput = false;        // output matrix is token_embd
    bool qkNormWhole = false;       // olmoe: q/k RMSNorm over the whole projection
    float ropeAttnFactor = 1.0f;    // cos/sin magnitude passed to RoPE
    MoeParams moe;
    MlaParams mla;

    bool isMoeLayer(int il) const { return moe.nExpert > 0 && il >= moe.nLeadingDense; }
};

struct LoadProgress {
    // fraction 0..1 of the tensor bytes touched so far
    std::function<void(float fraction)> onProgress;
    // set to true from any thread to stop loading (load() then throws Error(Cancelled))
    const std::atomic<bool>* cancel = nullptr;
};

class Model {
public:
    // Maps, validates and binds every tensor. Throws dw::Error (Io, Format, Unsupported,
    // Cancelled) with a message that says what is wrong and what to do.
    static std::shared_ptr<const Model> load(const std::string& path, const LoadProgress& progress = {});
    ~Model();

    const HParams& hparams() const;
    const Tokenizer& tokenizer() const;
    const gguf::File& file() const;
    // The file's chat template or, for files without one (base models), a built-in plain
    // transcript format (chatTemplateIsBuiltin()).
    const std::string& chatTemplate() const;
    bool chatTemplateIsBuiltin() const;
    // Stop strings that end a reply in the chat format (the transcript's "\nUser:").
    const std::vector<std::string>& chatStopStrings() const;
    const std::string& path() const;
    const std::string& name() const;         // general.name or the file name

    // Bytes of weights one decode step reads (every matrix once; the embedding row aside).
    uint64_t weightBytesPerToken() const;
    // KV-cache bytes per token of context (f32 cache).
    uint64_t kvBytesPerToken() const;
    uint64_t parameterCount() const;
    uint64_t weightBytes() const;

    struct Impl;
    const Impl& impl() const { return *m; }

private:
    Model();
    std::unique_ptr<Impl> m;
};

// Where a Context runs. Auto: the GPU when this build has CUDA and a usable device, else the
// CPU (with one log line saying why).
enum class DeviceKind { Auto, Cpu, Cuda };
const char* deviceKindName(DeviceKind d);

struct ContextOptions {
    int64_t nCtx = 4096;   // capacity of the KV cache in tokens (0 = the model's trained length)
    int nThreads = 0;      // CPU threads; 0 = all hardware threads
    int64_t nBatch = 256;  // prefill chunk size
    DeviceKind device = DeviceKind::Auto;
};

enum class LogitsMode { None, Last, All };

class Context {
public:
    Context(std::shared_ptr<const Model> model, const ContextOptions& options);
    ~Context();

    // Runs the tokens at positions nPast() .. nPast()+n-1 and appends them to the cache.
    // onLogits(i, logits) is called for the requested positions (i relative to this call)
    // with nVocab floats, valid only during the call. Throws Error(InvalidArgument) when the
    // tokens would overflow the context or an id is out of range.
    void eval(const int32_t* tokens, int64_t n, LogitsMode mode,
              const std::function<void(int64_t i, const float* logits)>& onLogits = {});

    // Logits of the last position evaluated with mode Last or All (nVocab floats).
    const std::vector<float>& lastLogits() const;

    int64_t nPast() const;
    int64_t nCtx() const;
    int nThreads() const;
    std::string deviceName() const; // "cpu" or the GPU's name
    // MoE models: per layer, how often each expert was selected (one count per token and
    // chosen expert) since the context was made or last reset; empty rows for dense layers.
    std::vector<std::vector<uint64_t>> expertSelectionCounts() const;
    void resetExpertSelectionCounts();
    // Forgets positions >= n (n <= nPast()).
    void truncate(int64_t n);
    const Model& model() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

} // namespace dw
