#include "model/forward.h"

namespace dw::model {

cpu::RopeConfig ropeConfigForLayer(const Model::Impl& model, int il) {
    const HParams& hp = model.hp;
    cpu::RopeConfig c;
    c.style = archInfo(hp.arch).rope;
    c.nRot = hp.nRot;
    const bool local = hp.layerIsSwa[size_t(il)];
    // gemma3 local layers: their own base and never any scaling (ENGINE_FACTS 4.5).
    c.freqBase = local ? hp.ropeBaseSwa : hp.ropeBase;
    if (!local && hp.ropeScalingType != "none") c.freqScale = 1.0f / hp.ropeFactor;
    if (!local && hp.ropeScalingType == "yarn") {
        c.extFactor = 1.0f;
        c.nCtxOrig = int(hp.ropeCtxOrig);
    }
    c.freqFactors = model.weights.ropeFreqs.empty() ? nullptr : model.weights.ropeFreqs.data();
    return c;
}

#ifndef DW_HAVE_CUDA
std::unique_ptr<Forward> makeCudaForward(const Model::Impl&, int64_t, int64_t) { return nullptr; }
std::string cudaUnavailableReason() { return "this build has no CUDA backend"; }
#endif

} // namespace dw::model
