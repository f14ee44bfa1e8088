// Timeline output: CSV (a header naming every column, one row per sample with as many cells,
// quoting, empty cells for unknown figures, marks in the row that follows them), JSON
// snapshots that read back equal and name the field of a broken file, and the side-by-side
// comparison of two snapshots.
#include "deepwell/error.h"
#include "engine/telemetry/scripted_telemetry.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>

using namespace dw;
using namespace dw::test;

namespace {

// RFC 4180 rows (quotes doubled inside quoted cells).
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                rows.back().back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                rows.back().back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().emplace_back();
        } else if (c == '\n') {
            rows.emplace_back(1);
        } else {
            rows.back().back() += c;
        }
    }
    rows.pop_back(); // after the last newline
    return rows;
}

// Three samples of a timeline with a model-free engine, a scripted GPU at `watts`, and marks.
TelemetrySnapshot timeline(double watts, uint64_t tokensPerSecond, const std::string& name) {
    FakeClock clock;
    FakeEngine engine(clock);
    auto gpu = std::make_shared<ScriptedGpu::Values>();
    gpu->watts = watts;
    LedgerAllocation w(engine.ledger, MemoryDevice::gpu(0), LedgerCategory::Weights, 4096,
                       "weights");
    PoolRegistration pool = engine.ledger.registerPool("kv \"blocks\", gpu", MemoryDevice::gpu(0),
                                                       LedgerCategory::KvCache);
    pool.update({1000, 100, 450}); // 50% fragmented: a warning
    engine.stats.kvBlocksFree = 4;
    TelemetrySamplerOptions o;
    o.clock = clock.fn();
    TelemetrySampler sampler(o, std::make_unique<ScriptedGpu>(gpu), engine.feeds());
    sampler.mark(TelemetryMarkKind::ModelLoad, "tiny, \"quoted\"");
    sampler.sampleNow();
    for (int i = 0; i < 2; ++i) {
        clock.advance(0.5);
        sampler.mark(TelemetryMarkKind::Prefill, std::string("request ").append(std::to_string(i)));
        clock.advance(0.5);
        engine.metrics.recordGeneratedTokens(tokensPerSecond, clock.now());
        engine.metrics.recordTimeToFirstToken(0.25);
        sampler.sampleNow();
    }
    clock.advance(0.5);
    sampler.mark(TelemetryMarkKind::Decode, "after the last sample");
    return sampler.snapshot(name);
}

template <typename Fn> void expectError(ErrorCode code, Fn fn, const char* needle) {
    try {
        fn();
        QFAIL("expected dw::Error");
    } catch (const Error& e) {
        QCOMPARE(e.code(), code);
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}

} // namespace

class TestTelemetryIo : public QObject {
    Q_OBJECT
private slots:
    void csv() {
        const TelemetrySnapshot snap = timeline(200.0, 40, "a");
        const auto rows = parseCsv(telemetryCsv(snap.samples, snap.marks));
        QCOMPARE(rows.size(), size_t(1 + 3));
        const auto& header = rows[0];
        std::map<std::string, size_t> col;
        for (size_t i = 0; i < header.size(); ++i)
            QVERIFY2(col.emplace(header[i], i).second, header[i].c_str());
        QCOMPARE(header.front(), std::string("seconds"));
        QCOMPARE(header.back(), std::string("marks"));
        for (const char* name : {"gpu0_power_watts", "gpu0_utilization_percent", "host_cpu_percent",
                                 "memory_weights_bytes", "memory_vision_bytes",
                                 "memory_total_bytes", "kv_headroom_tokens", "tokens_per_second",
                                 "ttft_mean_seconds", "tokens_per_joule", "warnings"})
            QVERIFY2(col.count(name), name);
        QVERIFY(!col.count("gpu1_power_watts"));
        for (size_t r = 1; r < rows.size(); ++r) QCOMPARE(rows[r].size(), header.size());

        QCOMPARE(rows[1][col["seconds"]], std::string("0"));
        QCOMPARE(rows[3][col["seconds"]], std::string("2"));
        QCOMPARE(rows[2][col["gpu0_power_watts"]], std::string("200"));
        QCOMPARE(rows[2][col["memory_weights_bytes"]], std::string("4096"));
        QCOMPARE(rows[2][col["kv_headroom_tokens"]], std::string("64"));
        QCOMPARE(rows[1][col["tokens_per_second"]], std::string()); // no interval yet
        QCOMPARE(rows[2][col["tokens_per_second"]], std::string("40"));
        QCOMPARE(rows[3][col["ttft_mean_seconds"]], std::string("0.25"));
        QCOMPARE(rows[3][col["tokens_per_joule"]], std::string("0.2")); // 80 tokens / 400 J
        QCOMPARE(rows[1][col["warnings"]], std::string("fragmentation@kv \"blocks\", gpu (gpu:0)"));
        // Marks land in the row of the first sample at or after them; the mark after the last
        // sample is not in the CSV.
        QCOMPARE(rows[1][col["marks"]], std::string("model_load:tiny, \"quoted\""));
        QCOMPARE(rows[2][col["marks"]], std::string("prefill:request 0"));
        QCOMPARE(rows[3][col["marks"]], std::string("prefill:request 1"));

        // A sample without any feed: empty cells, same count.
        TelemetrySample bare;
        bare.seconds = 1.5;
        const auto bareRows = parseCsv(telemetryCsv({bare}));
        QCOMPARE(bareRows.size(), size_t(2));
        QCOMPARE(bareRows[1].size(), bareRows[0].size());
        QCOMPARE(bareRows[1][0], std::string("1.5"));
        for (size_t i = 1; i < bareRows[1].size(); ++i) QCOMPARE(bareRows[1][i], std::string());
    }

    void jsonRoundTrip() {
        const TelemetrySnapshot a = timeline(180.0, 25, "before: \"tuned\" run");
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString() + "/a.json";
        saveTelemetrySnapshot(a, path);
        const TelemetrySnapshot b = loadTelemetrySnapshot(path);
        QCOMPARE(b.name, a.name);
        QCOMPARE(b.startUnixMs, a.startUnixMs);
        QCOMPARE(b.marks.size(), a.marks.size());
        for (size_t i = 0; i < a.marks.size(); ++i) {
            QCOMPARE(b.marks[i].seconds, a.marks[i].seconds);
            QCOMPARE(b.marks[i].kind, a.marks[i].kind);
            QCOMPARE(b.marks[i].label, a.marks[i].label);
        }
        // Everything that is written reads back: the rewritten text is identical, and the CSV
        // of both (every figure of the timeline) is too.
        QCOMPARE(telemetrySnapshotJson(b), telemetrySnapshotJson(a));
        QCOMPARE(telemetryCsv(b.samples, b.marks), telemetryCsv(a.samples, a.marks));
        QCOMPARE(b.samples.size(), size_t(3));
        const TelemetrySample& s = b.samples[2];
        QCOMPARE(s.gpus.at(0).powerWatts, std::optional<double>(180.0));
        QCOMPARE(s.gpus.at(0).name, std::string("Scripted GPU"));
        QVERIFY(!s.gpus.at(0).temperatureCelsius); // absent stays absent
        QCOMPARE(s.memory->pools.at(0).name, std::string("kv \"blocks\", gpu"));
        QCOMPARE(s.memory->pools.at(0).device, MemoryDevice::gpu(0));
        QCOMPARE(s.memory->devices.size(), size_t(2)); // host and gpu:0
        QCOMPARE(s.memory->devices[1][LedgerCategory::Weights].current, uint64_t(4096));
        QCOMPARE(s.serving->generatedTokensTotal, uint64_t(50));
        QCOMPARE(s.warnings.at(0).check, ThresholdCheck::Fragmentation);
        QCOMPARE(s.host.memoryTotalBytes, a.samples[2].host.memoryTotalBytes);
    }

    void brokenJson_data() {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("needle");
        QTest::newRow("missing field") << "\"name\": \"Scripted GPU\""
                                       << "\"nome\": \"x\""
                                       << "samples[0].gpus[0].name is missing";
        QTest::newRow("wrong type") << "\"gpuAvailable\": true"
                                    << "\"gpuAvailable\": 1"
                                    << "samples[0].gpuAvailable is not true or false";
        QTest::newRow("negative bytes") << "\"current\": 4096"
                                        << "\"current\": -4096"
                                        << "categories.weights.current is not an unsigned integer";
        QTest::newRow("bad device") << "\"device\": \"gpu:0\""
                                    << "\"device\": \"tpu:0\""
                                    << "= 'tpu:0' is not 'host' or 'gpu:N'";
        QTest::newRow("bad mark") << "\"kind\": \"prefill\""
                                  << "\"kind\": \"lunch\""
                                  << "marks[1].kind = 'lunch' is not a mark kind";
        QTest::newRow("other format") << "\"deepwell-telemetry\""
                                      << "\"grafana\""
                                      << "format = 'grafana'; expected 'deepwell-telemetry'";
        QTest::newRow("newer version") << "\"version\": 1"
                                       << "\"version\": 2"
                                       << "version = 2; this build reads version 1";
        QTest::newRow("not JSON") << "{"
                                  << "{{"
                                  << "not JSON";
    }
    void brokenJson() {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, needle);
        std::string text = telemetrySnapshotJson(timeline(200.0, 10, "x"));
        const size_t at = text.find(from.toStdString());
        QVERIFY2(at != std::string::npos, from.toUtf8().constData());
        text.replace(at, size_t(from.size()), to.toStdString());
        expectError(
            ErrorCode::Format, [&] { parseTelemetrySnapshotJson(text, "snap.json"); },
            needle.toUtf8().constData());
    }

    void missingFile() {
        expectError(
            ErrorCode::Io, [] { loadTelemetrySnapshot("/nonexistent/snap.json"); },
            "cannot open /nonexistent/snap.json");
        expectError(
            ErrorCode::Io, [] { saveTelemetrySnapshot({}, "/nonexistent/dir/snap.json"); },
            "cannot create /nonexistent/dir/snap.json");
    }

    void invalidUtf8IsReplaced() {
        TelemetrySnapshot s;
        s.name = "bad \xff byte";
        const TelemetrySnapshot back = parseTelemetrySnapshotJson(telemetrySnapshotJson(s), "mem");
        QCOMPARE(back.name, std::string("bad \xEF\xBF\xBD byte")); // U+FFFD
    }

    void sideBySide() {
        // Same work at half the power: twice the tokens per joule.
        const auto rows = compareTelemetry(timeline(200.0, 40, "a"), timeline(100.0, 40, "b"));
        std::map<std::string, ComparisonRow> by;
        for (const auto& r : rows) QVERIFY2(by.emplace(r.figure, r).second, r.figure.c_str());
        auto both = [&](const char* figure, double a, double b) {
            QVERIFY2(by.count(figure), figure);
            const ComparisonRow& r = by[figure];
            QVERIFY2(r.a && r.b, figure);
            QCOMPARE(*r.a, a);
            QCOMPARE(*r.b, b);
        };
        both("samples", 3, 3);
        both("duration", 2, 2);
        both("generated tokens", 80, 80);
        both("GPU energy", 400, 200);
        both("tokens per joule", 0.2, 0.4);
        both("mean GPU power", 200, 100);
        both("mean tokens/s", 40, 40);
        both("mean time to first token", 0.25, 0.25);
        both("peak memory: weights", 4096, 4096);
        both("peak memory: vision", 0, 0);
        both("warnings", 3, 3);
        QCOMPARE(by["mean GPU utilization"].unit, std::string("%"));

        // A snapshot from a machine without NVML: GPU figures empty on its side only.
        TelemetrySnapshot cpuOnly = timeline(200.0, 40, "c");
        for (auto& s : cpuOnly.samples) s.gpus.clear();
        const auto mixed = compareTelemetry(timeline(200.0, 40, "a"), cpuOnly);
        for (const auto& r : mixed)
            if (r.figure == "GPU energy" || r.figure == "tokens per joule") QVERIFY(r.a && !r.b);
    }
};

QTEST_APPLESS_MAIN(TestTelemetryIo)
#include "tst_telemetry_io.moc"
