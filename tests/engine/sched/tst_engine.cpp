// The serving engine on synthetic models: batching does not change results, cancellation
// frees everything, prefixes are shared, long prompts are prefilled in chunks while chats
// keep decoding, long-context mode keeps KV memory bounded.
#include "deepwell/engine.h"
#include "deepwell/synth.h"
#include "engine_test_util.h"

#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <random>

using namespace dw;

namespace {

std::vector<int32_t> randomTokens(size_t n, int64_t nVocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> t(n);
    for (auto& x : t) x = int32_t(3 + rng() % uint32_t(nVocab - 3)); // skip the special ids
    return t;
}

RequestOptions greedy(std::vector<int32_t> prompt, int maxTokens) {
    RequestOptions r;
    r.tokens = std::move(prompt);
    r.generate.maxTokens = maxTokens;
    r.generate.sampling.temperature = 0.0f;
    return r;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<const Model> m_model;

    EngineOptions options(int64_t kvTokens = 4096) {
        EngineOptions o;
        o.nThreads = 2;
        o.kvTokens = kvTokens;
        o.blockSize = 16;
        o.stepTokenBudget = 64;
        return o;
    }

private slots:
    void initTestCase() {
        auto spec = synth::synthPreset("tiny-qwen3");
        spec.nCtxTrain = 32768;
        const std::string path = (m_dir.path() + "/m.gguf").toStdString();
        synth::writeSynthModel(spec, path);
        m_model = Model::load(path);
    }

    void batchedEqualsAlone() {
        // 8 requests with different prompts: the greedy output of each is the same whether it
        // runs alone or batched with the 7 others.
        std::vector<std::vector<int32_t>> prompts;
        for (uint32_t i = 0; i < 8; ++i) prompts.push_back(randomTokens(5 + 7 * i, m_model->hparams().nVocab, 100 + i));
        std::vector<Collected> alone;
        {
            Engine e(m_model, options());
            for (const auto& p : prompts) {
                Collector c;
                e.submit(greedy(p, 24), c.callbacks());
                alone.push_back(c.wait());
            }
        }
        Engine e(m_model, options());
        std::vector<std::unique_ptr<Collector>> cs;
        for (const auto& p : prompts) {
            cs.push_back(std::make_unique<Collector>());
            e.submit(greedy(p, 24), cs.back()->callbacks());
        }
        for (size_t i = 0; i < prompts.size(); ++i) {
            const Collected got = cs[i]->wait();
            QCOMPARE(got.finishes, 1);
            QCOMPARE(got.finish.reason, FinishReason::Length);
            QCOMPARE(got.tokens.size(), size_t(24));
            QCOMPARE(got.tokens, alone[i].tokens);
            QCOMPARE(got.text, alone[i].text);
        }
        QVERIFY(e.stats().steps < 8 * 25); // they really ran together
    }

    void prefixIsShared() {
        // A second request on the same 2,000-token prefix evaluates only its new suffix, and
        // its output equals the output without sharing.
        const auto prefix = randomTokens(2000, m_model->hparams().nVocab, 7);
        auto first = prefix, second = prefix;
        const auto s1 = randomTokens(20, m_model->hparams().nVocab, 8);
        const auto s2 = randomTokens(30, m_model->hparams().nVocab, 9);
        first.insert(first.end(), s1.begin(), s1.end());
        second.insert(second.end(), s2.begin(), s2.end());

        Collected unshared;
        {
            Engine e(m_model, options());
            Collector c;
            e.submit(greedy(second, 16), c.callbacks());
            unshared = c.wait();
        }
        Engine e(m_model, options());
        Collector c1;
        e.submit(greedy(first, 16), c1.callbacks());
        QCOMPARE(c1.wait().finishes, 1);
        const int64_t evaluatedBefore = e.stats().promptTokensEvaluated;
        Collector c2;
        e.submit(greedy(second, 16), c2.callbacks());
        const Collected shared = c2.wait();
        const int64_t evaluated = e.stats().promptTokensEvaluated - evaluatedBefore;
        // Whole 16-token blocks of the prefix are reused: at most one partial block plus the
        // new suffix is evaluated.
        QCOMPARE(shared.finish.timings.cachedPromptTokens, int64_t(2000 / 16 * 16));
        QCOMPARE(evaluated, int64_t(second.size()) - shared.finish.timings.cachedPromptTokens);
        QVERIFY(evaluated < 64);
        QCOMPARE(shared.tokens, unshared.tokens);
        QVERIFY(e.stats().prefixHits >= 1);
    }

    void chunkedPrefillKeepsChatsDecoding() {
        // While a 16,000-token prompt is prefilled in chunks of the 64-token budget, a running
        // chat gets a token at every step (N = 1, set by the budget; asserted on step counts).
        Engine e(m_model, options(20000));
        Collector chat, doc;
        auto chatReq = greedy(randomTokens(8, m_model->hparams().nVocab, 1), 1500);
        e.submit(chatReq, chat.callbacks());
        // Let the chat start decoding first.
        QTRY_VERIFY_WITH_TIMEOUT(e.stats().generatedTokens >= 2, 60000);
        auto docReq = greedy(randomTokens(16000, m_model->hparams().nVocab, 2), 1);
        e.submit(docReq, doc.callbacks());
        const Collected d = doc.wait(300);
        const Collected c = chat.wait(300);
        QCOMPARE(d.finishes, 1);
        QCOMPARE(c.finishes, 1);
        qInfo("chat: %zu tokens (%s), steps %lld..%lld; document first token at step %lld",
              c.tokens.size(), finishReasonName(c.finish.reason), (long long)c.tokenSteps.front(),
              (long long)c.tokenSteps.back(), (long long)d.tokenSteps.front());
        // The document's prefill took ~16000/63 steps; count the chat's tokens in that span.
        const int64_t docFirst = d.tokenSteps.front() - 16000 / 63;
        int64_t inSpan = 0;
        for (size_t i = 1; i < c.tokenSteps.size(); ++i) {
            if (c.tokenSteps[i] > docFirst && c.tokenSteps[i] <= d.tokenSteps.front()) {
                QCOMPARE(c.tokenSteps[i] - c.tokenSteps[i - 1], int64_t(1)); // a token every step
                ++inSpan;
            }
        }
        QVERIFY2(inSpan >= 150, qPrintable(QString::number(inSpan)));
    }

    void cancelFreesEverything() {
        // 1,000 seeded random submit/cancel/finish events: afterwards no block is in use.
        Engine e(m_model, options(2048));
        const LedgerSnapshot before = e.memory();
        std::mt19937 rng(2026);
        int submitted = 0;
        std::vector<std::pair<RequestId, std::unique_ptr<Collector>>> live;
        const auto shared = randomTokens(40, m_model->hparams().nVocab, 3);
        int finished = 0;
        for (int event = 0; event < 1000; ++event) {
            const uint32_t what = rng() % 3;
            if (what == 0 || live.empty()) {
                auto prompt = (rng() % 2) ? shared : randomTokens(10 + rng() % 60, m_model->hparams().nVocab, rng());
                if (prompt == shared) prompt.push_back(int32_t(5 + rng() % 100));
                auto c = std::make_unique<Collector>();
                const RequestId id = e.submit(greedy(prompt, int(1 + rng() % 12)), c->callbacks());
                ++submitted;
                live.emplace_back(id, std::move(c));
            } else {
                const size_t i = rng() % live.size();
                if (what == 1) e.cancel(live[i].first);
                const Collected got = live[i].second->wait();
                QCOMPARE(got.finishes, 1);
                live.erase(live.begin() + std::ptrdiff_t(i));
                ++finished;
            }
        }
        for (auto& [id, c] : live) {
            e.cancel(id);
            QCOMPARE(c->wait().finishes, 1);
        }
        QTRY_COMPARE_WITH_TIMEOUT(e.stats().running + e.stats().waiting, int64_t(0), 30000);
        const EngineStats s = e.stats();
        QCOMPARE(s.kvBlocksUsed, int64_t(0));
        QCOMPARE(s.kvBlocksFree + s.kvBlocksCached, s.kvBlocksTotal);
        QVERIFY(finished > 200);
        // The ledger is back to its starting figures, and the KV pool shows nothing in use.
        const LedgerSnapshot after = e.memory();
        const auto* h0 = before.device(MemoryDevice::host());
        const auto* h1 = after.device(MemoryDevice::host());
        QVERIFY(h0 && h1);
        // (Activations aside: the forward pass keeps its buffers at the largest batch seen.)
        for (size_t c = 0; c < kLedgerCategoryCount; ++c)
            if (c != size_t(LedgerCategory::Activations))
                QCOMPARE(h1->categories[c].current, h0->categories[c].current);
        QCOMPARE(after.pools.size(), size_t(1));
        QCOMPARE(after.pools[0].usage.used, uint64_t(0));
        // Every request is counted exactly once among the finish reasons.
        const MetricsSnapshot m = e.metrics();
        uint64_t total = 0;
        for (auto n : m.requestsFinished) total += n;
        QCOMPARE(total, uint64_t(submitted));
    }

    void ledgerBackToZeroAfterUnload() {
        // The program's ledger outlives the engine: while it runs the categories add up to
        // the total and name what it holds; afterwards every category is back to zero.
        auto ledger = std::make_shared<MemoryLedger>();
        auto host = [&] {
            const LedgerSnapshot snap = ledger->snapshot();
            const LedgerDeviceUsage* h = snap.device(MemoryDevice::host());
            return h ? *h : LedgerDeviceUsage{};
        };
        {
            EngineOptions o = options();
            o.ledger = ledger;
            Engine e(m_model, o);
            Collector c;
            const RequestId id = e.submit(greedy(randomTokens(100, m_model->hparams().nVocab, 8), 100000), c.callbacks());
            QTRY_VERIFY_WITH_TIMEOUT(e.stats().generatedTokens > 5, 30000);
            const EngineStats st = e.stats();
            QCOMPARE(st.kvPerRequest.size(), size_t(1));
            QCOMPARE(st.kvPerRequest[0].id, id);
            QVERIFY(st.kvPerRequest[0].tokens > 100);
            QCOMPARE(st.kvPerRequest[0].blocks, (st.kvPerRequest[0].tokens + 15) / 16);
            const LedgerDeviceUsage h = host();
            uint64_t sum = 0;
            for (const auto& c2 : h.categories) sum += c2.current;
            QCOMPARE(sum, h.totalBytes);
            QCOMPARE(h[LedgerCategory::Weights].current, m_model->weightBytes());
            QCOMPARE(h[LedgerCategory::KvCache].current, m_model->kvBytesPerToken() * 4096);
            QVERIFY(h[LedgerCategory::Activations].current > 0);
            QCOMPARE(e.memory().device(MemoryDevice::host())->totalBytes, h.totalBytes);
            e.cancel(id);
            QCOMPARE(c.wait().finish.reason, FinishReason::Cancelled);
        }
        const LedgerDeviceUsage after = host();
        for (const auto& c : after.categories) QCOMPARE(c.current, uint64_t(0));
        QCOMPARE(after.totalBytes, uint64_t(0));
        QVERIFY(ledger->snapshot().pools.empty());
    }

    void expertCountsThroughTheEngine() {
        // A MoE model's selections per layer: every evaluated token picks nExpertUsed experts
        // in every MoE layer; dense layers have no row; reset zeroes them.
        auto spec = synth::synthPreset("tiny-deepseek");
        const std::string path = (m_dir.path() + "/moe.gguf").toStdString();
        synth::writeSynthModel(spec, path);
        auto moe = Model::load(path);
        const auto& hp = moe->hparams();
        Engine e(moe, options());
        QVERIFY(e.expertSelectionCounts().empty() || e.expertSelectionCounts()[0].empty());
        Collector c;
        e.submit(greedy(randomTokens(20, hp.nVocab, 6), 5), c.callbacks());
        QCOMPARE(c.wait().finishes, 1);
        // 20 prompt tokens and the 4 generated ones fed back (the 5th is never evaluated).
        const uint64_t perLayer = uint64_t(20 + 4) * uint64_t(hp.moe.nExpertUsed);
        // The figures are published after each step, so the finish callback may come first.
        auto selections = [&] {
            uint64_t total = 0;
            for (const auto& row : e.expertSelectionCounts())
                for (uint64_t n : row) total += n;
            return total;
        };
        int nMoeLayers = 0;
        for (int il = 0; il < hp.nLayer; ++il) nMoeLayers += hp.isMoeLayer(il) ? 1 : 0;
        QTRY_COMPARE_WITH_TIMEOUT(selections(), perLayer * uint64_t(nMoeLayers), 10000);
        const auto counts = e.expertSelectionCounts();
        QCOMPARE(counts.size(), size_t(hp.nLayer));
        for (int il = 0; il < hp.nLayer; ++il) {
            const auto& row = counts[size_t(il)];
            if (!hp.isMoeLayer(il)) {
                QVERIFY(row.empty());
                continue;
            }
            QCOMPARE(row.size(), size_t(hp.moe.nExpert));
            uint64_t sum = 0;
            for (uint64_t n : row) sum += n;
            QCOMPARE(sum, perLayer);
        }
        e.resetExpertCounts();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& row : e.expertSelectionCounts())
                    for (uint64_t n : row)
                        if (n) return false;
                return true;
            }(),
            10000);
    }

    void badRequestsFinishWithAnError() {
        Engine e(m_model, options(256));
        Collector empty, tooLong, badId;
        e.submit(greedy({}, 4), empty.callbacks());
        e.submit(greedy(randomTokens(300, m_model->hparams().nVocab, 4), 4), tooLong.callbacks());
        e.submit(greedy({1, int32_t(m_model->hparams().nVocab) + 5}, 4), badId.callbacks());
        for (Collector* c : {&empty, &tooLong, &badId}) {
            const Collected got = c->wait();
            QCOMPARE(got.finishes, 1);
            QCOMPARE(got.finish.reason, FinishReason::Error);
            QVERIFY(!got.finish.error.empty());
        }
    }

    void destructionFinishesEverything() {
        std::vector<std::unique_ptr<Collector>> cs;
        {
            Engine e(m_model, options());
            for (int i = 0; i < 5; ++i) {
                cs.push_back(std::make_unique<Collector>());
                e.submit(greedy(randomTokens(30, m_model->hparams().nVocab, uint32_t(i)), 10000), cs.back()->callbacks());
            }
        }
        for (auto& c : cs) {
            const Collected got = c->wait(1);
            QCOMPARE(got.finishes, 1);
            QCOMPARE(got.finish.reason, FinishReason::Cancelled);
        }
    }

    void chatMessagesUseTheTemplate() {
        Engine e(m_model, options());
        Collector c;
        RequestOptions r;
        r.messages = {{"user", "hello there", {}}};
        r.generate.maxTokens = 8;
        r.generate.sampling.temperature = 0.0f;
        e.submit(r, c.callbacks());
        const Collected got = c.wait();
        QCOMPARE(got.finishes, 1);
        QVERIFY(got.finish.timings.promptTokens > 3);
    }

    void promptLogprobs() {
        // Scoring a prompt through the engine equals the log-softmax of single-context logits.
        const auto prompt = randomTokens(40, m_model->hparams().nVocab, 12);
        Engine e(m_model, options());
        Collector c;
        auto r = greedy(prompt, 1);
        r.promptLogprobs = true;
        e.submit(r, c.callbacks());
        const Collected got = c.wait();
        QCOMPARE(got.promptLogprobs.size(), prompt.size() - 1);
        ContextOptions co;
        co.nCtx = 64;
        co.device = DeviceKind::Cpu;
        Context ctx(m_model, co);
        size_t checked = 0;
        ctx.eval(prompt.data(), int64_t(prompt.size()), LogitsMode::All, [&](int64_t i, const float* l) {
            if (i + 1 >= int64_t(prompt.size())) return;
            const int64_t V = m_model->hparams().nVocab;
            double maxv = l[0], sum = 0.0;
            for (int64_t j = 1; j < V; ++j) maxv = std::max(maxv, double(l[j]));
            for (int64_t j = 0; j < V; ++j) sum += std::exp(double(l[j]) - maxv);
            const double lp = double(l[prompt[size_t(i + 1)]]) - maxv - std::log(sum);
            QVERIFY(std::fabs(lp - got.promptLogprobs[size_t(i)]) < 1e-4);
            ++checked;
        });
        QCOMPARE(checked, prompt.size() - 1);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
