#include "model/forward.h"

#include "deepwell/error.h"

#include "deepwell/device_info.h"

namespace dw::model {

void Forward::runBatch(const Batch&) {
    throw Error(ErrorCode::Unsupported,
                "the " + deviceName() + " backend does not run batches of several sequences yet");
}

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
    c.attnFactor = hp.ropeAttnFactor;
    c.freqFactors = model.weights.ropeFreqs.empty() ? nullptr : model.weights.ropeFreqs.data();
    return c;
}

#ifndef DW_HAVE_CUDA // forward_cuda.cpp defines these when the CUDA backend is built
std::unique_ptr<Forward> makeCudaForward(const Model::Impl&, int64_t, int64_t) { return nullptr; }
std::string cudaUnavailableReason(const Model::Impl*) { return "this build has no CUDA backend"; }
#endif

} // namespace dw::model

#ifndef DW_HAVE_CUDA
namespace dw {
GpuInfo gpuInfo() {
    GpuInfo g;
    g.reason = "no GPU: this build has no CUDA backend";
    return g;
}
} // namespace dw
#endif
