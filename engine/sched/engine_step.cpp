// One engine step: plan (decode tokens first, then prompt chunks under the token budget),
// reserve KV blocks (preempting the youngest sequences when the cache is full), run the batch
// through the forward pass, sample and stream.
#include "sched/engine_impl.h"

#include "deepwell/error.h"
#include "model/model_impl.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace dw {

using sched::Clock;
using sched::Sequence;

namespace {

// log softmax(logits)[target], in double for the sum.
float logProb(const float* logits, int64_t n, int32_t target) {
    float maxv = logits[0];
    for (int64_t i = 1; i < n; ++i) maxv = std::max(maxv, logits[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(double(logits[i] - maxv));
    return float(double(logits[target] - maxv) - std::log(sum));
}

} // namespace

bool Engine::Impl::reserve(Sequence& s, int64_t n) {
    if (s.request.longContext) {
        // Keep the sinks and the most recent positions; blocks in between are released.
        const int32_t sinkBlocks = kv::BlockTable::sinkBlocksFor(int32_t(s.request.sinkTokens), m_pool.blockSize());
        const int64_t window = std::max<int64_t>(m_pool.blockSize(),
                                                 contextLimit() - int64_t(sinkBlocks) * m_pool.blockSize());
        s.table.dropWindowedOut(sinkBlocks, int32_t(window));
    }
    return s.table.append(int32_t(n)) == kv::KvStatus::Ok;
}

void Engine::Impl::step() {
    const auto stepStart = Clock::now();
    std::vector<sched::SeqState> states;
    for (const Sequence& s : m_running)
        states.push_back({s.id, s.arrival, (s.prefilling() || s.pending() > 1) ? s.pending() : 0});
    const sched::StepPlan plan = sched::planStep(
        states, {options.stepTokenBudget, options.maxRunning});

    std::unordered_map<RequestId, Sequence*> byId;
    for (Sequence& s : m_running) byId[s.id] = &s;

    // Reserve KV for each planned chunk in plan order; when the cache is full, preempt the
    // youngest running sequence that has no tokens in this step yet.
    std::vector<std::pair<Sequence*, int64_t>> placed;
    for (const auto& chunk : plan.chunks) {
        auto found = byId.find(chunk.id);
        if (found == byId.end()) continue; // preempted by an earlier chunk of this step
        Sequence* s = found->second;
        bool ok = reserve(*s, chunk.tokens);
        while (!ok) {
            Sequence* victim = nullptr;
            for (Sequence& c : m_running) {
                if (&c == s) continue;
                if (std::any_of(placed.begin(), placed.end(), [&](const auto& p) { return p.first == &c; })) continue;
                if (!victim || c.arrival > victim->arrival) victim = &c;
            }
            if (!victim) break;
            byId.erase(victim->id);
            preempt(*victim);
            ok = reserve(*s, chunk.tokens);
        }
        if (!ok) {
            // Alone and still too big: the cache cannot hold this request.
            auto it = std::find_if(m_running.begin(), m_running.end(), [&](const Sequence& x) { return &x == s; });
            byId.erase(s->id);
            finish(m_running, it, FinishReason::Error,
                   "the KV cache (" + std::to_string(int64_t(m_pool.nBlocks()) * m_pool.blockSize()) +
                       " tokens) cannot hold this request; shorten it or use long-context mode");
            continue;
        }
        placed.push_back({s, chunk.tokens});
    }
    if (placed.empty()) return;

    // The batch: per sequence, its pending tokens; logits for each sequence's last token.
    m_batch.tokens.clear();
    m_batch.seqs.clear();
    struct LogitsRow {
        Sequence* s;
        int64_t pos;
    };
    std::vector<LogitsRow> wantLogits;
    for (auto& [s, n] : placed) {
        if (!s->started) {
            s->started = true;
            s->firstStep = stepStart;
        }
        model::BatchSeq bs;
        bs.blocks = s->table.blocks().data();
        if (s->request.longContext) {
            bs.sinkTokens = s->request.sinkTokens;
            const int32_t sinkBlocks = kv::BlockTable::sinkBlocksFor(int32_t(s->request.sinkTokens), m_pool.blockSize());
            bs.window = std::max<int64_t>(m_pool.blockSize(), contextLimit() - int64_t(sinkBlocks) * m_pool.blockSize());
        }
        const int32_t seqIndex = int32_t(m_batch.seqs.size());
        m_batch.seqs.push_back(bs);
        for (int64_t i = 0; i < n; ++i) {
            const int64_t pos = s->evaluated + i;
            const bool last = pos == int64_t(s->tokens.size()) - 1;
            // Prompt scoring: logits of every prompt position not reported yet.
            const bool score = s->request.promptLogprobs && pos < s->nPrompt - 1 && pos >= s->promptScored;
            m_batch.tokens.push_back({s->tokens[size_t(pos)], pos, seqIndex, last || score});
            if (last || score) wantLogits.push_back({s, pos});
        }
        if (s->prefilling()) {
            m_local.promptTokensEvaluated += n;
            metrics.recordPromptTokens(uint64_t(n));
        }
    }
    m_forward->runBatch(m_batch);
    ++m_local.steps;
    m_local.kvBlocksPeakUsed = std::max<int64_t>(m_local.kvBlocksPeakUsed, m_pool.usedCount());
    for (auto& [s, n] : placed) {
        s->evaluated += n;
        if (s->evaluated <= s->nPrompt) // share the prompt's full blocks while still running
            m_prefix.registerBlocks(s->table, std::span<const int32_t>(s->tokens.data(), size_t(s->evaluated)));
    }

    // Logits in groups of rows (one pass over the output matrix per group): prompt scoring
    // rows become log-probabilities, each sequence's last row is sampled.
    const int64_t V = model->hparams().nVocab;
    constexpr int64_t kRows = 32;
    std::unordered_map<Sequence*, TokenEvent> scored;
    std::vector<Sequence*> done;
    for (size_t r0 = 0; r0 < wantLogits.size(); r0 += kRows) {
        const size_t r1 = std::min(wantLogits.size(), r0 + kRows);
        m_logits.resize(size_t(int64_t(r1 - r0) * V));
        m_forward->logits(int64_t(r0), int64_t(r1), m_logits.data());
        for (size_t r = r0; r < r1; ++r) {
            auto [s, pos] = wantLogits[r];
            const float* row = m_logits.data() + int64_t(r - r0) * V;
            if (s->request.promptLogprobs && pos < s->nPrompt - 1 && pos >= s->promptScored) {
                TokenEvent& ev = scored[s];
                if (ev.promptLogprobs.empty()) ev.promptLogprobsFirst = pos + 1;
                ev.promptLogprobs.push_back(logProb(row, V, s->tokens[size_t(pos + 1)]));
                s->promptScored = pos + 1;
            }
            if (pos == int64_t(s->tokens.size()) - 1) {
                if (auto it = scored.find(s); it != scored.end()) { // report scores first
                    it->second.step = m_local.steps;
                    if (s->callbacks.onTokens) s->callbacks.onTokens(it->second);
                    scored.erase(it);
                }
                if (sample(*s, row)) done.push_back(s);
            }
        }
    }
    for (auto& [s, ev] : scored) {
        ev.step = m_local.steps;
        if (s->callbacks.onTokens) s->callbacks.onTokens(ev);
    }
    for (Sequence* s : done) {
        auto it = std::find_if(m_running.begin(), m_running.end(), [&](const Sequence& x) { return &x == s; });
        finish(m_running, it, s->stoppedByModel ? FinishReason::Stop : FinishReason::Length);
    }
}

bool Engine::Impl::sample(Sequence& s, const float* logits) {
    const Model& mdl = *model;
    const int64_t V = mdl.hparams().nVocab;
    const int32_t id = s.sampler->sample(logits, V);
    const auto now = Clock::now();
    if (s.generated == 0) {
        s.firstToken = now;
        metrics.recordTimeToFirstToken(std::chrono::duration<double>(now - s.submitted).count());
    } else {
        metrics.recordInterTokenLatency(std::chrono::duration<double>(now - s.lastToken).count());
    }
    s.lastToken = now;
    if (!s.request.generate.ignoreEos && mdl.tokenizer().isEog(id)) {
        s.stoppedByModel = true;
        return true;
    }
    TokenEvent ev;
    ev.step = m_local.steps;
    ev.tokens.push_back(id);
    if (s.request.topLogprobs > 0) {
        float maxv = logits[0];
        for (int64_t i = 1; i < V; ++i) maxv = std::max(maxv, logits[i]);
        double sum = 0.0;
        for (int64_t i = 0; i < V; ++i) sum += std::exp(double(logits[i] - maxv));
        const float logZ = maxv + float(std::log(sum));
        ev.chosen.push_back({id, logits[id] - logZ});
        std::vector<int32_t> idx(static_cast<size_t>(V));
        std::iota(idx.begin(), idx.end(), 0);
        const int k = int(std::min<int64_t>(s.request.topLogprobs, V));
        std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                          [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
        std::vector<TokenLogprob> top;
        for (int j = 0; j < k; ++j) top.push_back({idx[size_t(j)], logits[idx[size_t(j)]] - logZ});
        ev.top.push_back(std::move(top));
    }
    s.tokens.push_back(id);
    ++s.generated;
    ++m_local.generatedTokens;
    metrics.recordGeneratedTokens(1, now);
    s.sampler->accept(id);
    bool stopped = false;
    ev.text = s.stops.push(s.decoder->push(id), stopped);
    s.text += ev.text;
    if (s.callbacks.onTokens) s.callbacks.onTokens(ev);
    if (stopped) {
        s.stoppedByModel = true;
        return true;
    }
    const auto& g = s.request.generate;
    if (g.maxTokens >= 0 && s.generated >= g.maxTokens) return true;
    if (!s.request.longContext && int64_t(s.tokens.size()) >= contextLimit()) return true;
    return false;
}

} // namespace dw
