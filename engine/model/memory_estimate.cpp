// estimateMemory: the figures of deepwell/memory_estimate.h from the GGUF header alone.
#include "deepwell/memory_estimate.h"

#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "model/forward.h"
#include "model/hparams.h"

#include <algorithm>
#include <filesystem>

namespace dw {
namespace model {

uint64_t decodeReadBytes(const gguf::File& file, const HParams& hp) {
    // A decode step reads every tensor once (norms included), the embedding matrix only
    // when it is also the output (one embedding row aside), and nExpertUsed of the nExpert
    // routed experts of a stacked expert tensor.
    const bool tied = file.findTensor("output.weight") == nullptr;
    uint64_t total = 0;
    for (const auto& t : file.tensors()) {
        if (t.name == "token_embd.weight" && !tied) continue;
        if (t.name.find("_exps.") != std::string::npos && hp.moe.nExpert > 0)
            total += t.nBytes / uint64_t(hp.moe.nExpert) * uint64_t(hp.moe.nExpertUsed);
        else
            total += t.nBytes;
    }
    return total;
}

} // namespace model

MemoryEstimate estimateMemory(const std::string& path, int64_t contextTokens) {
    const auto file = gguf::File::open(path);
    const gguf::TensorInfo* embd = file->findTensor("token_embd.weight");
    if (!embd) throw Error(ErrorCode::Format, path + ": no tensor token_embd.weight; is this a language model?");
    const HParams hp = model::readHParams(*file, embd->ne[1]);

    MemoryEstimate e;
    e.name = file->getString("general.name").value_or(std::filesystem::path(path).filename().string());
    e.architecture = file->getString("general.architecture").value_or("");
    e.contextTokens = contextTokens;
    for (const auto& t : file->tensors()) {
        e.parameters += uint64_t(t.nElements());
        e.weightBytes += t.nBytes;
    }
    e.weightBytesPerToken = model::decodeReadBytes(*file, hp);
    e.kvBytesPerToken = model::cpuKvBytesPerToken(hp);
    e.kvCacheBytes = e.kvBytesPerToken * uint64_t(std::max<int64_t>(0, contextTokens));
    // Activations of a 256-token prefill chunk plus a 32-row logits block, as Context sizes them.
    int64_t maxFf = 0;
    for (auto f : hp.nFf) maxFf = std::max(maxFf, f);
    e.activationBytes = uint64_t(256) * uint64_t(4 * hp.nEmbd + 2 * maxFf + 3 * hp.nHead[0] * hp.headDimK) * 4 +
                        uint64_t(32) * uint64_t(hp.nVocab) * 4;
    return e;
}

} // namespace dw
