// The reference router (ENGINE_FACTS 4.0 steps 2-8) against hand-worked cases, and the MoE
// layer (grouping tokens by expert, combining, shared experts) against hand formulas.
#include "deepwell/error.h"
#include "reference/ref_moe.h"

#include <QtTest>

#include <cmath>
#include <optional>
#include <random>
#include <set>

using namespace dw;
using ref::Gating;
using ref::RouterParams;
using ref::Vec;

namespace {

template <typename F> std::optional<ErrorCode> errorOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return std::nullopt;
}

// Logits whose softmax is v / sum(v): hand-worked cases then reason on the integers v.
Vec logLogits(const std::vector<double>& v) {
    Vec l;
    for (double x : v) l.push_back(std::log(x));
    return l;
}

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

bool near(double a, double b, double tol = 1e-14) {
    return std::abs(a - b) <= tol * std::max(1.0, std::abs(b));
}

// A weight matrix [k, n] of F32 values kept alive by the test.
struct F32Matrix {
    std::vector<float> values;
    ref::Matrix view(int64_t k, int64_t n) const {
        return ref::Matrix{DType::F32, k, n, reinterpret_cast<const uint8_t*>(values.data()), {}};
    }
};

} // namespace

class TestReferenceRouter : public QObject {
    Q_OBJECT
private slots:
    void softmaxTopK() {
        // probs = {1, 2, 3, 4} / 10; top-2 = experts 3, 2 with 0.4, 0.3.
        const Vec logits = logLogits({1, 2, 3, 4});
        ref::Routing r = ref::route(logits, {}, RouterParams{.nUsed = 2});
        QCOMPARE(r.ids, (std::vector<int32_t>{3, 2}));
        QVERIFY(near(r.weights[0], 0.4) && near(r.weights[1], 0.3));
        // Renormalised: 4/7, 3/7. Scaled by 2.5 (and the 0 / 1 scales are no-ops).
        r = ref::route(logits, {}, RouterParams{.nUsed = 2, .normalize = true});
        QVERIFY(near(r.weights[0], 4.0 / 7) && near(r.weights[1], 3.0 / 7));
        r = ref::route(logits, {}, RouterParams{.nUsed = 2, .normalize = true, .scale = 2.5});
        QVERIFY(near(r.weights[0], 10.0 / 7) && near(r.weights[1], 7.5 / 7));
        r = ref::route(logits, {}, RouterParams{.nUsed = 2, .scale = 2.5});
        QVERIFY(near(r.weights[0], 1.0) && near(r.weights[1], 0.75));
        for (double noop : {0.0, 1.0}) {
            r = ref::route(logits, {}, RouterParams{.nUsed = 2, .scale = noop});
            QVERIFY(near(r.weights[0], 0.4) && near(r.weights[1], 0.3));
        }
    }

    void tiesGoToTheLowerIndex() {
        const Vec equal(5, 0.7);
        QCOMPARE(ref::route(equal, {}, RouterParams{.nUsed = 3}).ids,
                 (std::vector<int32_t>{0, 1, 2}));
        const Vec some{0, 2, 2, 1, 2};
        QCOMPARE(ref::route(some, {}, RouterParams{.nUsed = 2}).ids, (std::vector<int32_t>{1, 2}));
        QCOMPARE(ref::route(some, {}, RouterParams{.nUsed = 4}).ids,
                 (std::vector<int32_t>{1, 2, 4, 3}));
    }

    void topKEqualsExpertCount() {
        const Vec logits{0.3, -1.0, 2.0, 0.3};
        const ref::Routing r = ref::route(logits, {}, RouterParams{.nUsed = 4});
        QCOMPARE(r.ids, (std::vector<int32_t>{2, 0, 3, 1})); // every expert, best first
        double sum = 0;
        for (double w : r.weights) sum += w;
        QVERIFY(near(sum, 1.0)); // softmax weights of all experts
    }

    void singleExpert() {
        const ref::Routing s = ref::route({-3.0}, {}, RouterParams{});
        QCOMPARE(s.ids, (std::vector<int32_t>{0}));
        QCOMPARE(s.weights, (Vec{1.0}));
        const ref::Routing g = ref::route({-3.0}, {}, RouterParams{.gating = Gating::Sigmoid});
        QVERIFY(near(g.weights[0], sigmoid(-3.0)));
        const ref::Routing p = ref::route({0.0}, {}, RouterParams{.gating = Gating::SqrtSoftplus});
        QVERIFY(near(p.weights[0], std::sqrt(std::log(2.0)))); // sqrt(softplus(0)) = sqrt(ln 2)
    }

    void experts257() {
        // An awkward expert count: the chosen 8 are the 8 best (checked by counting), in order.
        std::mt19937_64 rng(257);
        std::normal_distribution<double> nd;
        Vec logits(257);
        for (double& l : logits) l = nd(rng);
        const ref::Routing r = ref::route(logits, {}, RouterParams{.nUsed = 8});
        QCOMPARE(r.ids.size(), size_t(8));
        double denom = 0;
        for (double l : logits) denom += std::exp(l);
        for (size_t j = 0; j < 8; ++j) {
            const double mine = logits[size_t(r.ids[j])];
            int better = 0;
            for (double l : logits) better += l > mine;
            QCOMPARE(better, int(j)); // exactly j experts score higher
            QVERIFY(near(r.weights[j], std::exp(mine) / denom, 1e-12));
        }
    }

    void groupLimited_data() {
        // Experts 0..7 with probs v / 36, v = {6, 1, 5, 4, 2, 8, 3, 7}; group score = the sum
        // of a group's 2 best (its only one for groups of 1).
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("nGroup");
        QTest::addColumn<int>("topkGroup");
        QTest::addColumn<std::vector<int32_t>>("ids");
        // No grouping: 8, 7, 6 -> experts 5, 7, 0.
        QTest::newRow("1 group of 8") << 3 << 1 << 1 << std::vector<int32_t>{5, 7, 0};
        // {6,1,5,4} 11 vs {2,8,3,7} 15: keep group 1 -> 8, 7, 3 -> experts 5, 7, 6.
        QTest::newRow("2 groups of 4") << 3 << 2 << 1 << std::vector<int32_t>{5, 7, 6};
        // {6,1} 7, {5,4} 9, {2,8} 10, {3,7} 10: keep the 3 best (group 0 out) -> 8, 7, 5.
        QTest::newRow("4 groups of 2") << 3 << 4 << 3 << std::vector<int32_t>{5, 7, 2};
        // Groups of one: the 3 kept groups are the 3 best experts: as without groups.
        QTest::newRow("8 groups of 1") << 3 << 8 << 3 << std::vector<int32_t>{5, 7, 0};
    }

    void groupLimited() {
        QFETCH(int, k);
        QFETCH(int, nGroup);
        QFETCH(int, topkGroup);
        QFETCH(std::vector<int32_t>, ids);
        const std::vector<double> v{6, 1, 5, 4, 2, 8, 3, 7};
        const RouterParams p{.nUsed = k, .nGroup = nGroup, .topkGroup = topkGroup};
        const ref::Routing r = ref::route(logLogits(v), {}, p);
        QCOMPARE(r.ids, ids);
        for (size_t j = 0; j < ids.size(); ++j) QVERIFY(near(r.weights[j], v[ids[j]] / 36.0));
    }

    void groupTieGoesToTheLowerGroup() {
        // Groups {1, 3}, {8, 2}, {2, 8}: groups 1 and 2 tie exactly (10); keeping one, the
        // lower index wins, so the top-2 are experts 2 and 3 (not 5 and 4).
        const std::vector<double> v{1, 3, 8, 2, 2, 8};
        const RouterParams p{.nUsed = 2, .nGroup = 3, .topkGroup = 1};
        QCOMPARE(ref::route(logLogits(v), {}, p).ids, (std::vector<int32_t>{2, 3}));
    }

    void groupLimitedEveryDivisor_data() {
        QTest::addColumn<int>("nExpert");
        QTest::addColumn<int>("nGroup");
        for (int n : {12, 256}) {
            for (int g = 1; g <= n; ++g) {
                if (n % g == 0) QTest::addRow("%d experts, %d groups", n, g) << n << g;
            }
        }
    }

    // Every group size that divides the expert count, with sigmoid + bias (V3-style): the
    // chosen experts lie in kept groups, and each kept group beats (or ties with a higher
    // index) every dropped one on its top-2 selection sum.
    void groupLimitedEveryDivisor() {
        QFETCH(int, nExpert);
        QFETCH(int, nGroup);
        std::mt19937_64 rng(uint64_t(nExpert * 1000 + nGroup));
        std::normal_distribution<double> nd;
        Vec logits(static_cast<size_t>(nExpert)), bias(static_cast<size_t>(nExpert));
        for (double& l : logits) l = nd(rng);
        for (double& b : bias) b = 0.1 * nd(rng);
        const int size = nExpert / nGroup;
        const int topkGroup = std::max(1, nGroup / 2);
        const int k = std::min(8, topkGroup * size);
        const RouterParams p{.nUsed = k,
                             .gating = Gating::Sigmoid,
                             .nGroup = nGroup,
                             .topkGroup = topkGroup,
                             .normalize = true};
        const ref::Routing r = ref::route(logits, bias, p);
        QCOMPARE(int(r.ids.size()), k);
        auto groupScore = [&](int g) {
            std::vector<double> s;
            for (int e = g * size; e < (g + 1) * size; ++e)
                s.push_back(sigmoid(logits[e]) + bias[e]);
            std::sort(s.rbegin(), s.rend());
            return s[0] + (size > 1 ? s[1] : 0.0);
        };
        std::set<int> chosenGroups;
        for (int32_t e : r.ids) chosenGroups.insert(e / size);
        QVERIFY(int(chosenGroups.size()) <= topkGroup);
        // At most topkGroup - 1 groups are strictly better than any group an expert came from.
        for (int g : chosenGroups) {
            int better = 0;
            for (int o = 0; o < nGroup; ++o) better += groupScore(o) > groupScore(g);
            QVERIFY(better < topkGroup);
        }
        double sum = 0;
        for (double w : r.weights) sum += w;
        QVERIFY(near(sum, 1.0, 1e-12)); // renormalised
    }

    void biasChangesChoiceNotWeight() {
        // sigmoid {0, 1, 2, -1} = {0.5, 0.73, 0.88, 0.27}; a bias of +1 on expert 3 makes it
        // the first choice (1.27), but its weight stays sigmoid(-1).
        const Vec logits{0, 1, 2, -1};
        const RouterParams p{.nUsed = 1, .gating = Gating::Sigmoid};
        QCOMPARE(ref::route(logits, {}, p).ids, (std::vector<int32_t>{2}));
        const ref::Routing r = ref::route(logits, {0, 0, 0, 1}, p);
        QCOMPARE(r.ids, (std::vector<int32_t>{3}));
        QVERIFY(near(r.weights[0], sigmoid(-1.0)));
        // Renormalised over the two chosen, still from the unbiased scores.
        const ref::Routing n = ref::route(
            logits, {0, 0, 0, 1}, {.nUsed = 2, .gating = Gating::Sigmoid, .normalize = true});
        QCOMPARE(n.ids, (std::vector<int32_t>{3, 2}));
        const double sum = sigmoid(-1.0) + sigmoid(2.0);
        QVERIFY(near(n.weights[0], sigmoid(-1.0) / sum) && near(n.weights[1], sigmoid(2.0) / sum));
    }

    void renormalisationFloor() {
        // Sigmoid weights summing to ~3e-9 are divided by 2^-14, not by their sum.
        const Vec logits{-20.0, -20.5, -30.0};
        const ref::Routing r =
            ref::route(logits, {}, {.nUsed = 2, .gating = Gating::Sigmoid, .normalize = true});
        QCOMPARE(ref::kRenormFloor, 6.103515625e-5);
        QVERIFY(near(r.weights[0], sigmoid(-20.0) / ref::kRenormFloor));
        QVERIFY(near(r.weights[1], sigmoid(-20.5) / ref::kRenormFloor));
    }

    void badParameters() {
        const auto invalid = std::optional(ErrorCode::InvalidArgument);
        const Vec four{1, 2, 3, 4};
        QCOMPARE(errorOf([&] { ref::route(four, {}, {.nUsed = 5}); }), invalid);
        QCOMPARE(errorOf([&] { ref::route(four, {}, {.nUsed = 0}); }), invalid);
        QCOMPARE(errorOf([&] { ref::route(four, {1, 2}, {.nUsed = 1}); }), invalid);
        QCOMPARE(errorOf([&] { ref::route(four, {}, {.nUsed = 1, .nGroup = 3}); }), invalid);
        QCOMPARE(errorOf([&] { ref::route(four, {}, {.nUsed = 1, .nGroup = 2, .topkGroup = 3}); }),
                 invalid);
        QCOMPARE(errorOf([&] { ref::route(four, {}, {.nUsed = 3, .nGroup = 2, .topkGroup = 1}); }),
                 invalid); // only 2 experts left in the kept group
        QCOMPARE(errorOf([&] { ref::route({}, {}, {}); }), invalid);
    }

    void moeLayerByHand() {
        // nEmbd 2, 3 experts of width 1: FFN_e(x) = d_e silu(g_e . x) (u_e . x). Router rows
        // make token {1, 0} prefer expert 0 then 1, token {0, 1} expert 1 then 0: expert 2 is
        // chosen by no token. Its matrices are of a type the reference cannot read, so the test
        // also shows it is never run.
        const F32Matrix router{{4, 0, 0, 4, -9, -9}};
        const F32Matrix g0{{1, 0}}, u0{{0.5f, 1}}, d0{{1, -1}};
        const F32Matrix g1{{0, 2}}, u1{{1, 1}}, d1{{2, 0}};
        const std::vector<uint8_t> unreadable(144, 0); // one Q4_K row of 256
        const ref::Matrix never{DType::Q4_K, 256, 1, unreadable.data(), {}};
        ref::MoeWeights w;
        w.router = router.view(2, 3);
        w.gate = {g0.view(2, 1), g1.view(2, 1), never};
        w.up = {u0.view(2, 1), u1.view(2, 1), never};
        w.down = {d0.view(1, 2), d1.view(1, 2), never};
        const std::vector<Vec> xs{{1, 0}, {0, 1}};
        std::vector<ref::Routing> routes;
        const RouterParams p{.nUsed = 2, .normalize = true};
        const std::vector<Vec> out = ref::moeForward(w, p, xs, &routes);
        QCOMPARE(routes[0].ids, (std::vector<int32_t>{0, 1}));
        QCOMPARE(routes[1].ids, (std::vector<int32_t>{1, 0}));
        // Token 0: logits {4, 0, -9}; token 1: {0, 4, -9}. Renormalised top-2 weights.
        const double a = std::exp(4.0) / (std::exp(4.0) + 1.0); // the other expert adds 0
        auto silu = [](double x) { return x / (1 + std::exp(-x)); };
        // x = {1, 0}: FFN_0 = d0 silu(1) 0.5; FFN_1 = d1 silu(0) 1 = 0.
        const Vec e0{silu(1.0) * 0.5, -silu(1.0) * 0.5};
        QVERIFY(near(out[0][0], a * e0[0]) && near(out[0][1], a * e0[1]));
        // x = {0, 1}: FFN_0 = d0 silu(0) 1 = 0; FFN_1 = d1 silu(2) 1.
        QVERIFY(near(out[1][0], a * 2 * silu(2.0)) && near(out[1][1], 0.0));
        // A single token gets the same as in the batch: tokens never mix.
        const std::vector<Vec> single = ref::moeForward(w, p, {xs[1]});
        QCOMPARE(single.size(), size_t(1));
        QCOMPARE(single[0], out[1]);
        // A shared expert (qwen2moe style) adds sigmoid(gate . x) * its SwiGLU to every token.
        const F32Matrix sg{{1, 1}}, su{{1, 0}}, sd{{0, 3}};
        w.sharedGate = sg.view(2, 1);
        w.sharedUp = su.view(2, 1);
        w.sharedDown = sd.view(1, 2);
        w.sharedGateInp = {0.5, -1};
        const std::vector<Vec> withShared = ref::moeForward(w, p, xs);
        // token 0: shared = sigmoid(0.5) * {0, 3 silu(1) 1}; token 1: up = 0 -> nothing.
        QVERIFY(near(withShared[0][1], out[0][1] + sigmoid(0.5) * 3 * silu(1.0)));
        QVERIFY(near(withShared[1][1], out[1][1]));
        w.sharedGateInp.clear(); // deepseek style: added unweighted
        const std::vector<Vec> plain = ref::moeForward(w, p, xs);
        QVERIFY(near(plain[0][1], out[0][1] + 3 * silu(1.0)));
    }
};

QTEST_APPLESS_MAIN(TestReferenceRouter)
#include "tst_reference_router.moc"
