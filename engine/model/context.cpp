// Context: a KV cache and a backend's forward pass for one sequence, driven chunk by chunk.
#include "core/log.h"
#include "deepwell/error.h"
#include "model/forward.h"

#include <algorithm>

namespace dw {

const char* deviceKindName(DeviceKind d) {
    switch (d) {
    case DeviceKind::Auto: return "auto";
    case DeviceKind::Cpu: return "cpu";
    case DeviceKind::Cuda: return "cuda";
    }
    return "?";
}

struct Context::Impl {
    Impl(std::shared_ptr<const Model> m, const ContextOptions& o)
        : model(std::move(m)), hp(model->hparams()), nBatch(std::max<int64_t>(1, o.nBatch)) {
        nCtx = o.nCtx > 0 ? o.nCtx : hp.nCtxTrain;
        if (nCtx <= 0 || nCtx > (int64_t(1) << 24))
            throw Error(ErrorCode::InvalidArgument,
                        "context size " + std::to_string(nCtx) + " is outside 1..16777216");
        // The CUDA forward pass compiles and is tested against the CPU, but it has not yet
        // run on a GPU (no device was available when it was written), so Auto stays on the
        // CPU until it has; --device cuda opts in.
        constexpr bool kCudaValidated = false;
        if (o.device == DeviceKind::Auto && !kCudaValidated && model::cudaUnavailableReason(&model->impl()).empty())
            log().info("running on the CPU: the CUDA backend is not validated on a GPU yet (use --device cuda to try it)");
        else if (o.device != DeviceKind::Cpu) {
            const std::string why = model::cudaUnavailableReason(&model->impl());
            if (why.empty()) {
                try {
                    forward = model::makeCudaForward(model->impl(), nCtx, nBatch);
                } catch (const Error& e) { // e.g. out of GPU memory: Auto falls back
                    if (o.device == DeviceKind::Cuda) throw;
                    log().warn("running on the CPU: {}", e.what());
                }
            } else if (o.device == DeviceKind::Cuda) {
                throw Error(ErrorCode::Unsupported, "the GPU cannot be used: " + why);
            } else {
                log().info("running on the CPU: {}", why);
            }
        }
        if (!forward) {
            model::KvConfig kv;
            kv.nBlocks = (nCtx + kv.blockSize - 1) / kv.blockSize;
            forward = model::makeCpuForward(model->impl(), kv, o.nThreads);
        }
    }

    std::shared_ptr<const Model> model;
    const HParams& hp;
    int64_t nBatch;
    int64_t nCtx = 0;
    int64_t nPast = 0;
    std::unique_ptr<model::Forward> forward;
    std::vector<float> logits, lastLogits;
};

Context::Context(std::shared_ptr<const Model> model, const ContextOptions& options)
    : m(std::make_unique<Impl>(std::move(model), options)) {}
Context::~Context() = default;

void Context::eval(const int32_t* tokens, int64_t n, LogitsMode mode,
                   const std::function<void(int64_t, const float*)>& onLogits) {
    if (n <= 0) return;
    if (m->nPast + n > m->nCtx)
        throw Error(ErrorCode::InvalidArgument,
                    "the context holds " + std::to_string(m->nCtx) + " tokens; " +
                        std::to_string(m->nPast) + " are used and " + std::to_string(n) +
                        " more do not fit (use a larger context, -c)");
    const int64_t V = m->hp.nVocab;
    for (int64_t i = 0; i < n; ++i)
        if (tokens[i] < 0 || tokens[i] >= V)
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(tokens[i]) +
                                                        " is outside the vocabulary (0.." +
                                                        std::to_string(V - 1) + ")");
    constexpr int64_t kLogitRows = 32; // rows of logits computed at once (bounds memory)
    for (int64_t off = 0; off < n; off += m->nBatch) {
        const int64_t T = std::min(m->nBatch, n - off);
        m->forward->run(tokens + off, T, m->nPast);
        m->nPast += T;
        const bool lastChunk = off + T == n;
        if (mode == LogitsMode::All) {
            for (int64_t r = 0; r < T; r += kLogitRows) {
                const int64_t re = std::min(T, r + kLogitRows);
                m->logits.resize(size_t((re - r) * V));
                m->forward->logits(r, re, m->logits.data());
                if (onLogits)
                    for (int64_t i = r; i < re; ++i) onLogits(off + i, m->logits.data() + (i - r) * V);
                if (lastChunk && re == T)
                    m->lastLogits.assign(m->logits.end() - V, m->logits.end());
            }
        } else if (mode == LogitsMode::Last && lastChunk) {
            m->lastLogits.resize(size_t(V));
            m->forward->logits(T - 1, T, m->lastLogits.data());
            if (onLogits) onLogits(n - 1, m->lastLogits.data());
        }
    }
}

const std::vector<float>& Context::lastLogits() const { return m->lastLogits; }
int64_t Context::nPast() const { return m->nPast; }
int64_t Context::nCtx() const { return m->nCtx; }
int Context::nThreads() const { return m->forward->nThreads(); }
std::vector<std::vector<uint64_t>> Context::expertSelectionCounts() const {
    return m->forward->expertCounts();
}
void Context::resetExpertSelectionCounts() { m->forward->resetExpertCounts(); }
std::string Context::deviceName() const { return m->forward->deviceName(); }
const Model& Context::model() const { return *m->model; }

void Context::truncate(int64_t n) {
    if (n < 0 || n > m->nPast)
        throw Error(ErrorCode::InvalidArgument, "cannot truncate the context to " +
                                                    std::to_string(n) + " tokens (it holds " +
                                                    std::to_string(m->nPast) + ")");
    m->nPast = n;
}

} // namespace dw
