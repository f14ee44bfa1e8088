#pragma once
// The rows of the monitor panel's tables, built from plain telemetry values (pure functions,
// GUI thread or any). Column 0 of each row carries a stable key in its ValueRole ("utilization",
// "weights", ...), so tests and code find rows whatever the language; the text is translated.
//
//   gpu        figures × GPUs: one row per figure, one column per GPU (narrow docks fit)
//   processes  compute processes on the GPUs and their memory
//   host       CPU and RAM of the machine and of this process
//   ledger     the engine's memory by category: current, peak, estimate, actual − estimate
//   pools      arenas and the KV block pool: capacity, use, fragmentation
//   requests   KV blocks and tokens per running request
//   warnings   threshold checks that failed in the latest sample
//   efficiency tokens per joule, live and for the last reply
//   comparison two saved timelines side by side
#include "deepwell/telemetry.h"
#include "monitor_table_model.h"

#include <QCoreApplication>

#include <optional>

namespace dw {

// What the efficiency table shows (the panel measures the last reply on the timeline).
struct EfficiencyFigures {
    bool gpuAvailable = false;
    std::optional<double> powerWatts; // latest sample, the GPUs the efficiency counts
    std::optional<double> liveTokensPerJoule;
    bool haveReply = false; // a reply has finished since the panel started
    int64_t replyTokens = 0;
    double replySeconds = 0.0;
    std::optional<double> replyJoules; // energy over the reply, from the power samples
    std::optional<double> replyTokensPerJoule;
};

class MonitorRows {
    Q_DECLARE_TR_FUNCTIONS(dw::MonitorRows)
public:
    static QStringList gpuHeaders(const TelemetrySample& s); // "Figure", "GPU 0", ...
    // Cells of a utilization that a warning names are marked warn.
    static QList<MonitorRow> gpuRows(const TelemetrySample& s,
                                     const std::vector<ThresholdWarning>& warnings);
    static QStringList processHeaders();
    static QList<MonitorRow> processRows(const TelemetrySample& s, uint32_t selfPid);
    static QStringList hostHeaders();
    static QList<MonitorRow> hostRows(const HostSample& h);

    static QStringList ledgerHeaders();
    static QList<MonitorRow> ledgerRows(const LedgerSnapshot& l,
                                        const std::optional<LedgerEstimate>& estimate);
    static QStringList poolHeaders();
    static QList<MonitorRow> poolRows(const LedgerSnapshot& l, const Thresholds& t);
    static QStringList requestHeaders();
    static QList<MonitorRow> requestRows(const EngineStats& stats, int64_t blockSize);

    static QStringList warningHeaders();
    static QList<MonitorRow> warningRows(const std::vector<ThresholdWarning>& warnings);
    static QString warningText(const ThresholdWarning& w); // translated, from the numbers
    static QString checkName(ThresholdCheck c);

    static QStringList efficiencyHeaders();
    static QList<MonitorRow> efficiencyRows(const EfficiencyFigures& f);

    static QStringList comparisonHeaders(const QString& a, const QString& b);
    static QList<MonitorRow> comparisonRows(const std::vector<ComparisonRow>& rows);

    static QString categoryName(LedgerCategory c); // "Weights", "KV cache (reserved)", ...
    // "1,234 more tokens of context fit (77 free + 2 cached blocks of 16)".
    static QString headroomText(const KvHeadroom& h);

    // A figure of `unit` (a ComparisonRow unit: "bytes", "s", "%", "W", "J", "tokens/s",
    // "tokens/J", "tokens", "count") as text.
    static QString figureText(double value, const std::string& unit);
};

} // namespace dw
