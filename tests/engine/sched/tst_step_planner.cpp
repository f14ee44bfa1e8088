// Step planning: decode tokens first, prompt chunks under the budget, oldest first.
#include "sched/step_planner.h"

#include <QtTest>

using namespace dw::sched;

class TestStepPlanner : public QObject {
    Q_OBJECT
private slots:
    void decodeFirstThenChunks() {
        const std::vector<SeqState> seqs = {{1, 0, 5000}, {2, 1, 0}, {3, 2, 0}, {4, 3, 300}};
        const auto plan = planStep(seqs, {256, 8});
        QCOMPARE(plan.chunks.size(), size_t(3));
        QCOMPARE(plan.chunks[0].id, uint64_t(2));
        QVERIFY(plan.chunks[0].decode);
        QCOMPARE(plan.chunks[1].id, uint64_t(3));
        QCOMPARE(plan.chunks[2].id, uint64_t(1)); // oldest prompt takes the rest of the budget
        QCOMPARE(plan.chunks[2].tokens, int64_t(254));
        QCOMPARE(plan.totalTokens, int64_t(256));
    }

    void smallPromptsShareTheBudget() {
        const std::vector<SeqState> seqs = {{1, 0, 100}, {2, 1, 50}, {3, 2, 400}};
        const auto plan = planStep(seqs, {256, 8});
        QCOMPARE(plan.chunks.size(), size_t(3));
        QCOMPARE(plan.chunks[0].tokens, int64_t(100));
        QCOMPARE(plan.chunks[1].tokens, int64_t(50));
        QCOMPARE(plan.chunks[2].tokens, int64_t(106));
    }

    void decodeCapAndBudget() {
        std::vector<SeqState> seqs;
        for (uint64_t i = 0; i < 10; ++i) seqs.push_back({i, i, 0});
        auto plan = planStep(seqs, {256, 4});
        QCOMPARE(plan.chunks.size(), size_t(4));
        plan = planStep(seqs, {3, 8}); // budget smaller than the decoders
        QCOMPARE(plan.chunks.size(), size_t(3));
        QCOMPARE(plan.chunks[0].id, uint64_t(0));
    }

    void aRunningChatAdvancesEveryStepDuringALongPrefill() {
        // Simulate: a 16,000-token prompt arrives while a chat decodes. With a budget of 64,
        // the chat gets a token in every step until the prompt is done (N = 1 step).
        std::vector<SeqState> seqs = {{1, 0, 0}, {2, 1, 16000}};
        int steps = 0, chatTokens = 0;
        while (seqs[1].promptRemaining > 0) {
            const auto plan = planStep(seqs, {64, 8});
            bool chat = false;
            for (const auto& c : plan.chunks) {
                if (c.id == 1) chat = true;
                if (c.id == 2) seqs[1].promptRemaining -= c.tokens;
            }
            QVERIFY(chat);
            ++steps;
            ++chatTokens;
        }
        QCOMPARE(steps, 16000 / 63 + 1);
        QCOMPARE(chatTokens, steps);
    }
};

QTEST_APPLESS_MAIN(TestStepPlanner)
#include "tst_step_planner.moc"
