// The sampler chain: greedy, each truncation step, penalties, temperature, reproducibility.
#include "deepwell/sampler.h"

#include <QtTest>

#include <cmath>
#include <map>
#include <set>

using namespace dw;

namespace {

SamplingParams off() {
    SamplingParams p;
    p.temperature = 1.0f;
    p.topK = 0;
    p.topP = 1.0f;
    p.minP = 0.0f;
    return p;
}

// Draws n tokens (fresh history each time) and counts them.
std::map<int32_t, int> histogram(const SamplingParams& p, const std::vector<float>& logits, int n) {
    Sampler s(p);
    std::map<int32_t, int> h;
    for (int i = 0; i < n; ++i) ++h[s.sample(logits.data(), int64_t(logits.size()))];
    return h;
}

} // namespace

class TestSampler : public QObject {
    Q_OBJECT
private slots:
    void greedyPicksFirstMaximum() {
        SamplingParams p;
        p.temperature = 0.0f;
        Sampler s(p);
        std::vector<float> l = {0.1f, 3.0f, -1.0f, 3.0f, 2.9f};
        QCOMPARE(s.sample(l.data(), 5), 1);
        l = {-5.0f, -4.0f, -4.5f};
        QCOMPARE(s.sample(l.data(), 3), 1);
    }

    void topKKeepsOnlyK() {
        auto p = off();
        p.topK = 2;
        const auto h = histogram(p, {1.0f, 0.9f, 0.8f, 0.7f, 5.0f}, 2000);
        QCOMPARE(std::set<int32_t>({4, 0}), [&] { std::set<int32_t> k; for (auto& [id, n] : h) k.insert(id); return k; }());
    }

    void topPKeepsSmallestPrefix() {
        auto p = off();
        p.topP = 0.7f; // probabilities 0.5, 0.3, 0.2 -> keep the first two (0.8 >= 0.7)
        const std::vector<float> l = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
        const auto h = histogram(p, l, 4000);
        QVERIFY(h.count(2) == 0);
        QVERIFY(h.at(0) > 0 && h.at(1) > 0);
        // Renormalised 0.5/0.8 vs 0.3/0.8: token 0 drawn about 62.5% of the time.
        const double frac = double(h.at(0)) / 4000.0;
        QVERIFY2(std::fabs(frac - 0.625) < 0.04, qPrintable(QString::number(frac)));
    }

    void minPDropsUnlikely() {
        auto p = off();
        p.minP = 0.3f; // p relative to max: 1, 0.5, 0.25 -> drop the last
        const std::vector<float> l = {std::log(4.0f), std::log(2.0f), std::log(1.0f)};
        const auto h = histogram(p, l, 3000);
        QVERIFY(h.count(2) == 0);
        QVERIFY(h.count(1) == 1);
    }

    void temperatureSharpens() {
        auto p = off();
        const std::vector<float> l = {1.0f, 0.0f};
        p.temperature = 0.25f; // p0 = 1/(1+e^-4) = 0.982
        auto h = histogram(p, l, 4000);
        QVERIFY(double(h[0]) / 4000.0 > 0.96);
        p.temperature = 4.0f; // p0 = 1/(1+e^-0.25) = 0.562
        h = histogram(p, l, 4000);
        QVERIFY(std::fabs(double(h[0]) / 4000.0 - 0.562) < 0.04);
    }

    void repetitionPenaltyDividesPositiveMultipliesNegative() {
        SamplingParams p;
        p.temperature = 0.0f;
        p.repeatPenalty = 2.0f;
        Sampler s(p);
        // Token 0 (logit 3) was seen: 3/2 = 1.5 < 2 -> token 1 wins.
        s.accept(0);
        std::vector<float> l = {3.0f, 2.0f, -1.0f};
        QCOMPARE(s.sample(l.data(), 3), 1);
        // Negative logits get multiplied: -1 * 2 = -2 < -1.5.
        Sampler s2(p);
        s2.accept(0);
        l = {-1.0f, -1.5f};
        QCOMPARE(s2.sample(l.data(), 2), 1);
    }

    void presenceAndFrequencyPenalties() {
        SamplingParams p;
        p.temperature = 0.0f;
        p.frequencyPenalty = 0.5f;
        p.presencePenalty = 0.25f;
        Sampler s(p);
        s.accept(0);
        s.accept(0); // count 2: 3.0 - (2*0.5 + 0.25) = 1.75 < 2.0
        std::vector<float> l = {3.0f, 2.0f};
        QCOMPARE(s.sample(l.data(), 2), 1);
        Sampler s1(p);
        s1.accept(0); // count 1: 3.0 - 0.75 = 2.25 > 2.0
        QCOMPARE(s1.sample(l.data(), 2), 0);
    }

    void penaltyWindowForgetsOldTokens() {
        SamplingParams p;
        p.temperature = 0.0f;
        p.repeatPenalty = 10.0f;
        p.penaltyLastN = 2;
        Sampler s(p);
        s.accept(0);
        s.accept(5);
        s.accept(6); // token 0 left the window
        std::vector<float> l = {3.0f, 2.0f};
        QCOMPARE(s.sample(l.data(), 2), 0);
    }

    void seededAndReproducible() {
        SamplingParams p;
        p.seed = 1234;
        std::vector<float> l(50);
        for (size_t i = 0; i < l.size(); ++i) l[i] = std::sin(float(i)) * 2.0f;
        Sampler a(p), b(p);
        std::vector<int32_t> ra, rb;
        for (int i = 0; i < 200; ++i) {
            ra.push_back(a.sample(l.data(), 50));
            rb.push_back(b.sample(l.data(), 50));
        }
        QCOMPARE(ra, rb);
        a.reset();
        std::vector<int32_t> again;
        for (int i = 0; i < 200; ++i) again.push_back(a.sample(l.data(), 50));
        QCOMPARE(again, ra);
        p.seed = 99;
        Sampler c(p);
        std::vector<int32_t> rc;
        for (int i = 0; i < 200; ++i) rc.push_back(c.sample(l.data(), 50));
        QVERIFY(rc != ra);
    }
};

QTEST_APPLESS_MAIN(TestSampler)
#include "tst_sampler.moc"
