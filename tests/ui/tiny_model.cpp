// Writes the synthetic test model. Kept apart from every Qt header: deepwell/gguf.h (pulled
// in by synth.h) declares a member named `emit`, which Qt defines as a macro.
#include "deepwell/synth.h"

#include <string>

namespace dwtest {

void writeTinyModelFile(const std::string& path, int64_t nCtxTrain) {
    dw::synth::SynthSpec spec = dw::synth::synthPreset("tiny-gemma3");
    spec.nCtxTrain = nCtxTrain;
    dw::synth::writeSynthModel(spec, path);
}

} // namespace dwtest
