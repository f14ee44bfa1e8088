// Submitting from 8 threads at once while cancelling at random: no deadlock, no lost
// callback, every request finishes exactly once. Also run under ThreadSanitizer (tests/tsan).
#include "deepwell/engine.h"
#include "deepwell/synth.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

using namespace dw;

class TestEngineThreads : public QObject {
    Q_OBJECT
private slots:
    void concurrentSubmitAndCancel() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/m.gguf").toStdString();
        synth::writeSynthModel(synth::synthPreset("tiny-llama"), path);
        auto model = Model::load(path);
        EngineOptions eo;
        eo.nThreads = 2;
        eo.kvTokens = 2048;
        eo.blockSize = 16;
        eo.stepTokenBudget = 32;

        constexpr int kThreads = 8, kPerThread = 25;
        std::mutex mutex;
        std::map<RequestId, int> finishes; // guarded by mutex
        std::atomic<int> tokensSeen{0};
        std::vector<RequestId> allIds;     // guarded by mutex
        {
            Engine engine(model, eo);
            std::vector<std::thread> threads;
            for (int t = 0; t < kThreads; ++t) {
                threads.emplace_back([&, t] {
                    std::mt19937 rng(uint32_t(1000 + t));
                    for (int i = 0; i < kPerThread; ++i) {
                        RequestOptions r;
                        for (int k = 0; k < 5 + int(rng() % 20); ++k) r.tokens.push_back(int32_t(3 + rng() % 200));
                        r.generate.maxTokens = 1 + int(rng() % 16);
                        r.generate.sampling.seed = rng();
                        RequestCallbacks cb;
                        cb.onTokens = [&](const TokenEvent&) { tokensSeen.fetch_add(1); };
                        // The id is known only after submit() returns: the callback waits for it.
                        auto id = std::make_shared<std::atomic<RequestId>>(0);
                        auto ready = std::make_shared<std::atomic<bool>>(false);
                        cb.onFinish = [&, id, ready](const FinishEvent&) {
                            while (!ready->load()) std::this_thread::yield();
                            std::lock_guard<std::mutex> lock(mutex);
                            ++finishes[id->load()];
                        };
                        const RequestId rid = engine.submit(std::move(r), std::move(cb));
                        id->store(rid);
                        ready->store(true);
                        {
                            std::lock_guard<std::mutex> lock(mutex);
                            allIds.push_back(rid);
                        }
                        if (rng() % 3 == 0) {
                            RequestId victim;
                            {
                                std::lock_guard<std::mutex> lock(mutex);
                                victim = allIds[rng() % allIds.size()];
                            }
                            engine.cancel(victim);
                        }
                    }
                });
            }
            for (auto& th : threads) th.join();
            // Wait (bounded) until everything has finished, then let the destructor run.
            for (int waited = 0; waited < 6000; ++waited) {
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    if (finishes.size() == size_t(kThreads * kPerThread)) break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        std::lock_guard<std::mutex> lock(mutex);
        QCOMPARE(allIds.size(), size_t(kThreads * kPerThread));
        QCOMPARE(finishes.size(), size_t(kThreads * kPerThread));
        for (const auto& [id, n] : finishes) QCOMPARE(n, 1);
        QVERIFY(tokensSeen.load() > 0);
    }
};

QTEST_GUILESS_MAIN(TestEngineThreads)
#include "tst_engine_threads.moc"
