// Writes synthetic models for the monitor tests. Kept apart from every Qt header:
// deepwell/gguf.h (pulled in by synth.h) declares a member named `emit`, which Qt defines as a
// macro.
#include "deepwell/synth.h"

#include <string>

namespace dwtest {

void writeMonitorModel(const std::string& preset, const std::string& path) {
    dw::synth::writeSynthModel(dw::synth::synthPreset(preset), path);
}

} // namespace dwtest
