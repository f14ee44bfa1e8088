// KV bookkeeping, part 1: BlockPool (allocation, reference counts, free list, LRU of cached
// blocks, fragmentation) and BlockTable (all-or-nothing append, physical rows, truncation with
// copy-on-write, sliding-window dropping). No model, no device.
#include "kv_check.h"

#include "deepwell/error.h"

#include <QtTest>

#include <set>

using namespace dw;
using namespace dw::kv;

namespace {
// The message of the dw::Error{InvalidArgument} that f throws; empty when it throws nothing.
template <class F> QString invalidArgumentOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code() == ErrorCode::InvalidArgument ? QString::fromUtf8(e.what())
                                                      : QStringLiteral("<wrong error code>");
    }
    return {};
}
} // namespace

class TestKvBlocks : public QObject {
    Q_OBJECT
private slots:
    void constructorRejectsBadSizes_data() {
        QTest::addColumn<int>("nBlocks");
        QTest::addColumn<int>("blockSize");
        QTest::addColumn<QString>("field");
        QTest::newRow("no blocks") << 0 << 16 << "nBlocks = 0";
        QTest::newRow("negative blocks") << -3 << 16 << "nBlocks = -3";
        QTest::newRow("zero block size") << 4 << 0 << "blockSize = 0";
        QTest::newRow("huge block size") << 4 << 65537 << "blockSize = 65537";
    }
    void constructorRejectsBadSizes() {
        QFETCH(int, nBlocks);
        QFETCH(int, blockSize);
        QFETCH(QString, field);
        const QString msg = invalidArgumentOf([&] { BlockPool p(nBlocks, blockSize); });
        QVERIFY2(msg.contains(field), qPrintable(msg));
    }

    void allocateUntilFullThenLifoReuse() {
        BlockPool pool(5, 4);
        QCOMPARE(pool.freeCount(), 5);
        for (BlockId want = 0; want < 5; ++want) {
            const auto id = pool.allocate();
            QVERIFY(id.has_value());
            QCOMPARE(*id, want);
            QCOMPARE(pool.refCount(want), 1);
            QCOMPARE(pool.state(want), BlockState::Used);
        }
        QCOMPARE(pool.usedCount(), 5);
        QCOMPARE(pool.freeCount(), 0);
        QVERIFY(!pool.allocate().has_value()); // KV full is a status, not an exception
        QCOMPARE(pool.usedCount(), 5);
        pool.release(2);
        pool.release(4);
        QCOMPARE(pool.state(2), BlockState::Free);
        QCOMPARE(pool.freeCount(), 2);
        QCOMPARE(pool.checkConsistency(), std::string());
        QCOMPARE(*pool.allocate(), 4); // most recently freed first
        QCOMPARE(*pool.allocate(), 2);
        QVERIFY(!pool.allocate().has_value());
        QCOMPARE(pool.checkConsistency(), std::string());
    }

    void referenceCounting() {
        BlockPool pool(3, 2);
        const BlockId a = *pool.allocate();
        pool.retain(a);
        pool.retain(a);
        QCOMPARE(pool.refCount(a), 3);
        pool.release(a);
        pool.release(a);
        QCOMPARE(pool.state(a), BlockState::Used);
        QCOMPARE(pool.usedCount(), 1);
        pool.release(a);
        QCOMPARE(pool.state(a), BlockState::Free);
        QCOMPARE(pool.usedCount(), 0);
        QCOMPARE(pool.freeCount(), 3);
        QVERIFY(invalidArgumentOf([&] { pool.release(a); }).contains("nothing to release"));
        QVERIFY(invalidArgumentOf([&] { pool.retain(a); }).contains("is free"));
        QVERIFY(invalidArgumentOf([&] { pool.retain(3); }).contains("block id 3"));
        QVERIFY(invalidArgumentOf([&] { pool.release(-1); }).contains("[0, 3)"));
        QVERIFY(invalidArgumentOf([&] { pool.markIndexed(a); }).contains("is free"));
        QCOMPARE(pool.checkConsistency(), std::string());
    }

    // Cached blocks without a prefix index: markIndexed() alone drives the Cached state.
    void cachedBlocksAreEvictedLeastRecentlyCachedFirst() {
        BlockPool pool(4, 2);
        for (int i = 0; i < 4; ++i) QCOMPARE(*pool.allocate(), i);
        for (BlockId id : {3, 1, 0}) pool.markIndexed(id);
        for (BlockId id : {3, 1, 0}) pool.release(id); // LRU order: 3, 1, 0
        pool.release(2);                               // not indexed: Free
        QCOMPARE(pool.cachedCount(), 3);
        QCOMPARE(pool.freeCount(), 1);
        QCOMPARE(pool.availableCount(), 4);
        QCOMPARE(pool.state(1), BlockState::Cached);
        QCOMPARE(*pool.allocate(), 2); // a truly free block before any eviction
        QCOMPARE(pool.evictions(), uint64_t(0));
        QCOMPARE(*pool.allocate(), 3); // oldest cached
        QCOMPARE(pool.evictions(), uint64_t(1));
        QVERIFY(!pool.isIndexed(3));
        pool.retain(0); // revived: leaves the LRU list, keeps its content
        QCOMPARE(pool.state(0), BlockState::Used);
        QVERIFY(pool.isIndexed(0));
        QCOMPARE(pool.cachedCount(), 1);
        QCOMPARE(*pool.allocate(), 1);
        QVERIFY(!pool.allocate().has_value());
        QCOMPARE(pool.checkConsistency(), std::string());
        pool.release(0); // indexed: Cached again; dropContent makes it Free
        QCOMPARE(pool.state(0), BlockState::Cached);
        pool.dropContent(0);
        QCOMPARE(pool.state(0), BlockState::Free);
        QCOMPARE(pool.usedCount() + pool.freeCount() + pool.cachedCount(), 4);
        QCOMPARE(pool.checkConsistency(), std::string());
    }

    void fragmentation_data() {
        QTest::addColumn<QList<int>>("used"); // of 8 blocks
        QTest::addColumn<double>("expected");
        QTest::newRow("all free") << QList<int>{} << 0.0;
        QTest::newRow("all used") << QList<int>{0, 1, 2, 3, 4, 5, 6, 7} << 0.0;
        QTest::newRow("free {1,2,5}") << QList<int>{0, 3, 4, 6, 7} << 1.0 - 2.0 / 3.0;
        QTest::newRow("free {0,7}") << QList<int>{1, 2, 3, 4, 5, 6} << 0.5;
        QTest::newRow("free {4..7}") << QList<int>{0, 1, 2, 3} << 0.0;
        QTest::newRow("alternating") << QList<int>{1, 3, 5, 7} << 0.75;
    }
    void fragmentation() {
        QFETCH(QList<int>, used);
        QFETCH(double, expected);
        BlockPool pool(8, 16);
        for (int i = 0; i < 8; ++i) pool.allocate();
        for (int id = 0; id < 8; ++id)
            if (!used.contains(id)) pool.release(id);
        QCOMPARE(pool.fragmentation(), expected);
    }

    void cachedBlocksCountAsAvailableForFragmentation() {
        BlockPool pool(4, 1);
        for (int i = 0; i < 4; ++i) pool.allocate();
        pool.markIndexed(1);
        pool.release(1); // cached
        pool.release(2); // free: available run {1, 2}
        QCOMPARE(pool.fragmentation(), 0.0);
        pool.release(0); // {0, 1, 2} in one run
        QCOMPARE(pool.fragmentation(), 0.0);
    }

    void appendIsAllOrNothing() {
        BlockPool pool(4, 4);
        BlockTable t1(pool), t2(pool);
        QCOMPARE(t1.append(10), KvStatus::Ok);
        QCOMPARE(t1.nLogicalBlocks(), 3);
        QCOMPARE(t1.nTokens(), 10);
        QCOMPARE(t2.blocksNeededFor(8), 2);
        QCOMPARE(t2.append(8), KvStatus::KvFull); // needs 2, 1 left
        QCOMPARE(t2.nTokens(), 0);
        QCOMPARE(t2.nLogicalBlocks(), 0);
        QCOMPARE(pool.freeCount(), 1);
        QCOMPARE(t2.append(4), KvStatus::Ok);
        QCOMPARE(t1.blocksNeededFor(2), 0);
        QCOMPARE(t1.append(2), KvStatus::Ok); // fills t1's tail block
        QCOMPARE(t1.append(1), KvStatus::KvFull);
        QCOMPARE(t1.nTokens(), 12);
        QCOMPARE(t1.append(0), KvStatus::Ok);
        QVERIFY(invalidArgumentOf([&] { t1.append(-1); }).contains("nNewTokens = -1"));
        QCOMPARE(test::checkAll(pool, {&t1, &t2}, nullptr), std::string());
    }

    void kvFullLeavesCachedBlocksAlone() {
        BlockPool pool(4, 4);
        {
            BlockTable done(pool);
            QCOMPARE(done.append(8), KvStatus::Ok);
            for (BlockId id : done.blocks()) pool.markIndexed(id);
        } // destructor releases: two cached blocks
        BlockTable holder(pool), greedy(pool);
        QCOMPARE(holder.append(1), KvStatus::Ok);
        QCOMPARE(pool.cachedCount(), 2);
        QCOMPARE(greedy.append(16), KvStatus::KvFull); // needs 4, available 3
        QCOMPARE(pool.cachedCount(), 2);
        QCOMPARE(pool.evictions(), uint64_t(0));
        QCOMPARE(greedy.append(12), KvStatus::Ok); // takes the free one, evicts both cached
        QCOMPARE(pool.evictions(), uint64_t(2));
        QCOMPARE(test::checkAll(pool, {&holder, &greedy}, nullptr), std::string());
    }

    void physicalRows() {
        BlockPool pool(8, 4);
        BlockTable t(pool), other(pool);
        QCOMPARE(t.append(3), KvStatus::Ok);     // logical 0 -> block 0
        QCOMPARE(other.append(4), KvStatus::Ok); // block 1
        QCOMPARE(t.append(3), KvStatus::Ok);     // position 3 in block 0, 4..5 in block 2
        QCOMPARE(t.block(1), 2);
        const int64_t expected[] = {0, 1, 2, 3, 8, 9};
        for (int pos = 0; pos < 6; ++pos) QCOMPARE(t.physicalRow(pos), expected[pos]);
        QVERIFY(invalidArgumentOf([&] { t.physicalRow(6); }).contains("position 6"));
        QVERIFY(invalidArgumentOf([&] { t.physicalRow(-1); }).contains("[0, 6)"));
        QVERIFY(invalidArgumentOf([&] { t.block(2); }).contains("logical block 2"));
    }

    void truncateReleasesAndCopiesSharedTail() {
        BlockPool pool(6, 4);
        BlockTable a(pool);
        QCOMPARE(a.append(12), KvStatus::Ok); // blocks 0, 1, 2
        BlockTable b(pool);
        const std::vector<BlockId> shared(a.blocks().begin(), a.blocks().begin() + 2);
        b.adoptPrefix(shared);
        QCOMPARE(b.nTokens(), 8);
        QCOMPARE(pool.refCount(1), 2);
        // Truncating a to 6 makes block 1 a partial tail while b shares it: copy-on-write.
        TruncateResult r = a.truncate(6);
        QCOMPARE(r.status, KvStatus::Ok);
        QVERIFY(r.copy.has_value());
        QCOMPARE(r.copy->src, 1);
        QCOMPARE(r.copy->rows, 2);
        QCOMPARE(a.block(1), r.copy->dst);
        QVERIFY(r.copy->dst != 1);
        QCOMPARE(pool.refCount(1), 1); // b's only
        QCOMPARE(pool.usedCount(), 3); // 0 (shared), 1 (b's), the copy (a's); 2 went back
        QCOMPARE(a.nTokens(), 6);
        QCOMPARE(test::checkAll(pool, {&a, &b}, nullptr), std::string());
        // Ours alone and indexed: the entry is dropped, no copy.
        pool.markIndexed(a.block(1));
        r = a.truncate(5);
        QVERIFY(!r.copy.has_value());
        QVERIFY(!pool.isIndexed(a.block(1)));
        // At a block boundary a shared tail stays shared (it is full, nothing will overwrite it).
        r = b.truncate(4);
        QVERIFY(!r.copy.has_value());
        QCOMPARE(b.block(0), a.block(0));
        QCOMPARE(pool.state(1), BlockState::Free);
        QVERIFY(invalidArgumentOf([&] { b.truncate(5); }).contains("[0, 4]"));
        QCOMPARE(test::checkAll(pool, {&a, &b}, nullptr), std::string());
    }

    void truncateCopyNeedsABlock() {
        BlockPool pool(2, 4);
        BlockTable a(pool), b(pool);
        QCOMPARE(a.append(8), KvStatus::Ok); // every block used
        const std::vector<BlockId> all(a.blocks().begin(), a.blocks().end());
        b.adoptPrefix(all);
        const TruncateResult r = a.truncate(3); // block 1 goes, but b still holds it
        QCOMPARE(r.status, KvStatus::KvFull);
        QCOMPARE(a.nTokens(), 8);
        QCOMPARE(a.nLogicalBlocks(), 2);
        b.releaseAll();
        const TruncateResult r2 = a.truncate(3); // a holds block 0 alone now: no copy
        QCOMPARE(r2.status, KvStatus::Ok);
        QVERIFY(!r2.copy.has_value());
        QCOMPARE(a.nTokens(), 3);
        QCOMPARE(test::checkAll(pool, {&a, &b}, nullptr), std::string());
    }

    void windowedDropKeepsTheBound() {
        const int32_t blockSize = 4, sinkTokens = 5, window = 10;
        const int32_t sinkBlocks = BlockTable::sinkBlocksFor(sinkTokens, blockSize);
        QCOMPARE(sinkBlocks, 2);
        const int32_t bound = sinkBlocks + (window + blockSize - 1) / blockSize + 1;
        BlockPool pool(64, blockSize);
        BlockTable t(pool);
        int32_t droppedTotal = 0;
        for (int step = 0; step < 200; ++step) {
            QCOMPARE(t.append(1), KvStatus::Ok);
            droppedTotal += t.dropWindowedOut(sinkBlocks, window);
            QVERIFY(t.heldBlocks() <= bound);
            QCOMPARE(pool.usedCount(), t.heldBlocks());
        }
        QCOMPARE(t.nTokens(), 200);
        QCOMPARE(t.nLogicalBlocks(), 50);
        QCOMPARE(t.droppedBlocks(), droppedTotal);
        QCOMPARE(t.firstDropped(), sinkBlocks);
        std::set<int64_t> rows;
        for (int32_t pos = 0; pos < 200; ++pos) {
            const bool sink = pos < sinkBlocks * blockSize, inWindow = pos >= 200 - window;
            if (sink || inWindow)
                QVERIFY(rows.insert(t.physicalRow(pos)).second);
            else if (t.isDropped(pos / blockSize))
                QVERIFY(invalidArgumentOf([&] { t.physicalRow(pos); }).contains("dropped"));
        }
        QCOMPARE(t.dropWindowedOut(sinkBlocks, window), 0); // idempotent
        QVERIFY(invalidArgumentOf([&] { t.dropWindowedOut(-1, 4); }).contains("sinkBlocks"));
        QVERIFY(invalidArgumentOf([&] { t.dropWindowedOut(1, 0); }).contains("windowTokens"));
        // The new last token's block must be held.
        QVERIFY(invalidArgumentOf([&] { t.truncate(20); }).contains("dropped"));
        QCOMPARE(test::checkAll(pool, {&t}, nullptr), std::string());
        t.releaseAll();
        QCOMPARE(pool.freeCount(), 64);
    }

    void sinkBlocksRoundUp_data() {
        QTest::addColumn<int>("sinkTokens");
        QTest::addColumn<int>("blockSize");
        QTest::addColumn<int>("blocks");
        QTest::newRow("none") << 0 << 16 << 0;
        QTest::newRow("one token") << 1 << 16 << 1;
        QTest::newRow("exact") << 32 << 16 << 2;
        QTest::newRow("one over") << 33 << 16 << 3;
    }
    void sinkBlocksRoundUp() {
        QFETCH(int, sinkTokens);
        QFETCH(int, blockSize);
        QFETCH(int, blocks);
        QCOMPARE(BlockTable::sinkBlocksFor(sinkTokens, blockSize), blocks);
    }

    void moveTransfersOwnership() {
        BlockPool pool(4, 2);
        BlockTable a(pool);
        QCOMPARE(a.append(5), KvStatus::Ok);
        BlockTable b(std::move(a));
        QCOMPARE(a.nTokens(), 0); // NOLINT(bugprone-use-after-move): moved-from is empty
        QCOMPARE(b.nTokens(), 5);
        a.releaseAll(); // releases nothing
        QCOMPARE(pool.usedCount(), 3);
        BlockTable c(pool);
        QCOMPARE(c.append(1), KvStatus::Ok);
        c = std::move(b); // c's own block is released first
        QCOMPARE(pool.usedCount(), 3);
        QCOMPARE(test::checkAll(pool, {&a, &b, &c}, nullptr), std::string());
    }
};

QTEST_APPLESS_MAIN(TestKvBlocks)
#include "tst_kv_blocks.moc"
