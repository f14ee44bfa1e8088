// KV bookkeeping, part 2: PrefixIndex (prefix sharing between block tables, cached blocks
// reused by later sequences, LRU eviction under pressure, the hash chain, the last-token rule,
// registration limits). No model, no device.
#include "kv_check.h"

#include "deepwell/error.h"

#include <QtTest>

#include <random>

using namespace dw;
using namespace dw::kv;

namespace {
using Tokens = std::vector<int32_t>;

Tokens randomTokens(uint64_t seed, size_t n) {
    std::mt19937_64 rng(seed);
    Tokens t(n);
    for (int32_t& x : t) x = static_cast<int32_t>(rng() % 50000);
    return t;
}

Tokens concat(Tokens a, const Tokens& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<BlockId> held(const BlockTable& t) {
    return {t.blocks().begin(), t.blocks().end()};
}

// A sequence as the scheduler would run it: look the prompt up, reserve the rest, "compute".
void startSequence(PrefixIndex& index, BlockTable& t, const Tokens& prompt, int expectReused) {
    const int32_t reused = index.attach(t, prompt);
    QCOMPARE(reused, expectReused);
    QCOMPARE(t.append(static_cast<int32_t>(prompt.size()) - reused), KvStatus::Ok);
}
} // namespace

class TestKvPrefix : public QObject {
    Q_OBJECT
private slots:
    void sharingAndReuseOfCachedPrefix() {
        BlockPool pool(16, 4);
        PrefixIndex index(pool);
        const Tokens p = randomTokens(1, 13); // 3 full blocks + 1 token
        BlockTable a(pool);
        startSequence(index, a, p, 0);
        QCOMPARE(index.registerBlocks(a, p), 3); // the partial 4th block is not listed
        QCOMPARE(index.size(), 3);
        // b shares a's first 3 blocks, then diverges.
        const Tokens q = concat(Tokens(p.begin(), p.begin() + 12), randomTokens(2, 5));
        BlockTable b(pool);
        startSequence(index, b, q, 12);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(b.block(i), a.block(i));
            QCOMPARE(pool.refCount(a.block(i)), 2);
        }
        QVERIFY(b.block(3) != a.block(3));
        QCOMPARE(test::checkAll(pool, {&a, &b}, &index), std::string());
        const std::vector<BlockId> prefixBlocks(a.blocks().begin(), a.blocks().begin() + 3);
        const BlockId aTail = a.block(3);
        a.releaseAll(); // cancel a: b keeps the shared blocks
        QCOMPARE(pool.state(aTail), BlockState::Free);
        for (BlockId id : prefixBlocks) {
            QCOMPARE(pool.refCount(id), 1);
            QCOMPARE(pool.state(id), BlockState::Used);
        }
        QCOMPARE(b.nTokens(), 17);
        QCOMPARE(test::checkAll(pool, {&a, &b}, &index), std::string());
        b.releaseAll(); // the listed prefix becomes cached, the rest free
        QCOMPARE(pool.cachedCount(), 3);
        QCOMPARE(pool.usedCount(), 0);
        for (BlockId id : prefixBlocks) QCOMPARE(pool.state(id), BlockState::Cached);
        // A third sequence with the same prompt revives the cached blocks.
        BlockTable c(pool);
        startSequence(index, c, p, 12);
        QCOMPARE(std::vector<BlockId>(c.blocks().begin(), c.blocks().begin() + 3), prefixBlocks);
        QCOMPARE(pool.cachedCount(), 0);
        QCOMPARE(test::checkAll(pool, {&a, &b, &c}, &index), std::string());
        const PrefixStats& s = index.stats();
        QCOMPARE(s.lookups, uint64_t(3));
        QCOMPARE(s.hits, uint64_t(2));
        QCOMPARE(s.tokensLookedUp, uint64_t(13 + 17 + 13));
        QCOMPARE(s.tokensReused, uint64_t(24));
        QCOMPARE(s.hitRate(), 2.0 / 3.0);
        QCOMPARE(s.tokenReuseRate(), 24.0 / 43.0);
    }

    void evictionPicksLeastRecentlyUsed() {
        BlockPool pool(6, 4);
        PrefixIndex index(pool);
        const Tokens pa = randomTokens(10, 9), pb = randomTokens(11, 9); // 2 full blocks + 1
        std::vector<BlockId> aBlocks, bBlocks;
        for (const Tokens* p : {&pa, &pb}) {
            BlockTable t(pool);
            startSequence(index, t, *p, 0);
            QCOMPARE(index.registerBlocks(t, *p), 2);
            (p == &pa ? aBlocks : bBlocks) = held(t);
        } // finished: released last block first, LRU = a1, a0, b1, b0
        QCOMPARE(pool.cachedCount(), 4);
        QCOMPARE(pool.freeCount(), 2);
        BlockTable pressure(pool);
        QCOMPARE(pressure.append(12), KvStatus::Ok); // 2 free + 1 eviction
        QCOMPARE(pool.evictions(), uint64_t(1));
        QVERIFY(!index.contains(aBlocks[1]));
        QVERIFY(index.contains(aBlocks[0]));
        QCOMPARE(index.match(pa).blocks, std::vector<BlockId>{aBlocks[0]});
        QCOMPARE(index.match(pb).nTokens, 8);
        QCOMPARE(index.stats().entriesDropped, uint64_t(1));
        // Using b's prefix makes it recent; the next eviction takes a0, not b's blocks.
        BlockTable e(pool);
        QCOMPARE(index.attach(e, pb), 8);
        e.releaseAll(); // LRU = a0, b1, b0
        QCOMPARE(pressure.append(4), KvStatus::Ok);
        QVERIFY(!index.contains(aBlocks[0]));
        QVERIFY(index.match(pa).blocks.empty());
        QCOMPARE(index.match(pb).blocks,
                 std::vector<BlockId>(bBlocks.begin(), bBlocks.begin() + 2));
        QCOMPARE(test::checkAll(pool, {&pressure, &e}, &index), std::string());
    }

    void hashChainDistinguishesPrefixes() {
        const Tokens x = randomTokens(20, 4), y = randomTokens(21, 4), z = randomTokens(22, 4);
        const uint64_t hx = PrefixIndex::chainHash(0, x), hz = PrefixIndex::chainHash(0, z);
        QVERIFY(hx != hz);
        QCOMPARE(PrefixIndex::chainHash(hx, y), PrefixIndex::chainHash(hx, y)); // deterministic
        QVERIFY(PrefixIndex::chainHash(hx, y) != PrefixIndex::chainHash(hz, y));
        QVERIFY(PrefixIndex::chainHash(0, y) != PrefixIndex::chainHash(1, y)); // salt
        // Same second block after a different first block: no reuse at all.
        BlockPool pool(8, 4);
        PrefixIndex index(pool);
        const Tokens xy = concat(concat(x, y), {7});
        BlockTable t(pool);
        startSequence(index, t, xy, 0);
        QCOMPARE(index.registerBlocks(t, xy), 2);
        QCOMPARE(index.match(concat(concat(z, y), {7})).nTokens, 0);
        QCOMPARE(index.match(concat(concat(x, y), {9})).nTokens, 8);
        QCOMPARE(index.match(concat(concat(x, z), {7})).nTokens, 4);
        QCOMPARE(index.match(concat(concat(x, y), {7}), /*salt=*/42).nTokens, 0);
    }

    void lastPromptTokenIsNeverReused_data() {
        QTest::addColumn<int>("promptLength"); // first min(n, 20) tokens of the cached sequence
        QTest::addColumn<int>("reused");
        QTest::newRow("1 token") << 1 << 0;
        QTest::newRow("exactly one block") << 4 << 0;
        QTest::newRow("one block + 1") << 5 << 4;
        QTest::newRow("exactly two blocks") << 8 << 4;
        QTest::newRow("two blocks + 1") << 9 << 8;
        QTest::newRow("whole cached sequence") << 20 << 16;
        QTest::newRow("cached sequence + 1") << 21 << 20;
        QTest::newRow("cached sequence + 7") << 27 << 20;
    }
    void lastPromptTokenIsNeverReused() {
        QFETCH(int, promptLength);
        QFETCH(int, reused);
        BlockPool pool(16, 4);
        PrefixIndex index(pool);
        const Tokens cached = randomTokens(30, 20); // 5 full blocks
        {
            BlockTable t(pool);
            startSequence(index, t, cached, 0);
            QCOMPARE(index.registerBlocks(t, cached), 5);
        }
        Tokens prompt = concat(cached, randomTokens(31, 7));
        prompt.resize(static_cast<size_t>(promptLength));
        BlockTable t(pool);
        QCOMPARE(index.attach(t, prompt), reused);
        QCOMPARE(t.nTokens(), reused);
        QVERIFY(reused < promptLength); // the last token is always evaluated
        QCOMPARE(index.match({}).nTokens, 0);
    }

    void registrationStopsAtDroppedBlocksAndPartialData() {
        BlockPool pool(32, 4);
        PrefixIndex index(pool);
        const Tokens p = randomTokens(40, 40);
        BlockTable t(pool);
        startSequence(index, t, p, 0);
        // Only 10 tokens computed so far: 2 full blocks.
        QCOMPARE(index.registerBlocks(t, std::span(p).first(10)), 2);
        QCOMPARE(index.registerBlocks(t, std::span(p).first(10)), 0);         // idempotent
        QCOMPARE(t.dropWindowedOut(/*sinkBlocks=*/3, /*windowTokens=*/8), 5); // blocks 3..7
        QCOMPARE(index.registerBlocks(t, p), 1); // block 2 only; block 3 was dropped
        QCOMPARE(index.size(), 3);
        QVERIFY(invalidArgumentOf(index, t, concat(p, {1})).contains("exceed"));
        BlockPool otherPool(4, 4);
        BlockTable foreign(otherPool);
        QVERIFY(invalidArgumentOf(index, foreign, {}).contains("another block pool"));
        QCOMPARE(test::checkAll(pool, {&t}, &index), std::string());
    }

    void duplicateContentKeepsTheOlderEntry() {
        BlockPool pool(8, 4);
        PrefixIndex index(pool);
        const Tokens p = randomTokens(50, 9);
        BlockTable a(pool), b(pool);
        startSequence(index, a, p, 0);
        startSequence(index, b, p, 0); // started before a registered: computed twice
        QCOMPARE(index.registerBlocks(a, p), 2);
        QCOMPARE(index.registerBlocks(b, p), 0);
        const std::vector<BlockId> bBlocks = held(b);
        b.releaseAll();
        for (BlockId id : bBlocks) QCOMPARE(pool.state(id), BlockState::Free);
        QCOMPARE(index.match(p).blocks,
                 std::vector<BlockId>(a.blocks().begin(), a.blocks().begin() + 2));
        QCOMPARE(test::checkAll(pool, {&a, &b}, &index), std::string());
    }

    void truncationInvalidatesTheRewrittenBlock() {
        BlockPool pool(8, 4);
        PrefixIndex index(pool);
        const Tokens p = randomTokens(60, 12);
        BlockTable a(pool);
        startSequence(index, a, p, 0);
        QCOMPARE(index.registerBlocks(a, p), 3);
        const BlockId b1 = a.block(1);
        const TruncateResult r = a.truncate(6); // block 1 becomes a partial tail, ours alone
        QVERIFY(!r.copy.has_value());
        QVERIFY(!index.contains(b1));
        QVERIFY(index.contains(a.block(0)));
        QCOMPARE(index.size(), 2); // block 0, and block 2: released by the truncation, cached
        QCOMPARE(pool.state(a.block(1)), BlockState::Used);
        QCOMPARE(index.match(p).nTokens, 4); // block 1's entry is gone: the chain stops there
        QCOMPARE(test::checkAll(pool, {&a}, &index), std::string());
    }

    void destroyingTheIndexFreesCachedBlocks() {
        BlockPool pool(8, 4);
        {
            PrefixIndex index(pool);
            BlockTable t(pool);
            const Tokens p = randomTokens(70, 17);
            startSequence(index, t, p, 0);
            QCOMPARE(index.registerBlocks(t, p), 4);
            t.releaseAll();
            QCOMPARE(pool.cachedCount(), 4);
        }
        QCOMPARE(pool.cachedCount(), 0);
        QCOMPARE(pool.freeCount(), 8);
        QCOMPARE(pool.checkConsistency(), std::string());
        PrefixIndex again(pool); // the pool takes a new content owner
        QCOMPARE(again.size(), 0);
    }

private:
    static QString invalidArgumentOf(PrefixIndex& index, const BlockTable& t, const Tokens& tok) {
        try {
            index.registerBlocks(t, tok);
        } catch (const Error& e) {
            return e.code() == ErrorCode::InvalidArgument ? QString::fromUtf8(e.what())
                                                          : QStringLiteral("<wrong code>");
        }
        return {};
    }
};

QTEST_APPLESS_MAIN(TestKvPrefix)
#include "tst_kv_prefix.moc"
