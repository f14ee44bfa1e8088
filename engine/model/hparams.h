#pragma once
#include "deepwell/model.h"

namespace dw::gguf {
class File;
}

namespace dw::model {

// Reads {arch}.* keys (ENGINE_FACTS 3.2, 4.x) with llama.cpp's defaults. Throws Error(Format)
// naming a missing or ill-typed key, Error(Unsupported) for an unknown architecture.
HParams readHParams(const gguf::File& file, int64_t nVocab);

// Bytes of weights one decode step reads (memory_estimate.cpp): the figure behind the
// bandwidth bound of `bench`, Model::weightBytesPerToken and estimateMemory.
uint64_t decodeReadBytes(const gguf::File& file, const HParams& hp);

class KeyReader;
struct ArchInfo;
// Parts of readHParams (hparams_moe.cpp): expert settings when {arch}.expert_count is set,
// and DeepSeek's latent attention with its YaRN scales.
void readMoeParams(const KeyReader& r, const ArchInfo& arch, HParams& hp);
void readMlaParams(const KeyReader& r, HParams& hp);

} // namespace dw::model
