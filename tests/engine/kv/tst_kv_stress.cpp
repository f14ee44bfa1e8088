// KV bookkeeping, part 3: a seeded random workload over one pool, its tables and its prefix
// index — new sequences whose prompts start with one of a few shared prefixes, decode steps,
// cancellations, finishes (register, then release), rollbacks (truncate, as after rejected
// speculative tokens) and, for some sequences, long-context mode (sliding-window drops) — with
// every invariant checked after every event.
//
// Besides the bookkeeping invariants (kv_check.h) the test keeps a shadow of the KV storage:
// each physical row holds a fingerprint of the token at that position AND every token before
// it (what real K/V depends on). Appending "computes" rows; a truncation's copy-on-write copies
// rows. After every event every position of every live table must read its own fingerprint, so
// a block handed to the wrong prefix, overwritten while shared, or reused after eviction
// without recomputation is caught.
#include "kv_check.h"

#include <QtTest>

#include <memory>
#include <random>

using namespace dw;
using namespace dw::kv;

namespace {
constexpr int32_t kBlocks = 40;
constexpr int32_t kBlockSize = 4;
constexpr int kEvents = 1000;

// Fingerprint of tokens [0, pos] from that of [0, pos-1] (FNV-1a style; independent of xxHash).
uint64_t fingerprint(uint64_t previous, int32_t token) {
    uint64_t h = previous ^ 0xcbf29ce484222325ull;
    for (int i = 0; i < 4; ++i) h = (h ^ ((uint32_t(token) >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    return h | 1; // never 0: 0 marks a row nobody computed
}

struct Sequence {
    explicit Sequence(BlockPool& pool) : table(pool) {}
    BlockTable table;
    std::vector<int32_t> tokens;  // [table.nTokens()] token ids of the reserved positions
    std::vector<uint64_t> prints; // [table.nTokens()] fingerprint per position
    bool windowed = false;        // long-context mode: 1 sink block + a 10-token window
};

class Workload {
public:
    Workload()
        : m_pool(kBlocks, kBlockSize), m_index(m_pool), m_shadow(size_t(kBlocks) * kBlockSize, 0) {
        // Some lengths are whole blocks, so a prompt can end exactly where a cached run ends.
        for (uint64_t n : {uint64_t(8), uint64_t(12), uint64_t(7), 6 + pick(14)})
            m_prefixes.push_back(randomTokens(n));
    }

    uint64_t pick(uint64_t n) { return m_rng() % n; } // not std distributions: portable streams
    std::vector<int32_t> randomTokens(size_t n) {
        std::vector<int32_t> t(n);
        for (int32_t& x : t) x = static_cast<int32_t>(pick(64)); // small vocabulary: collisions
        return t;
    }

    // Reserve and "compute" positions for new tokens; false (and no change) when KV is full.
    bool extend(Sequence& s, const std::vector<int32_t>& more) {
        if (s.table.append(static_cast<int32_t>(more.size())) != KvStatus::Ok) return false;
        for (int32_t tok : more) {
            const uint64_t prev = s.prints.empty() ? 0 : s.prints.back();
            s.tokens.push_back(tok);
            s.prints.push_back(fingerprint(prev, tok));
            m_shadow[size_t(s.table.physicalRow(int32_t(s.tokens.size()) - 1))] = s.prints.back();
        }
        return true;
    }

    void newSequence() {
        auto s = std::make_unique<Sequence>(m_pool);
        std::vector<int32_t> prompt = m_prefixes[pick(m_prefixes.size())];
        const std::vector<int32_t> tail = randomTokens(pick(9));
        prompt.insert(prompt.end(), tail.begin(), tail.end());
        const int32_t reused = m_index.attach(s->table, prompt);
        QVERIFY(reused < int32_t(prompt.size()));
        for (int32_t p = 0; p < reused; ++p) { // adopted rows were computed for this prefix
            s->tokens.push_back(prompt[size_t(p)]);
            s->prints.push_back(fingerprint(p ? s->prints.back() : 0, prompt[size_t(p)]));
        }
        if (!extend(*s, std::vector<int32_t>(prompt.begin() + reused, prompt.end()))) {
            ++m_kvFull; // not admitted: the destructor releases the adopted prefix
            return;
        }
        m_reusedTokens += reused;
        s->windowed = pick(4) == 0;
        m_live.push_back(std::move(s));
    }

    void decode(Sequence& s) {
        if (!extend(s, randomTokens(1 + pick(4)))) {
            ++m_kvFull; // preempted, as a scheduler would when the pool is dry
            return remove(s);
        }
        if (s.windowed) {
            m_dropped += s.table.dropWindowedOut(1, 10);
            QVERIFY(s.table.heldBlocks() <= 1 + 3 + 1); // sinks + ceil(10 / 4) + 1
        }
    }

    void finish(Sequence& s) {
        m_index.registerBlocks(s.table, s.tokens);
        remove(s);
    }

    void rollback(Sequence& s) {
        const int32_t n = s.table.nTokens();
        // Mostly a few tokens (rejected drafts), sometimes anywhere (into a shared block).
        const int32_t keep = pick(4) == 0 ? int32_t(pick(uint64_t(n)))
                                          : n - 1 - int32_t(pick(uint64_t(std::min(3, n))));
        const TruncateResult r = s.table.truncate(keep);
        if (r.status != KvStatus::Ok) {
            QCOMPARE(s.table.nTokens(), n); // nothing changed
            ++m_kvFull;
            return;
        }
        if (r.copy) {
            ++m_copies;
            for (int32_t row = 0; row < r.copy->rows; ++row)
                m_shadow[size_t(r.copy->dst) * kBlockSize + size_t(row)] =
                    m_shadow[size_t(r.copy->src) * kBlockSize + size_t(row)];
        }
        s.tokens.resize(size_t(keep));
        s.prints.resize(size_t(keep));
        if (!extend(s, randomTokens(1))) ++m_kvFull; // the corrected token goes in at once
    }

    void remove(Sequence& s) {
        for (auto it = m_live.begin(); it != m_live.end(); ++it)
            if (it->get() == &s) {
                m_live.erase(it); // ~BlockTable releases its blocks
                return;
            }
        QFAIL("sequence not live");
    }

    void step() {
        if (m_live.empty() || (m_live.size() < 12 && pick(100) < 30)) return newSequence();
        Sequence& s = *m_live[pick(m_live.size())];
        const uint64_t r = pick(100);
        if (r < 55)
            decode(s);
        else if (r < 67)
            remove(s); // cancel
        else if (r < 87)
            finish(s);
        else if (s.table.nTokens() > 0 && s.table.droppedBlocks() == 0)
            rollback(s);
    }

    std::string check() const {
        std::vector<const BlockTable*> tables;
        for (const auto& s : m_live) tables.push_back(&s->table);
        if (std::string e = test::checkAll(m_pool, tables, &m_index); !e.empty()) return e;
        for (const auto& s : m_live)
            for (int32_t p = 0; p < s->table.nTokens(); ++p)
                if (!s->table.isDropped(p / kBlockSize) &&
                    m_shadow[size_t(s->table.physicalRow(p))] != s->prints[size_t(p)])
                    return "position " + std::to_string(p) + " reads another sequence's K/V";
        return {};
    }

    BlockPool m_pool;
    PrefixIndex m_index;
    std::vector<uint64_t> m_shadow; // [kBlocks * kBlockSize] fingerprint per physical row
    std::vector<std::vector<int32_t>> m_prefixes;
    std::vector<std::unique_ptr<Sequence>> m_live;
    std::mt19937_64 m_rng{20241129};
    int m_kvFull = 0, m_copies = 0, m_dropped = 0;
    int64_t m_reusedTokens = 0;
};
} // namespace

class TestKvStress : public QObject {
    Q_OBJECT
private slots:
    void randomWorkloadKeepsEveryInvariant() {
        Workload w;
        for (int event = 0; event < kEvents; ++event) {
            w.step();
            if (QTest::currentTestFailed()) return;
            const std::string broken = w.check();
            QVERIFY2(broken.empty(), qPrintable(QStringLiteral("after event %1: %2")
                                                    .arg(event)
                                                    .arg(QString::fromStdString(broken))));
        }
        const PrefixStats& s = w.m_index.stats();
        qInfo("lookups %llu, hit rate %.2f, token reuse %.2f, evictions %llu, kv full %d, "
              "copies %d, windowed drops %d",
              (unsigned long long)s.lookups, s.hitRate(), s.tokenReuseRate(),
              (unsigned long long)w.m_pool.evictions(), w.m_kvFull, w.m_copies, w.m_dropped);
        // The workload did exercise what it is meant to (the stream is seeded, so fixed).
        QVERIFY(s.hits > 0);
        QVERIFY(w.m_reusedTokens > 0);
        QVERIFY(w.m_pool.evictions() > 0);
        QVERIFY(w.m_kvFull > 0);
        QVERIFY(w.m_copies > 0);
        QVERIFY(w.m_dropped > 0);
        // Release everything: the whole pool is available again, nothing is in use.
        w.m_live.clear();
        QCOMPARE(w.check(), std::string());
        QCOMPARE(w.m_pool.usedCount(), 0);
        QCOMPARE(w.m_pool.freeCount() + w.m_pool.cachedCount(), kBlocks);
        QCOMPARE(w.m_pool.cachedCount(), w.m_index.size());
        for (BlockId id = 0; id < kBlocks; ++id) QCOMPARE(w.m_pool.refCount(id), 0);
    }
};

QTEST_APPLESS_MAIN(TestKvStress)
#include "tst_kv_stress.moc"
