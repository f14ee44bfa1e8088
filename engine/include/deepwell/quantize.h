#pragma once
// Quantizing whole models: an F32/F16/BF16 GGUF file in, a Q8_0, Q4_0, Q4_K, Q5_K, Q6_K,
// Q4_K_M or Q5_K_M file out, with llama-quantize's per-tensor type rules
// (../shared/reference/ENGINE_FACTS.md section 2.4). `deepwell-cli quantize` is a thin shell
// around quantizeModel().
//
// The rules are data in, type out: chooseTensor() is a pure function of a tensor's name,
// shape, the mix and a few model facts (counters, expert count, tied embedding), so each rule
// is testable without files. planQuantization() walks a file's tensors in file order, keeps
// the two running counters llama-quantize keeps, and returns one TensorPlan per tensor.
#include "deepwell/dtype.h"
#include "deepwell/gguf.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

// What the user asks for. The plain mixes give every quantizable tensor that type (the
// output matrix excepted, see chooseTensor); the _M mixes spend more bits where it pays.
enum class QuantMix { Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M };

const char* quantMixName(QuantMix m); // "Q4_K_M"
// Case-insensitive "q4_k_m", "Q8_0", ...; false when unknown.
bool quantMixFromName(std::string_view name, QuantMix& out);
std::vector<QuantMix> allQuantMixes();
// general.file_type written for the mix (ENGINE_FACTS 1.7): Q8_0 7, Q4_0 2, Q4_K 14 (as
// llama-quantize --pure Q4_K_S writes it), Q5_K 16 (likewise Q5_K_S), Q6_K 18, Q4_K_M 15,
// Q5_K_M 17.
uint32_t quantMixFileType(QuantMix m);
// The type a tensor gets when no rule applies (Q4_K for Q4_K_M, Q5_K for Q5_K_M).
DType quantMixBaseType(QuantMix m);

// Whether llama-quantize quantizes a tensor at all: at least 2 dimensions counted as ggml
// counts them (trailing 1s do not count, so [640, 1] is 1-D), a name ending in "weight", and
// not a norm, the MoE router (ffn_gate_inp), a position/token-type embedding or one of a few
// small architecture-specific tensors. Everything else keeps its source type.
bool isQuantizableTensor(std::string_view name, const std::array<int64_t, 4>& ne);

struct TensorChoiceInput {
    std::string_view name;
    std::array<int64_t, 4> ne{1, 1, 1, 1}; // ne[0] = row length
    DType sourceType = DType::F32;
    QuantMix mix = QuantMix::Q4_K_M;
    // ffn_down class (any name containing "ffn_down"): use_more_bits(ffnDownIndex, nLayer),
    // the index being the layer parsed from "blk.<i>." in MoE models, otherwise a running
    // counter of ffn_down tensors; nLayer = block_count.
    int ffnDownIndex = 0;
    int nLayer = 1;
    // attn_v class (attn_v, attn_qkv, attn_kv_b): a running counter over those tensors in
    // file order and their number.
    int attnVIndex = 0;
    int attnVCount = 1;
    int64_t nExpert = 0;         // {arch}.expert_count; 8 (Mixtral) has its own rules
    bool tiedEmbeddings = false; // no output.weight: token_embd is the output matrix too
    bool llama70B = false;       // llama.cpp's 70B model type: llama, 80 layers, GQA
};

struct TensorChoice {
    DType type = DType::F32;
    // Why, for --dry-run: e.g. "attn_v more bits (3 of 18)",
    // "default; fallback: ne0 640 not a multiple of 256 (Q4_K -> Q5_0)".
    std::string reason;
};

// The type llama-quantize would store this tensor in (ENGINE_FACTS 2.4), with the fallback
// for row lengths the chosen type cannot hold. Tensors that are not quantizable (or have an
// integer type) keep sourceType.
TensorChoice chooseTensor(const TensorChoiceInput& in);
inline DType chooseTensorType(const TensorChoiceInput& in) {
    return chooseTensor(in).type;
}

// What the rules need from a model's metadata.
struct QuantizeModelInfo {
    std::string arch;    // general.architecture
    int nLayer = 0;      // {arch}.block_count (or 1 + the largest blk.<i> index)
    int64_t nExpert = 0; // {arch}.expert_count
    bool llama70B = false;
};
// Throws Error(Format) naming the key when a present key has an unusable value.
QuantizeModelInfo quantizeModelInfo(const gguf::File& file);

struct TensorPlan {
    std::string name;
    uint32_t nDims = 0;
    std::array<int64_t, 4> ne{1, 1, 1, 1};
    DType sourceType = DType::F32;
    DType targetType = DType::F32;
    std::string reason;
    uint64_t sourceBytes = 0;
    uint64_t targetBytes = 0;
    bool changes() const { return sourceType != targetType; }
};

struct QuantizePlan {
    QuantMix mix = QuantMix::Q4_K_M;
    std::vector<TensorPlan> tensors; // file order
    uint64_t sourceBytes = 0;        // tensor data before and after
    uint64_t targetBytes = 0;
    uint64_t nElements = 0;
};

// One TensorPlan per tensor, in file order. Throws Error(Unsupported) when a tensor that would
// change type is already quantized (re-quantizing loses accuracy twice; start from the
// F32/F16/BF16 original), naming the tensor, its type and the type it would get; a tensor
// already in its planned type is copied unchanged. Throws Error(Format) when an MoE ffn_down
// tensor's name carries no layer index in [0, nLayer).
QuantizePlan planQuantization(const gguf::File& file, QuantMix mix);
// The same from tensor infos alone (name, nDims, ne, type; offsets and data are not used):
// plans for a model shaped like a file without needing its bytes.
QuantizePlan planQuantization(const std::vector<gguf::TensorInfo>& tensors,
                              const QuantizeModelInfo& info, QuantMix mix,
                              const std::string& fileName = "<tensors>");

struct QuantizeProgress {
    size_t tensorIndex = 0; // tensor being written (0-based)
    size_t tensorCount = 0;
    std::string_view tensorName;
    uint64_t doneElements = 0; // over all tensors
    uint64_t totalElements = 0;
    float fraction() const {
        return totalElements ? float(double(doneElements) / double(totalElements)) : 1.0f;
    }
};

struct QuantizeOptions {
    int threads = 0; // 0 = all hardware threads
    // Called on the calling thread, after each tensor and every few MB within big ones.
    std::function<void(const QuantizeProgress&)> onProgress;
    // Set from any thread to stop: quantizeModel then throws Error(Cancelled) and leaves no
    // output file behind.
    const std::atomic<bool>* cancel = nullptr;
};

// Reads inPath, writes outPath (through a temporary file renamed into place): every metadata
// key copied in order with general.file_type and general.quantization_version (= 2) set,
// tensors in file order, each converted or quantized row by row on `threads` threads, or
// copied when its type does not change. Returns the plan it carried out. Throws dw::Error:
// Io (files), Format (malformed input, a non-finite weight), Unsupported (see
// planQuantization), InvalidArgument (outPath is inPath, threads < 0), Cancelled.
QuantizePlan quantizeModel(const std::string& inPath, const std::string& outPath, QuantMix mix,
                           const QuantizeOptions& options = {});

} // namespace dw
