#pragma once
// What a model will need before it is loaded: read from the GGUF header and metadata alone
// (the file is mapped and validated, no tensor data is touched), so the model manager can
// show it against the free RAM / VRAM and the monitor can set it beside the actual figure.
#include <cstdint>
#include <string>

namespace dw {

struct MemoryEstimate {
    std::string name;            // general.name or the file name
    std::string architecture;    // general.architecture
    uint64_t parameters = 0;
    uint64_t weightBytes = 0;    // every tensor (mapped from the file)
    uint64_t kvBytesPerToken = 0;
    int64_t contextTokens = 0;   // the context the figures below are for
    uint64_t kvCacheBytes = 0;   // kvBytesPerToken * contextTokens (f32 cache)
    uint64_t activationBytes = 0; // scratch of a 256-token prefill chunk + a 32-row logits block
    uint64_t totalBytes() const { return weightBytes + kvCacheBytes + activationBytes; }
    uint64_t weightBytesPerToken = 0; // read by one decode step
};

// Throws dw::Error (Io, Format, Unsupported) like Model::load for a file it cannot use.
MemoryEstimate estimateMemory(const std::string& path, int64_t contextTokens);

} // namespace dw
