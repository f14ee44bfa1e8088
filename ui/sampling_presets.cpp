#include "sampling_presets.h"

#include <QCoreApplication>

namespace dw {

namespace {

struct PresetRow {
    SamplingPreset preset;
    const char* key;
    const char* name; // translated in the "dw::SamplingPreset" context
    float temperature;
    int topK;
    float topP;
    float minP;
    float repeatPenalty;
};

// Precise: near-greedy for facts and code; Balanced: everyday chat; Creative: more varied
// wording. The penalty window stays the engine's default (64 tokens).
constexpr PresetRow kRows[] = {
    {SamplingPreset::Precise, "precise", QT_TRANSLATE_NOOP("dw::SamplingPreset", "Precise"), 0.2f, 20, 0.80f, 0.10f, 1.05f},
    {SamplingPreset::Balanced, "balanced", QT_TRANSLATE_NOOP("dw::SamplingPreset", "Balanced"), 0.7f, 40, 0.95f, 0.05f, 1.10f},
    {SamplingPreset::Creative, "creative", QT_TRANSLATE_NOOP("dw::SamplingPreset", "Creative"), 1.0f, 100, 0.98f, 0.02f, 1.00f},
    {SamplingPreset::Custom, "custom", QT_TRANSLATE_NOOP("dw::SamplingPreset", "Custom"), 0.8f, 40, 0.95f, 0.05f, 1.00f},
};

const PresetRow& row(SamplingPreset p) {
    for (const PresetRow& r : kRows)
        if (r.preset == p) return r;
    return kRows[1];
}

} // namespace

SamplingParams presetParams(SamplingPreset preset) {
    const PresetRow& r = row(preset);
    SamplingParams s;
    s.temperature = r.temperature;
    s.topK = r.topK;
    s.topP = r.topP;
    s.minP = r.minP;
    s.repeatPenalty = r.repeatPenalty;
    return s;
}

QString presetDisplayName(SamplingPreset preset) {
    return QCoreApplication::translate("dw::SamplingPreset", row(preset).name);
}

QString presetKey(SamplingPreset preset) { return QString::fromLatin1(row(preset).key); }

bool presetFromKey(const QString& key, SamplingPreset& out) {
    for (const PresetRow& r : kRows) {
        if (key == QLatin1String(r.key)) {
            out = r.preset;
            return true;
        }
    }
    return false;
}

SamplingPreset matchPreset(const SamplingParams& p) {
    for (const PresetRow& r : kRows) {
        if (r.preset == SamplingPreset::Custom) continue;
        if (p.temperature == r.temperature && p.topK == r.topK && p.topP == r.topP &&
            p.minP == r.minP && p.repeatPenalty == r.repeatPenalty &&
            p.presencePenalty == 0.0f && p.frequencyPenalty == 0.0f)
            return r.preset;
    }
    return SamplingPreset::Custom;
}

} // namespace dw
