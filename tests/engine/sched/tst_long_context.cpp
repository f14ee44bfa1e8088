// Long-context mode on the real model (Gemma 3 270M) with the context set to 512: over a
// 4,096-token text the KV memory stays at its bound (sinks + window + one step's chunk), and
// perplexity is no worse than 1.5x the figure for the first 512 tokens.
#include "deepwell/engine.h"
#include "engine_test_util.h"

#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace dw;

namespace {

std::string modelPath() {
    if (const char* p = std::getenv("DEEPWELL_MODEL"); p && *p) return p;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + "/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf";
}

} // namespace

class TestLongContext : public QObject {
    Q_OBJECT
private slots:
    void boundedMemoryAndPerplexity() {
        const std::string path = modelPath();
        if (!std::filesystem::exists(path)) {
            const char* r = std::getenv("DEEPWELL_REQUIRE_MODEL");
            if (r && std::string(r) == "1") QFAIL(qPrintable(QString::fromStdString("model missing: " + path)));
            QSKIP("Gemma 3 270M not found; run scripts/fetch_default_model.sh");
        }
        auto model = Model::load(path);
        std::ifstream in(std::string(DW_TEST_DATA_DIR) + "/text/pride_and_prejudice_ch1-3.txt");
        std::stringstream text;
        text << in.rdbuf();
        auto tokens = model->tokenizer().encode(text.str(), true, false);
        QVERIFY(tokens.size() >= 4096);
        tokens.resize(4096);

        // Baseline: the first 512 tokens in an ordinary 512-token context.
        double firstSum = 0.0;
        {
            ContextOptions co;
            co.nCtx = 512;
            co.nBatch = 256;
            co.device = DeviceKind::Cpu;
            Context ctx(model, co);
            const int64_t V = model->hparams().nVocab;
            ctx.eval(tokens.data(), 512, LogitsMode::All, [&](int64_t i, const float* l) {
                if (i + 1 >= 512) return;
                double maxv = l[0], sum = 0.0;
                for (int64_t j = 1; j < V; ++j) maxv = std::max(maxv, double(l[j]));
                for (int64_t j = 0; j < V; ++j) sum += std::exp(double(l[j]) - maxv);
                firstSum += double(l[tokens[size_t(i + 1)]]) - maxv - std::log(sum);
            });
        }
        const double pplFirst = std::exp(-firstSum / 511.0);

        EngineOptions eo;
        eo.kvTokens = 4096 + 512; // room to spare: the bound must come from the window, not the pool
        eo.blockSize = 32;
        eo.maxContext = 512;
        eo.stepTokenBudget = 256;
        Engine engine(model, eo);
        RequestOptions r;
        r.tokens = tokens;
        r.longContext = true;
        r.sinkTokens = 4;
        r.promptLogprobs = true;
        r.generate.maxTokens = 1;
        r.generate.sampling.temperature = 0.0f;
        Collector c;
        engine.submit(r, c.callbacks());
        const Collected got = c.wait(600);
        QCOMPARE(got.finishes, 1);
        QCOMPARE(got.finish.reason, FinishReason::Length);
        QCOMPARE(got.promptLogprobs.size(), size_t(4095));
        double sum = 0.0;
        for (float lp : got.promptLogprobs) sum += lp;
        const double pplLong = std::exp(-sum / 4095.0);
        // Bound: one sink block + the 480-position window (16 blocks when unaligned) + the
        // step's 256-token chunk (8 blocks) + one partial block.
        const int64_t boundBlocks = 1 + 16 + 8 + 1;
        const EngineStats s = engine.stats();
        qInfo("perplexity first 512: %.3f, long-context 4096: %.3f (ratio %.3f); KV peak %lld blocks (bound %lld, pool %lld)",
              pplFirst, pplLong, pplLong / pplFirst, (long long)s.kvBlocksPeakUsed, (long long)boundBlocks,
              (long long)s.kvBlocksTotal);
        QVERIFY2(s.kvBlocksPeakUsed <= boundBlocks, qPrintable(QString::number(s.kvBlocksPeakUsed)));
        QVERIFY2(pplLong <= 1.5 * pplFirst, qPrintable(QString("%1 vs %2").arg(pplLong).arg(pplFirst)));
    }
};

QTEST_GUILESS_MAIN(TestLongContext)
#include "tst_long_context.moc"
