// NvmlSource through dlopen against the fake libnvidia-ml (fake_nvml.cpp): every figure read
// with the right unit and struct layout (both process-query generations), figures a device
// does not report left empty, failures named, and a missing or broken library reported as
// unavailable with one line, never a crash.
#include "deepwell/error.h"
#include "deepwell/telemetry.h"

#include <QtTest>

#include <dlfcn.h>
#include <unistd.h>

#include <fstream>

using namespace dw;

namespace {

std::string readComm(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/comm");
    std::string s;
    std::getline(in, s);
    return s;
}

NvmlOptions at(const char* path) {
    NvmlOptions o;
    o.libraryPath = path;
    return o;
}

} // namespace

class TestNvmlSource : public QObject {
    Q_OBJECT
private slots:
    void cleanup() {
        for (const char* v :
             {"FAKE_NVML_INIT_RESULT", "FAKE_NVML_DEVICE_COUNT", "FAKE_NVML_POWER_MW",
              "FAKE_NVML_UTILIZATION", "FAKE_NVML_PROCESSES", "DEEPWELL_NVML_LIBRARY"})
            qunsetenv(v);
    }

    void readsEveryFigure_data() {
        QTest::addColumn<QString>("library");
        QTest::newRow("processes v3") << QString(FAKE_NVML_PATH);
        QTest::newRow("processes v1") << QString(FAKE_NVML_V1_PATH);
    }
    void readsEveryFigure() {
        QFETCH(QString, library);
        NvmlSource nvml(at(library.toUtf8().constData()));
        QVERIFY2(nvml.available(), nvml.whyUnavailable().c_str());
        QCOMPARE(nvml.whyUnavailable(), std::string());
        QCOMPARE(nvml.deviceCount(), 2);
        const GpuSample g = nvml.sample(0);
        QCOMPARE(g.index, 0);
        QCOMPARE(g.name, std::string("Fake GPU 0"));
        QCOMPARE(g.uuid, std::string("GPU-00000000-0000-4000-8000-000000000000"));
        QCOMPARE(g.utilizationPercent, std::optional<double>(75.0));
        QCOMPARE(g.memoryBusyPercent, std::optional<double>(40.0));
        QCOMPARE(g.memoryUsedBytes, std::optional<uint64_t>(6ull << 30));
        QCOMPARE(g.memoryTotalBytes, std::optional<uint64_t>(24ull << 30));
        QCOMPARE(g.temperatureCelsius, std::optional<double>(61.0));
        QCOMPARE(g.powerWatts, std::optional<double>(250.0)); // from 250000 mW
        QCOMPARE(g.powerLimitWatts, std::optional<double>(450.0));
        QCOMPARE(g.smClockMHz, std::optional<uint32_t>(2520));
        QCOMPARE(g.memoryClockMHz, std::optional<uint32_t>(10501));
        QCOMPARE(g.pcieRxBytesPerSecond, std::optional<uint64_t>(3400ull * 1024));
        QCOMPARE(g.pcieTxBytesPerSecond, std::optional<uint64_t>(1200ull * 1024));
        QVERIFY(g.processesKnown);
        QCOMPARE(g.processes.size(), size_t(2));
        QCOMPARE(g.processes[0].pid, uint32_t(::getpid()));
        QCOMPARE(g.processes[0].usedBytes, std::optional<uint64_t>(512ull << 20));
        QCOMPARE(g.processes[0].name, readComm("self"));
        QVERIFY(!g.processes[0].name.empty());
        QCOMPARE(g.processes[1].pid, uint32_t(1));
        QVERIFY(!g.processes[1].usedBytes); // NVML_VALUE_NOT_AVAILABLE
        QCOMPARE(g.error, std::string());
    }

    void valuesAreReadAtEachSample() {
        NvmlSource nvml(at(FAKE_NVML_PATH));
        qputenv("FAKE_NVML_POWER_MW", "123456");
        qputenv("FAKE_NVML_UTILIZATION", "97");
        const GpuSample g = nvml.sample(0);
        QCOMPARE(g.powerWatts, std::optional<double>(123.456));
        QCOMPARE(g.utilizationPercent, std::optional<double>(97.0));
    }

    void unsupportedFiguresStayEmpty() {
        NvmlSource nvml(at(FAKE_NVML_PATH));
        const GpuSample g = nvml.sample(1);
        QCOMPARE(g.name, std::string("Fake GPU 1"));
        QCOMPARE(g.memoryTotalBytes, std::optional<uint64_t>(16ull << 30));
        QVERIFY(!g.utilizationPercent && !g.memoryBusyPercent && !g.temperatureCelsius);
        QVERIFY(!g.powerWatts && !g.smClockMHz && !g.memoryClockMHz);
        QVERIFY(!g.pcieRxBytesPerSecond && !g.pcieTxBytesPerSecond);
        QVERIFY(!g.processesKnown && g.processes.empty());
        // NOT_SUPPORTED is silent; a lost GPU is named.
        QVERIFY(!g.powerLimitWatts);
        QCOMPARE(g.error, std::string("power limit: GPU is lost"));
    }

    void longProcessListIsFetchedWhole() {
        qputenv("FAKE_NVML_PROCESSES", "100"); // more than the first buffer of 64
        NvmlSource nvml(at(FAKE_NVML_PATH));
        const GpuSample g = nvml.sample(0);
        QVERIFY(g.processesKnown);
        QCOMPARE(g.processes.size(), size_t(100));
        QCOMPARE(g.processes.back().pid, uint32_t(400099));
        QCOMPARE(g.processes.back().usedBytes, std::optional<uint64_t>(99ull << 20));
        QCOMPARE(g.processes.back().name, std::string()); // no such pid here
    }

    void optionalQueriesCanBeSkipped() {
        NvmlOptions o = at(FAKE_NVML_PATH);
        o.queryPcie = false;
        o.queryProcesses = false;
        NvmlSource nvml(o);
        const GpuSample g = nvml.sample(0);
        QVERIFY(!g.pcieRxBytesPerSecond && !g.pcieTxBytesPerSecond);
        QVERIFY(!g.processesKnown);
        QCOMPARE(g.powerWatts, std::optional<double>(250.0));
    }

    void environmentChoosesTheLibrary() {
        {
            NvmlSource nvml;
            QCOMPARE(nvml.libraryPath(), std::string("libnvidia-ml.so.1"));
        }
        qputenv("DEEPWELL_NVML_LIBRARY", FAKE_NVML_PATH);
        NvmlSource nvml;
        QCOMPARE(nvml.libraryPath(), std::string(FAKE_NVML_PATH));
        QVERIFY2(nvml.available(), nvml.whyUnavailable().c_str());
        // An explicit path wins over the environment.
        NvmlSource other(at("/nonexistent/libnvidia-ml.so.1"));
        QVERIFY(!other.available());
    }

    void missingLibraryIsUnavailable() {
        NvmlSource nvml(at("/nonexistent/libnvidia-ml.so.1"));
        QVERIFY(!nvml.available());
        QCOMPARE(nvml.whyUnavailable(),
                 std::string("no NVIDIA driver: /nonexistent/libnvidia-ml.so.1 not found"));
        QCOMPARE(nvml.deviceCount(), 0);
        try {
            nvml.sample(0);
            QFAIL("expected dw::Error");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            QVERIFY2(std::string(e.what()).find("index 0") != std::string::npos, e.what());
        }
    }

    void failures_data() {
        QTest::addColumn<QString>("library");
        QTest::addColumn<QString>("initResult");
        QTest::addColumn<QString>("deviceCount");
        QTest::addColumn<QString>("expected");
        QTest::newRow("init fails") << QString(FAKE_NVML_PATH) << "9"
                                    << "2"
                                    << "no NVIDIA driver: nvmlInit failed: Driver Not Loaded";
        QTest::newRow("no GPU") << QString(FAKE_NVML_PATH) << "0"
                                << "0"
                                << "no NVIDIA GPU: the driver reports none";
        QTest::newRow("not NVML") << QString(FAKE_NVML_NOINIT_PATH) << "0"
                                  << "2"
                                  << "no usable NVIDIA driver: " FAKE_NVML_NOINIT_PATH
                                     " has no nvmlInit_v2 (driver too old, or not NVML)";
    }
    void failures() {
        QFETCH(QString, library);
        QFETCH(QString, initResult);
        QFETCH(QString, deviceCount);
        QFETCH(QString, expected);
        qputenv("FAKE_NVML_INIT_RESULT", initResult.toUtf8());
        qputenv("FAKE_NVML_DEVICE_COUNT", deviceCount.toUtf8());
        NvmlSource nvml(at(library.toUtf8().constData()));
        QVERIFY(!nvml.available());
        QCOMPARE(QString::fromStdString(nvml.whyUnavailable()), expected);
        QCOMPARE(nvml.deviceCount(), 0);
    }

    void indexOutOfRange_data() {
        QTest::addColumn<int>("index");
        QTest::newRow("negative") << -1;
        QTest::newRow("past the end") << 2;
    }
    void indexOutOfRange() {
        QFETCH(int, index);
        NvmlSource nvml(at(FAKE_NVML_PATH));
        QVERIFY_THROWS_EXCEPTION(Error, nvml.sample(index));
    }

    void shutdownMatchesInit() {
        // Our own handle on the same library (dlopen is reference-counted) reads its counter.
        void* lib = dlopen(FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
        QVERIFY2(lib, dlerror());
        auto count = reinterpret_cast<int (*)()>(dlsym(lib, "fakeNvmlInitCount"));
        QVERIFY(count);
        QCOMPARE(count(), 0);
        {
            NvmlSource a(at(FAKE_NVML_PATH));
            NvmlSource b(at(FAKE_NVML_PATH));
            QCOMPARE(count(), 2);
        }
        QCOMPARE(count(), 0);
        qputenv("FAKE_NVML_INIT_RESULT", "9");
        { NvmlSource failed(at(FAKE_NVML_PATH)); }
        QCOMPARE(count(), 0); // no shutdown without a successful init
        dlclose(lib);
    }
};

QTEST_APPLESS_MAIN(TestNvmlSource)
#include "tst_nvml_source.moc"
