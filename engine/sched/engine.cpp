// The serving engine: a scheduler thread that runs continuous batching over one model.
#include "deepwell/engine.h"

#include "core/log.h"
#include "deepwell/error.h"
#include "kv/block_pool.h"
#include "kv/prefix_index.h"
#include "model/forward.h"
#include "model/model_impl.h"
#include "sched/engine_impl.h"

namespace dw {

Engine::Engine(std::shared_ptr<const Model> model, const EngineOptions& options)
    : m(std::make_unique<Impl>(std::move(model), options)) {
    m->start();
}

Engine::~Engine() { m->stop(); }

RequestId Engine::submit(RequestOptions request, RequestCallbacks callbacks) {
    return m->submit(std::move(request), std::move(callbacks));
}

void Engine::cancel(RequestId id) { m->cancel(id); }
EngineStats Engine::stats() const { return m->stats(); }
std::vector<std::vector<uint64_t>> Engine::expertSelectionCounts() const { return m->expertSelectionCounts(); }
void Engine::resetExpertCounts() { m->resetExpertCounts(); }
MetricsSnapshot Engine::metrics() const { return m->metrics.snapshot(); }
LedgerSnapshot Engine::memory() const { return m->ledger.snapshot(); }
const Model& Engine::model() const { return *m->model; }
const EngineOptions& Engine::options() const { return m->options; }

} // namespace dw
