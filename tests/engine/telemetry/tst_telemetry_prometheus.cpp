// The one exposition of everything: prometheusText(metrics, ledger, live) keeps every family
// of the serving/memory text and adds the GPU, host, headroom, efficiency and threshold
// families, each with HELP and TYPE, values as the fake NVML library and the sample say,
// series left out for figures not reported. (promtool checks the same text in the ctest
// promtool_check_telemetry.)
#include "engine/telemetry/live_sample.h"
#include "engine/telemetry/prometheus_parse.h"

#include <QtTest>

#include <unistd.h>

using namespace dw;
using namespace dw::test;

namespace {

const std::map<std::string, std::string> kTelemetryFamilies = {
    {"deepwell_gpu_telemetry_available", "gauge"},
    {"deepwell_gpu_info", "gauge"},
    {"deepwell_gpu_utilization_ratio", "gauge"},
    {"deepwell_gpu_memory_busy_ratio", "gauge"},
    {"deepwell_gpu_memory_used_bytes", "gauge"},
    {"deepwell_gpu_memory_total_bytes", "gauge"},
    {"deepwell_gpu_temperature_celsius", "gauge"},
    {"deepwell_gpu_power_watts", "gauge"},
    {"deepwell_gpu_power_limit_watts", "gauge"},
    {"deepwell_gpu_clock_hertz", "gauge"},
    {"deepwell_gpu_pcie_throughput_bytes_per_second", "gauge"},
    {"deepwell_gpu_process_memory_bytes", "gauge"},
    {"deepwell_host_cpus", "gauge"},
    {"deepwell_host_cpu_utilization_ratio", "gauge"},
    {"deepwell_host_memory_total_bytes", "gauge"},
    {"deepwell_host_memory_available_bytes", "gauge"},
    {"deepwell_process_cpu_seconds_total", "counter"},
    {"deepwell_process_resident_memory_bytes", "gauge"},
    {"deepwell_kv_cache_headroom_tokens", "gauge"},
    {"deepwell_kv_cache_blocks_per_running_sequence", "gauge"},
    {"deepwell_generation_tokens_per_joule", "gauge"},
    {"deepwell_threshold_warnings", "gauge"},
};

} // namespace

class TestTelemetryPrometheus : public QObject {
    Q_OBJECT
private slots:
    void everyFamilyHasHelpAndType_data() {
        QTest::addColumn<QString>("library");
        QTest::newRow("fake NVML") << QString(FAKE_NVML_PATH);
        QTest::newRow("no driver") << "/nonexistent/libnvidia-ml.so.1";
    }
    void everyFamilyHasHelpAndType() {
        QFETCH(QString, library);
        const auto s = populatedSnapshots();
        const TelemetrySample live = liveSample(library.toStdString(), s);
        const std::string text = prometheusText(s.metrics, s.ledger, live);
        QVERIFY(text.ends_with("\n"));
        QVERIFY(text.starts_with(prometheusText(s.metrics, s.ledger))); // the same serving text
        const Parsed p = parse(text);
        QVERIFY2(p.problems.empty(), joinProblems(p).c_str());
        for (const auto& [name, type] : kTelemetryFamilies) {
            QVERIFY2(p.types.count(name), name.c_str());
            QCOMPARE(p.types.at(name), type);
        }
        QCOMPARE(p.helps.size(), p.types.size());
        for (const auto& [series, value] : p.samples) {
            QVERIFY2(series.rfind("deepwell_", 0) == 0, series.c_str());
            size_t used = 0;
            std::stod(value, &used);
            QVERIFY2(used == value.size(), (series + " " + value).c_str());
        }
    }

    void gpuValuesFromTheFake() {
        const auto s = populatedSnapshots();
        const TelemetrySample live = liveSample(FAKE_NVML_PATH, s);
        QVERIFY2(live.gpuAvailable, live.gpuUnavailableReason.c_str());
        const Parsed p = parse(prometheusText(s.metrics, s.ledger, live));
        auto expectValue = [&](const std::string& series, const std::string& expected) {
            const std::string* v = p.value(series);
            QVERIFY2(v, series.c_str());
            QCOMPARE(*v, expected);
        };
        expectValue("deepwell_gpu_telemetry_available", "1");
        expectValue(
            R"(deepwell_gpu_info{gpu="0",name="Fake GPU 0",uuid="GPU-00000000-0000-4000-8000-000000000000"})",
            "1");
        expectValue(R"(deepwell_gpu_utilization_ratio{gpu="0"})", "0.75");
        expectValue(R"(deepwell_gpu_memory_used_bytes{gpu="0"})", std::to_string(6ull << 30));
        expectValue(R"(deepwell_gpu_memory_total_bytes{gpu="1"})", std::to_string(16ull << 30));
        expectValue(R"(deepwell_gpu_temperature_celsius{gpu="0"})", "61");
        expectValue(R"(deepwell_gpu_power_watts{gpu="0"})", "250");
        expectValue(R"(deepwell_gpu_power_limit_watts{gpu="0"})", "450");
        expectValue(R"(deepwell_gpu_clock_hertz{gpu="0",clock="sm"})", "2520000000");
        expectValue(R"(deepwell_gpu_pcie_throughput_bytes_per_second{gpu="0",direction="rx"})",
                    std::to_string(3400 * 1024));
        const std::string self = "deepwell_gpu_process_memory_bytes{gpu=\"0\",pid=\"" +
                                 std::to_string(::getpid()) + "\",process=\"" +
                                 live.gpus[0].processes[0].name + "\"}";
        expectValue(self, std::to_string(512ull << 20));
        // Not reported: no series (GPU 1's power; pid 1 without a memory figure).
        QVERIFY(!p.value(R"(deepwell_gpu_power_watts{gpu="1"})"));
        for (const auto& [series, value] : p.samples)
            QVERIFY2(series.find("pid=\"1\"") == std::string::npos, series.c_str());

        expectValue("deepwell_kv_cache_headroom_tokens", std::to_string((380 + 12) * 16));
        expectValue("deepwell_kv_cache_blocks_per_running_sequence", "15");
        expectValue("deepwell_host_cpus", std::to_string(live.host.cpuCount));
        expectValue("deepwell_host_memory_total_bytes",
                    std::to_string(*live.host.memoryTotalBytes));
        // GPU 1 reports no power, so the energy of "all GPUs" is unknown: no efficiency figure.
        QVERIFY(!live.tokensPerJoule);
        QVERIFY(!p.value("deepwell_generation_tokens_per_joule"));
        int perCheck[kThresholdCheckCount] = {};
        for (const auto& w : live.warnings) ++perCheck[int(w.check)];
        QVERIFY(perCheck[int(ThresholdCheck::Fragmentation)] >= 2); // both "kv blocks" pools
        for (int c = 0; c < kThresholdCheckCount; ++c)
            expectValue(std::string("deepwell_threshold_warnings{check=\"") +
                            thresholdCheckName(static_cast<ThresholdCheck>(c)) + "\"}",
                        std::to_string(perCheck[c]));
    }

    void noDriver() {
        const auto s = populatedSnapshots();
        const TelemetrySample live = liveSample("/nonexistent/libnvidia-ml.so.1", s);
        const Parsed p = parse(prometheusText(s.metrics, s.ledger, live));
        QCOMPARE(*p.value("deepwell_gpu_telemetry_available"), std::string("0"));
        for (const auto& [series, value] : p.samples)
            QVERIFY2(series.rfind("deepwell_gpu_", 0) != 0 ||
                         series == "deepwell_gpu_telemetry_available",
                     series.c_str());
        QVERIFY(p.value("deepwell_process_resident_memory_bytes")); // the host still reports
    }
};

QTEST_APPLESS_MAIN(TestTelemetryPrometheus)
#include "tst_telemetry_prometheus.moc"
