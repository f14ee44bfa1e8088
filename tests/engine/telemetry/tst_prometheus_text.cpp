// Prometheus text exposition: every family has HELP and TYPE before its samples, the family
// table is what dashboards expect, values match the snapshots, histograms are well formed,
// label values are escaped. (promtool's own check runs as the ctest promtool_check_metrics.)
#include "engine/telemetry/prometheus_parse.h"
#include "engine/telemetry/sample_snapshots.h"

#include <QtTest>

#include <map>
#include <set>
#include <sstream>

using namespace dw;
using dw::test::joinProblems;
using dw::test::parse;
using dw::test::Parsed;

namespace {

const std::map<std::string, std::string> kFamilies = {
    {"deepwell_time_to_first_token_seconds", "histogram"},
    {"deepwell_inter_token_latency_seconds", "histogram"},
    {"deepwell_prompt_tokens_total", "counter"},
    {"deepwell_generated_tokens_total", "counter"},
    {"deepwell_prompt_throughput_tokens_per_second", "gauge"},
    {"deepwell_generation_throughput_tokens_per_second", "gauge"},
    {"deepwell_queued_requests", "gauge"},
    {"deepwell_running_sequences", "gauge"},
    {"deepwell_kv_cache_blocks", "gauge"},
    {"deepwell_prefix_cache_lookups_total", "counter"},
    {"deepwell_prefix_cache_hits_total", "counter"},
    {"deepwell_prefix_cache_reused_tokens_total", "counter"},
    {"deepwell_requests_finished_total", "counter"},
    {"deepwell_memory_used_bytes", "gauge"},
    {"deepwell_memory_peak_bytes", "gauge"},
    {"deepwell_memory_device_used_bytes", "gauge"},
    {"deepwell_memory_device_peak_bytes", "gauge"},
    {"deepwell_memory_events_total", "counter"},
    {"deepwell_memory_pool_capacity_bytes", "gauge"},
    {"deepwell_memory_pool_used_bytes", "gauge"},
    {"deepwell_memory_pool_largest_free_run_bytes", "gauge"},
    {"deepwell_memory_pool_fragmentation_ratio", "gauge"},
};

} // namespace

class TestPrometheusText : public QObject {
    Q_OBJECT
private slots:
    void everyFamilyHasHelpAndType_data() {
        QTest::addColumn<bool>("populated");
        QTest::newRow("populated") << true;
        QTest::newRow("empty") << false;
    }
    void everyFamilyHasHelpAndType() {
        QFETCH(bool, populated);
        const auto s = populated ? test::populatedSnapshots() : test::SampleSnapshots{};
        const std::string text = prometheusText(s.metrics, s.ledger);
        QVERIFY(text.ends_with("\n"));
        const Parsed p = parse(text);
        QVERIFY2(p.problems.empty(), joinProblems(p).c_str());
        QCOMPARE(p.types, kFamilies);
        QCOMPARE(p.helps.size(), kFamilies.size());
        for (const auto& [series, value] : p.samples) {
            QVERIFY2(series.rfind("deepwell_", 0) == 0, series.c_str());
            bool ok = value == "+Inf" || value == "NaN";
            if (!ok) {
                size_t used = 0;
                std::stod(value, &used);
                ok = used == value.size();
            }
            QVERIFY2(ok, (series + " " + value).c_str());
        }
    }

    void valuesMatchTheSnapshots() {
        const auto s = test::populatedSnapshots();
        const Parsed p = parse(prometheusText(s.metrics, s.ledger));
        auto expectValue = [&](const std::string& series, const std::string& expected) {
            const std::string* v = p.value(series);
            QVERIFY2(v, series.c_str());
            QCOMPARE(*v, expected);
        };
        expectValue(R"(deepwell_memory_used_bytes{device="gpu:0",category="weights"})",
                    "1073741824");
        expectValue(R"(deepwell_memory_used_bytes{device="host",category="scratch"})", "0");
        expectValue(R"(deepwell_memory_peak_bytes{device="host",category="scratch"})", "4096");
        expectValue(R"(deepwell_memory_device_used_bytes{device="gpu:0"})",
                    std::to_string((1u << 30) + (256u << 20)));
        expectValue("deepwell_memory_events_total", std::to_string(s.ledger.eventsRecorded));
        expectValue(R"(deepwell_requests_finished_total{reason="stop"})", "7");
        expectValue(R"(deepwell_requests_finished_total{reason="cancelled"})", "2");
        expectValue(R"(deepwell_requests_finished_total{reason="error"})", "0");
        expectValue(R"(deepwell_kv_cache_blocks{state="cached"})", "12");
        expectValue("deepwell_prefix_cache_reused_tokens_total", "320");
        expectValue("deepwell_generated_tokens_total", "640");
        QCOMPARE(std::stod(*p.value("deepwell_generation_throughput_tokens_per_second")),
                 s.metrics.generatedTokensPerSecond);
        expectValue(
            R"(deepwell_memory_pool_fragmentation_ratio{pool="kv blocks#2",device="gpu:0",category="kv_cache"})",
            "0.8");
    }

    void labelValuesAreEscaped() {
        const auto s = test::populatedSnapshots();
        const std::string text = prometheusText(s.metrics, s.ledger);
        const std::string line = "deepwell_memory_pool_capacity_bytes{pool=\"odd \\\"name\\\" "
                                 "\\\\ with\\nnewline\",device=\"host\",category=\"scratch\"} "
                                 "1000\n";
        QVERIFY2(text.find(line) != std::string::npos, text.c_str());
        // The raw newline of the pool name never reaches the output.
        QVERIFY(text.find("with\nnewline") == std::string::npos);
    }

    void histogramsAreProperFamilies_data() {
        QTest::addColumn<QString>("family");
        QTest::newRow("ttft") << "deepwell_time_to_first_token_seconds";
        QTest::newRow("itl") << "deepwell_inter_token_latency_seconds";
    }
    void histogramsAreProperFamilies() {
        QFETCH(QString, family);
        const std::string name = family.toStdString();
        const auto s = test::populatedSnapshots();
        const LatencyStats& stats = name.find("first") != std::string::npos
                                        ? s.metrics.timeToFirstToken
                                        : s.metrics.interTokenLatency;
        const Parsed p = parse(prometheusText(s.metrics, s.ledger));
        std::vector<std::pair<std::string, uint64_t>> buckets;
        for (const auto& [series, value] : p.samples) {
            const std::string prefix = name + "_bucket{le=\"";
            if (series.rfind(prefix, 0) == 0)
                buckets.emplace_back(
                    series.substr(prefix.size(), series.size() - prefix.size() - 2),
                    std::stoull(value));
        }
        QCOMPARE(buckets.size(), stats.bucketBounds.size() + 1);
        for (size_t i = 0; i < stats.bucketBounds.size(); ++i) {
            QCOMPARE(std::stod(buckets[i].first), stats.bucketBounds[i]);
            QCOMPARE(buckets[i].second, stats.bucketCounts[i]);
            if (i) QVERIFY(buckets[i - 1].second <= buckets[i].second);
        }
        QCOMPARE(buckets.back().first, std::string("+Inf"));
        QCOMPARE(buckets.back().second, stats.count);
        QVERIFY(stats.count > stats.bucketCounts.front()); // the data spreads over buckets
        QCOMPARE(*p.value(name + "_count"), std::to_string(stats.count));
        QCOMPARE(std::stod(*p.value(name + "_sum")), stats.sumSeconds); // shortest round trip
    }

    void bucketBoundsPrintShortest() {
        const auto s = test::populatedSnapshots();
        const std::string text = prometheusText(s.metrics, s.ledger);
        QVERIFY(text.find("deepwell_inter_token_latency_seconds_bucket{le=\"0.0025\"} ") !=
                std::string::npos);
        QVERIFY(text.find("deepwell_time_to_first_token_seconds_bucket{le=\"10\"} ") !=
                std::string::npos);
        QVERIFY(text.find("# TYPE deepwell_time_to_first_token_seconds histogram\n") !=
                std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestPrometheusText)
#include "tst_prometheus_text.moc"
