// The memory ledger: per (device, category) bytes and peaks against an independent model of
// the same allocations, the event ring, pools and fragmentation, RAII release, bad input.
#include "core/memory_ledger.h"
#include "deepwell/error.h"

#include <QtTest>

#include <atomic>
#include <map>
#include <random>
#include <thread>

using namespace dw;

namespace {

const MemoryDevice kHost = MemoryDevice::host();
const MemoryDevice kGpu0 = MemoryDevice::gpu(0);
const MemoryDevice kGpu1 = MemoryDevice::gpu(1);

// Checks the invariant "categories add up to the device total" on every device.
bool categoriesAddUp(const LedgerSnapshot& s) {
    for (const auto& d : s.devices) {
        uint64_t sum = 0;
        for (const auto& c : d.categories) sum += c.current;
        if (sum != d.totalBytes) return false;
    }
    return true;
}

// "e" + number, built by append (g++ 12 -Wrestrict misfires on literal + std::string).
std::string tag(const char* prefix, int n) {
    std::string s(prefix);
    s.append(std::to_string(n));
    return s;
}

bool allZero(const LedgerSnapshot& s) {
    for (const auto& d : s.devices) {
        if (d.totalBytes != 0) return false;
        for (const auto& c : d.categories)
            if (c.current != 0) return false;
    }
    return true;
}

// Expects fn to throw dw::Error(InvalidArgument) whose message contains every needle.
template <typename Fn> void expectInvalid(Fn fn, std::initializer_list<const char*> needles) {
    try {
        fn();
        QFAIL("expected dw::Error");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        for (const char* n : needles)
            QVERIFY2(std::string(e.what()).find(n) != std::string::npos, e.what());
    }
}

} // namespace

class TestMemoryLedger : public QObject {
    Q_OBJECT
private slots:
    void categoryNames_data() {
        QTest::addColumn<int>("category");
        QTest::addColumn<QString>("name");
        QTest::newRow("weights") << 0 << "weights";
        QTest::newRow("kv_cache") << 1 << "kv_cache";
        QTest::newRow("activations") << 2 << "activations";
        QTest::newRow("scratch") << 3 << "scratch";
        QTest::newRow("vision") << 4 << "vision";
        QTest::newRow("other") << 5 << "other";
    }
    void categoryNames() {
        QFETCH(int, category);
        QFETCH(QString, name);
        const auto c = static_cast<LedgerCategory>(category);
        QCOMPARE(QString(ledgerCategoryName(c)), name);
        LedgerCategory back = LedgerCategory::Other;
        QVERIFY(ledgerCategoryFromName(name.toStdString(), back));
        QCOMPARE(back, c);
    }

    void unknownCategoryNames() {
        LedgerCategory c = LedgerCategory::Weights;
        QVERIFY(!ledgerCategoryFromName("Weights", c));
        QVERIFY(!ledgerCategoryFromName("", c));
        QCOMPARE(c, LedgerCategory::Weights);
        QCOMPARE(QString(ledgerCategoryName(static_cast<LedgerCategory>(6))), "invalid");
    }

    void deviceNamesAndOrder() {
        QCOMPARE(kHost.name(), std::string("host"));
        QCOMPARE(MemoryDevice::gpu(3).name(), std::string("gpu:3"));
        QVERIFY(kHost < kGpu0);
        QVERIFY(kGpu0 < kGpu1);
        MemoryLedger ledger;
        ledger.record(kGpu1, LedgerCategory::Weights, 10, "b");
        ledger.record(kGpu0, LedgerCategory::Weights, 10, "a");
        const auto s = ledger.snapshot();
        QCOMPARE(s.devices.size(), size_t(3)); // host is always listed
        QCOMPARE(s.devices[0].device, kHost);
        QCOMPARE(s.devices[1].device, kGpu0);
        QCOMPARE(s.devices[2].device, kGpu1);
        QVERIFY(s.device(MemoryDevice::gpu(2)) == nullptr);
    }

    void currentPeakAndTotal() {
        MemoryLedger ledger;
        ledger.record(kHost, LedgerCategory::Weights, 1000, "w");
        ledger.record(kHost, LedgerCategory::KvCache, 300, "kv");
        ledger.record(kHost, LedgerCategory::KvCache, -100, "kv");
        ledger.record(kGpu0, LedgerCategory::Activations, 50, "act");
        QCOMPARE(ledger.current(kHost, LedgerCategory::Weights), uint64_t(1000));
        QCOMPARE(ledger.current(kHost, LedgerCategory::KvCache), uint64_t(200));
        QCOMPARE(ledger.peak(kHost, LedgerCategory::KvCache), uint64_t(300));
        QCOMPARE(ledger.total(kHost), uint64_t(1200));
        QCOMPARE(ledger.total(kGpu0), uint64_t(50));
        QCOMPARE(ledger.total(kGpu1), uint64_t(0));
        const auto s = ledger.snapshot();
        const auto* host = s.device(kHost);
        QVERIFY(host);
        QCOMPARE((*host)[LedgerCategory::KvCache].current, uint64_t(200));
        QCOMPARE(host->peakTotalBytes, uint64_t(1300));
        QVERIFY(categoriesAddUp(s));
    }

    // A seeded random walk of allocations, moves, resizes and releases, checked after every
    // step against a plain map of the same bytes; everything released brings every category
    // back to zero while the peaks stay.
    void randomWalkMatchesModelAndReturnsToZero() {
        MemoryLedger ledger(64);
        std::mt19937 rng(1234);
        const MemoryDevice devices[] = {kHost, kGpu0, kGpu1};
        std::vector<LedgerAllocation> live;
        std::map<std::pair<int, int>, uint64_t> model, modelPeak; // (device, category) -> bytes
        auto key = [&](const LedgerAllocation& a) {
            const int d = a.device().kind == MemoryDevice::Kind::Host ? 0 : 1 + a.device().ordinal;
            return std::make_pair(d, static_cast<int>(a.category()));
        };
        auto bump = [&](std::pair<int, int> k, int64_t delta) {
            model[k] += static_cast<uint64_t>(delta);
            modelPeak[k] = std::max(modelPeak[k], model[k]);
        };
        for (int step = 0; step < 2000; ++step) {
            const int op = static_cast<int>(rng() % 10);
            if (op < 5 || live.empty()) {
                const MemoryDevice d = devices[rng() % 3];
                const auto c = static_cast<LedgerCategory>(rng() % kLedgerCategoryCount);
                const uint64_t bytes = rng() % 100000;
                live.emplace_back(ledger, d, c, bytes, tag("t", step));
                bump(key(live.back()), static_cast<int64_t>(bytes));
            } else if (op < 8) {
                const size_t i = rng() % live.size();
                bump(key(live[i]), -static_cast<int64_t>(live[i].bytes()));
                std::swap(live[i], live.back()); // moves, and must not record anything
                live.pop_back();
            } else {
                const size_t i = rng() % live.size();
                const uint64_t bytes = rng() % 100000;
                bump(key(live[i]),
                     static_cast<int64_t>(bytes) - static_cast<int64_t>(live[i].bytes()));
                live[i].resize(bytes);
            }
            if (step % 50 == 0) {
                const auto s = ledger.snapshot();
                QVERIFY(categoriesAddUp(s));
                for (const auto& [k, bytes] : model) {
                    const MemoryDevice d = devices[k.first];
                    const auto c = static_cast<LedgerCategory>(k.second);
                    QCOMPARE(ledger.current(d, c), bytes);
                    QCOMPARE(ledger.peak(d, c), modelPeak[k]);
                }
            }
        }
        live.clear();
        const auto s = ledger.snapshot();
        QVERIFY(allZero(s));
        QVERIFY(categoriesAddUp(s));
        for (const auto& [k, peak] : modelPeak)
            QCOMPARE(ledger.peak(devices[k.first], static_cast<LedgerCategory>(k.second)), peak);
        QCOMPARE(s.timeline.size(), size_t(64));
    }

    void allocationMoveSemantics() {
        MemoryLedger ledger;
        {
            LedgerAllocation a(ledger, kHost, LedgerCategory::Scratch, 100, "a");
            QVERIFY(a.active());
            LedgerAllocation b(std::move(a));
            QVERIFY(!a.active());
            QCOMPARE(a.bytes(), uint64_t(0));
            QCOMPARE(ledger.current(kHost, LedgerCategory::Scratch), uint64_t(100));
            LedgerAllocation c(ledger, kHost, LedgerCategory::Scratch, 7, "c");
            QCOMPARE(ledger.current(kHost, LedgerCategory::Scratch), uint64_t(107));
            c = std::move(b); // c's own 7 bytes are released first
            QCOMPARE(ledger.current(kHost, LedgerCategory::Scratch), uint64_t(100));
            QCOMPARE(c.label(), std::string("a"));
            c.release();
            c.release(); // idempotent
            QCOMPARE(ledger.current(kHost, LedgerCategory::Scratch), uint64_t(0));
            LedgerAllocation d(ledger, kGpu0, LedgerCategory::Vision, 5, "d");
            d.resize(9);
            QCOMPARE(ledger.current(kGpu0, LedgerCategory::Vision), uint64_t(9));
            d.resize(2);
            QCOMPARE(ledger.peak(kGpu0, LedgerCategory::Vision), uint64_t(9));
        }
        QVERIFY(allZero(ledger.snapshot()));
        const auto s = ledger.snapshot();
        // a(+100) c(+7) c(-7) c(-100) d(+5) d(+4) d(-7) d(-2)
        QCOMPARE(s.eventsRecorded, uint64_t(8));
        QCOMPARE(s.timeline[3].delta, int64_t(-100));
        QCOMPARE(s.timeline[3].label, std::string("a"));
    }

    void timelineRingKeepsNewestOldestFirst() {
        MemoryLedger ledger(8);
        for (int i = 0; i < 20; ++i)
            ledger.record(kHost, LedgerCategory::Other, i + 1, tag("e", i));
        const auto s = ledger.snapshot();
        QCOMPARE(s.eventsRecorded, uint64_t(20));
        QCOMPARE(s.timeline.size(), size_t(8));
        uint64_t after = 0;
        for (int i = 0; i < 12; ++i) after += uint64_t(i + 1);
        for (size_t i = 0; i < s.timeline.size(); ++i) {
            const LedgerEvent& e = s.timeline[i];
            QCOMPARE(e.sequence, uint64_t(12 + i));
            QCOMPARE(e.delta, int64_t(13 + i));
            after += uint64_t(13 + i);
            QCOMPARE(e.categoryBytesAfter, after);
            QCOMPARE(e.label, tag("e", int(12 + i)));
            if (i > 0) QVERIFY(s.timeline[i - 1].time <= e.time);
        }
    }

    void longLabelsAreCutOnACharacterBoundary() {
        MemoryLedger ledger(4);
        std::string label(95, 'x');
        label += "\xC3\xA9tail"; // 'é' straddles byte 96
        ledger.record(kHost, LedgerCategory::Other, 1, label);
        const auto s = ledger.snapshot();
        QCOMPARE(s.timeline[0].label, std::string(95, 'x'));
    }

    void badInputIsRejectedAndRecordsNothing() {
        MemoryLedger ledger;
        ledger.record(kHost, LedgerCategory::Weights, 10, "w");
        expectInvalid([&] { ledger.record(kHost, LedgerCategory::Weights, -11, "w"); },
                      {"release of 11", "weights", "current 10"});
        expectInvalid([&] { ledger.record(kHost, LedgerCategory::KvCache, INT64_MIN, "x"); },
                      {"kv_cache", "current 0"});
        expectInvalid([&] { ledger.record(kHost, static_cast<LedgerCategory>(9), 1, "x"); },
                      {"category = 9"});
        expectInvalid([&] { ledger.record(MemoryDevice::gpu(-1), LedgerCategory::Other, 1, "x"); },
                      {"GPU ordinal = -1", "63"});
        expectInvalid(
            [&] {
                ledger.record(MemoryDevice{MemoryDevice::Kind::Host, 2}, LedgerCategory::Other, 1,
                              "x");
            },
            {"host device ordinal = 2"});
        expectInvalid([&] { ledger.record(kHost, LedgerCategory::Weights, INT64_MAX, "big"); },
                      {"big", "limit"});
        expectInvalid([&] { LedgerAllocation a(ledger, kHost, LedgerCategory::Other, ~0ull, "h"); },
                      {"over the limit"});
        expectInvalid([] { MemoryLedger bad(0); }, {"timelineCapacity = 0"});
        QCOMPARE(ledger.current(kHost, LedgerCategory::Weights), uint64_t(10));
        QCOMPARE(ledger.snapshot().eventsRecorded, uint64_t(1));
        QVERIFY(ledger.snapshot().device(MemoryDevice::gpu(-1)) == nullptr);
    }

    void fragmentation_data() {
        QTest::addColumn<qulonglong>("capacity");
        QTest::addColumn<qulonglong>("used");
        QTest::addColumn<qulonglong>("largest");
        QTest::addColumn<double>("expected");
        QTest::newRow("one free run") << 1000ull << 400ull << 600ull << 0.0;
        QTest::newRow("quarter run") << 1000ull << 200ull << 200ull << 0.75;
        QTest::newRow("full pool") << 1000ull << 1000ull << 0ull << 0.0;
        QTest::newRow("empty pool") << 0ull << 0ull << 0ull << 0.0;
        QTest::newRow("scattered") << 4096ull << 0ull << 1ull << 1.0 - 1.0 / 4096.0;
    }
    void fragmentation() {
        QFETCH(qulonglong, capacity);
        QFETCH(qulonglong, used);
        QFETCH(qulonglong, largest);
        QFETCH(double, expected);
        QCOMPARE(poolFragmentation(PoolUsage{capacity, used, largest}), expected);
    }

    void poolsPushAndProbe() {
        MemoryLedger ledger;
        PoolRegistration pushed =
            ledger.registerPool("kv \"blocks\"", kGpu0, LedgerCategory::KvCache);
        pushed.update(PoolUsage{1000, 200, 200});
        uint64_t probeUsed = 10;
        PoolRegistration probed =
            ledger.registerPool("arena", kHost, LedgerCategory::Scratch, [&]() {
                ledger.record(kHost, LedgerCategory::Other, 1, "from a probe"); // allowed
                return PoolUsage{100, probeUsed, 100 - probeUsed};
            });
        auto s = ledger.snapshot();
        QCOMPARE(s.pools.size(), size_t(2));
        QCOMPARE(s.pools[0].name, std::string("kv \"blocks\""));
        QCOMPARE(s.pools[0].device, kGpu0);
        QCOMPARE(s.pools[0].category, LedgerCategory::KvCache);
        QCOMPARE(s.pools[0].fragmentation, 0.75);
        QCOMPARE(s.pools[1].usage.used, uint64_t(10));
        QCOMPARE(s.pools[1].fragmentation, 0.0);
        probeUsed = 60;
        s = ledger.snapshot();
        QCOMPARE(s.pools[1].usage.used, uint64_t(60));
        QCOMPARE(ledger.current(kHost, LedgerCategory::Other), uint64_t(2));

        expectInvalid(
            [&] {
                pushed.update(PoolUsage{10, 11, 0});
            },
            {"used = 11", "capacity of 10"});
        expectInvalid(
            [&] {
                pushed.update(PoolUsage{10, 4, 7});
            },
            {"kv \"blocks\"", "largestFreeRun = 7", "free 6"});
        QCOMPARE(ledger.snapshot().pools[0].usage.used, uint64_t(200)); // unchanged

        PoolRegistration moved = std::move(probed);
        QVERIFY(!probed.active());
        QCOMPARE(ledger.snapshot().pools.size(), size_t(2));
        moved.reset();
        s = ledger.snapshot();
        QCOMPARE(s.pools.size(), size_t(1));
        QCOMPARE(s.pools[0].name, std::string("kv \"blocks\""));
        pushed = PoolRegistration(); // move-assign unregisters the old one
        QVERIFY(ledger.snapshot().pools.empty());
    }

    // Writers on several threads while a reader takes snapshots: every snapshot adds up and
    // the end state is zero. Checks consistency, not speed.
    void concurrentWritersAndReader() {
        MemoryLedger ledger(128);
        std::atomic<bool> done{false};
        std::atomic<int> badSnapshots{0};
        std::thread reader([&] {
            while (!done.load()) {
                if (!categoriesAddUp(ledger.snapshot())) badSnapshots.fetch_add(1);
            }
        });
        std::vector<std::thread> writers;
        for (int t = 0; t < 4; ++t) {
            writers.emplace_back([&ledger, t] {
                std::mt19937 rng(100 + t);
                std::vector<LedgerAllocation> mine;
                for (int i = 0; i < 3000; ++i) {
                    const auto c = static_cast<LedgerCategory>(rng() % kLedgerCategoryCount);
                    const MemoryDevice d = (rng() & 1) ? kHost : MemoryDevice::gpu(t % 2);
                    mine.emplace_back(ledger, d, c, rng() % 4096, "w");
                    if (mine.size() > 16) mine.erase(mine.begin() + (rng() % mine.size()));
                }
            });
        }
        for (auto& w : writers) w.join();
        done.store(true);
        reader.join();
        QCOMPARE(badSnapshots.load(), 0);
        const auto s = ledger.snapshot();
        QVERIFY(allZero(s));
        QCOMPARE(s.eventsRecorded, uint64_t(4 * 3000 * 2));
    }
};

QTEST_APPLESS_MAIN(TestMemoryLedger)
#include "tst_memory_ledger.moc"
