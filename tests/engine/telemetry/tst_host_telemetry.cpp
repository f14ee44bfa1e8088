// Host telemetry: the /proc parsers on fixture text (current and old kernel layouts, command
// names with spaces and parentheses, malformed input), HostTelemetry over a fixture /proc
// with figures computed by hand, and one pass over the real /proc.
#include "deepwell/error.h"
#include "deepwell/telemetry.h"
#include "telemetry/host_proc.h"

#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace dw;

namespace {

const char* kStat = "cpu  100 20 30 800 50 5 5 0 40 0\n"
                    "cpu0 50 10 15 400 25 3 2 0 20 0\n"
                    "cpu1 50 10 15 400 25 2 3 0 20 0\n"
                    "intr 12345 0 0\n"
                    "ctxt 999\n";

const char* kMeminfo = "MemTotal:       16318400 kB\n"
                       "MemFree:         1000000 kB\n"
                       "MemAvailable:    8000000 kB\n"
                       "Buffers:          100000 kB\n";

// Field 14 (utime) = 700, 15 (stime) = 300.
const char* kSelfStat =
    "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 1000 0 0 0 700 300 0 0 20 0 "
    "3 0 100 1000000 500 18446744073709551615\n";

const char* kStatus =
    "Name:\tmy app\nState:\tS (sleeping)\nVmPeak:\t  300000 kB\nVmRSS:\t  123456 kB\n";

void write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

template <typename Fn> void expectFormat(Fn fn, const char* needle) {
    try {
        fn();
        QFAIL("expected dw::Error");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Format);
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}

void burnCpu(std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    volatile uint64_t x = 0;
    while (std::chrono::steady_clock::now() < end) x = x + 1;
}

} // namespace

class TestHostTelemetry : public QObject {
    Q_OBJECT
private slots:
    void procStat_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qulonglong>("total");
        QTest::addColumn<qulonglong>("idle");
        QTest::addColumn<int>("cpus");
        // guest (40) is already inside user: total = 100+20+30+800+50+5+5+0.
        QTest::newRow("current kernel") << QString(kStat) << 1010ull << 850ull << 2;
        QTest::newRow("old kernel, 4 fields") << "cpu 10 0 5 85\ncpu0 10 0 5 85\n"
                                              << 100ull << 85ull << 1;
        QTest::newRow("no per-cpu lines") << "cpu 1 2 3 4 5 6 7 8\n" << 36ull << 9ull << 0;
    }
    void procStat() {
        QFETCH(QString, text);
        QFETCH(qulonglong, total);
        QFETCH(qulonglong, idle);
        QFETCH(int, cpus);
        const host::CpuTimes t = host::parseProcStat(text.toStdString());
        QCOMPARE(t.total, uint64_t(total));
        QCOMPARE(t.idle, uint64_t(idle));
        QCOMPARE(t.cpuCount, cpus);
    }

    void procStatMalformed_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("needle");
        QTest::newRow("empty") << ""
                               << "no aggregate 'cpu' line";
        QTest::newRow("too few") << "cpu 1 2 3\n"
                                 << "at least 4";
        QTest::newRow("not a number") << "cpu 1 2 x3 4\n"
                                      << "cpu field 3";
        QTest::newRow("negative") << "cpu 1 -2 3 4\n"
                                  << "cpu field 2";
    }
    void procStatMalformed() {
        QFETCH(QString, text);
        QFETCH(QString, needle);
        expectFormat([&] { host::parseProcStat(text.toStdString()); }, needle.toUtf8().constData());
    }

    void cpuUtilization() {
        const host::CpuTimes a{1000, 800, 2}, b{1200, 850, 2};
        QCOMPARE(host::cpuUtilizationPercent(a, b), std::optional<double>(75.0)); // 150 of 200 busy
        QVERIFY(!host::cpuUtilizationPercent(a, a));                              // no time passed
        QVERIFY(!host::cpuUtilizationPercent(b, a));                              // went back
    }

    void meminfo() {
        const host::MemInfo m = host::parseMeminfo(kMeminfo);
        QCOMPARE(m.totalBytes, std::optional<uint64_t>(16318400ull * 1024));
        QCOMPARE(m.availableBytes, std::optional<uint64_t>(8000000ull * 1024));
        const host::MemInfo old = host::parseMeminfo("MemTotal: 2048 kB\nMemFree: 1024 kB\n");
        QCOMPARE(old.totalBytes, std::optional<uint64_t>(2048ull * 1024));
        QVERIFY(!old.availableBytes); // kernels before 3.14
        expectFormat([] { host::parseMeminfo("MemTotal: 12 MB\n"); },
                     "MemTotal is not '<number> kB'");
        expectFormat([] { host::parseMeminfo("MemAvailable: 1x2 kB\n"); }, "MemAvailable = '1x2'");
        expectFormat([] { host::parseMeminfo("MemTotal: 99999999999999999 kB\n"); }, "exceeds");
    }

    void processStat() {
        QCOMPARE(host::parseProcessStatTicks(kSelfStat), uint64_t(1000));
        expectFormat([] { host::parseProcessStatTicks("4242 my app S 1 2 3"); }, "no ')'");
        expectFormat(
            [] {
                host::parseProcessStatTicks("4242 (app) S 1 4242 4242 0 -1 4194560 1000 0 0 0 700");
            },
            "at least 15");
        expectFormat([] { host::parseProcessStatTicks("1 (a) S 1 1 1 0 -1 0 0 0 0 0 x 3 0"); },
                     "utime");
    }

    void status() {
        QCOMPARE(host::parseStatusResidentBytes(kStatus),
                 std::optional<uint64_t>(123456ull * 1024));
        QVERIFY(!host::parseStatusResidentBytes("Name:\tkthreadd\nState:\tS\n"));
        expectFormat([] { host::parseStatusResidentBytes("VmRSS:\t12\n"); }, "VmRSS");
    }

    void fixtureProc() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        write(root + "/stat", kStat);
        write(root + "/meminfo", kMeminfo);
        write(root + "/self/stat", kSelfStat);
        write(root + "/self/status", kStatus);
        HostTelemetry host(root);
        const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
        const HostSample a = host.sample(t0);
        QCOMPARE(a.error, std::string());
        QCOMPARE(a.cpuCount, 2);
        QVERIFY(!a.cpuUtilizationPercent); // a rate needs two readings
        QVERIFY(!a.processCpuCores);
        const double tick = double(sysconf(_SC_CLK_TCK));
        QCOMPARE(a.processCpuSecondsTotal, std::optional<double>(1000.0 / tick));
        QCOMPARE(a.memoryTotalBytes, std::optional<uint64_t>(16318400ull * 1024));
        QCOMPARE(a.memoryAvailableBytes, std::optional<uint64_t>(8000000ull * 1024));
        QCOMPARE(a.processResidentBytes, std::optional<uint64_t>(123456ull * 1024));

        // Two seconds later: 300 more jiffies of which 60 idle; the process used 50 more ticks.
        write(root + "/stat", "cpu  340 20 30 840 70 5 5 0 40 0\ncpu0 1\ncpu1 1\n");
        write(root + "/self/stat",
              "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 1000 0 0 0 730 320 0 0\n");
        const HostSample b = host.sample(t0 + std::chrono::seconds(2));
        QCOMPARE(b.error, std::string());
        QVERIFY(b.cpuUtilizationPercent);
        QCOMPARE(*b.cpuUtilizationPercent, 100.0 * (300.0 - 60.0) / 300.0);
        QVERIFY(b.processCpuCores);
        QCOMPARE(*b.processCpuCores, (50.0 / tick) / 2.0);
    }

    void missingFilesAreNamedNotThrown() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        write(root + "/meminfo", "MemTotal: 10 kB\n");
        write(root + "/stat", "garbage\n");
        HostTelemetry host(root);
        const HostSample s = host.sample();
        QCOMPARE(s.memoryTotalBytes, std::optional<uint64_t>(10240));
        QVERIFY(!s.cpuUtilizationPercent && !s.processResidentBytes && !s.processCpuSecondsTotal);
        QCOMPARE(s.error, std::string("/proc/stat: no aggregate 'cpu' line")); // the first problem
    }

    void realProc() {
        HostTelemetry host;
        const HostSample a = host.sample();
        QCOMPARE(a.error, std::string());
        QVERIFY(a.cpuCount >= 1);
        QVERIFY(a.memoryTotalBytes && *a.memoryTotalBytes > 0);
        QVERIFY(a.memoryAvailableBytes && *a.memoryAvailableBytes <= *a.memoryTotalBytes);
        QVERIFY(a.processResidentBytes && *a.processResidentBytes > 0);
        QVERIFY(a.processCpuSecondsTotal && *a.processCpuSecondsTotal >= 0.0);
        burnCpu(std::chrono::milliseconds(60)); // at least a few jiffies pass
        const HostSample b = host.sample();
        QVERIFY(b.cpuUtilizationPercent);
        QVERIFY(*b.cpuUtilizationPercent >= 0.0 && *b.cpuUtilizationPercent <= 100.0);
        QVERIFY(b.processCpuCores && *b.processCpuCores >= 0.0);
        QVERIFY(*b.processCpuSecondsTotal >= *a.processCpuSecondsTotal);
    }
};

QTEST_APPLESS_MAIN(TestHostTelemetry)
#include "tst_host_telemetry.moc"
