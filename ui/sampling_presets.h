#pragma once
// Named sampling presets of a chat session. Precise/Balanced/Creative are fixed tables;
// Custom keeps whatever the user set. Stored in settings by their stable key, never by index.
#include "deepwell/sampler.h"

#include <QString>

namespace dw {

enum class SamplingPreset { Precise, Balanced, Creative, Custom };

inline constexpr SamplingPreset kAllSamplingPresets[] = {
    SamplingPreset::Precise, SamplingPreset::Balanced, SamplingPreset::Creative,
    SamplingPreset::Custom};

// The parameters of a named preset (Custom: the engine's defaults, a starting point).
SamplingParams presetParams(SamplingPreset preset);
QString presetDisplayName(SamplingPreset preset); // translated
QString presetKey(SamplingPreset preset);         // "precise", ... (settings)
bool presetFromKey(const QString& key, SamplingPreset& out);
// The named preset whose table equals `params` (seed ignored), or Custom.
SamplingPreset matchPreset(const SamplingParams& params);

} // namespace dw
