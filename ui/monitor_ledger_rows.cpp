// Rows of the memory tables (ledger categories, pools, KV per request) and of the snapshot
// comparison.
#include "monitor_cells.h"
#include "monitor_rows.h"

#include <QLocale>

#include <cmath>

namespace dw {

namespace c = monitor_cells;
using F = MonitorFormat;

QString MonitorRows::categoryName(LedgerCategory category) {
    switch (category) {
    case LedgerCategory::Weights:
        return tr("Weights");
    case LedgerCategory::KvCache:
        return tr("KV cache (reserved)");
    case LedgerCategory::Activations:
        return tr("Activations");
    case LedgerCategory::Scratch:
        return tr("Scratch");
    case LedgerCategory::Vision:
        return tr("Vision");
    case LedgerCategory::Other:
        return tr("Other");
    }
    return tr("Unknown");
}

QString MonitorRows::headroomText(const KvHeadroom& h) {
    return tr("%1 more tokens of context fit (%2 free + %3 cached blocks of %4 tokens)")
        .arg(F::count(h.tokens), F::count(h.blocksFree), F::count(h.blocksCached),
             F::count(h.blockSize));
}

QStringList MonitorRows::ledgerHeaders() {
    return {tr("Category"), tr("Current"), tr("Peak"), tr("Estimate"), tr("Actual − estimate")};
}

QList<MonitorRow> MonitorRows::ledgerRows(const LedgerSnapshot& l,
                                          const std::optional<LedgerEstimate>& estimate) {
    QList<MonitorRow> rows;
    const auto estimateCells = [&](std::optional<uint64_t> estimated, uint64_t actual) {
        if (!estimated) return MonitorRow{c::text(F::notAvailable()), c::text(F::notAvailable())};
        const int64_t diff = int64_t(actual) - int64_t(*estimated);
        MonitorCell d{F::signedBytes(diff), QVariant::fromValue<qlonglong>(diff), false, {}};
        return MonitorRow{c::bytes(*estimated), d};
    };
    uint64_t peakTotal = 0;
    for (const LedgerDeviceUsage& d : l.devices) peakTotal += d.peakTotalBytes;
    for (int i = 0; i < kLedgerCategoryCount; ++i) {
        const auto cat = static_cast<LedgerCategory>(i);
        const uint64_t current = ledgerCategoryBytes(l, cat);
        uint64_t peak = 0; // summed over devices: each device's own peak
        for (const LedgerDeviceUsage& d : l.devices) peak += d[cat].peak;
        MonitorRow row{c::key(ledgerCategoryName(cat), categoryName(cat)), c::bytes(current),
                       c::bytes(peak)};
        row << estimateCells(
            estimate ? std::optional<uint64_t>(estimate->bytes[size_t(i)]) : std::nullopt, current);
        rows << row;
    }
    // The KV cache category is what the pool reserved; what its blocks hold now comes from
    // the pool itself.
    uint64_t kvUsed = 0;
    bool havePool = false;
    for (const PoolStats& p : l.pools) {
        if (p.category != LedgerCategory::KvCache) continue;
        havePool = true;
        kvUsed += p.usage.used;
    }
    rows << MonitorRow{c::key("kv_cache_used", tr("KV cache in use")),
                       havePool ? c::bytes(kvUsed) : c::text(F::notAvailable()), c::text(QString()),
                       c::text(QString()), c::text(QString())};
    const uint64_t total = ledgerTotalBytes(l);
    MonitorRow totalRow{c::key("total", tr("Total")), c::bytes(total), c::bytes(peakTotal)};
    totalRow << estimateCells(estimate ? std::optional<uint64_t>(estimate->total()) : std::nullopt,
                              total);
    rows << totalRow;
    return rows;
}

QStringList MonitorRows::poolHeaders() {
    return {tr("Pool"), tr("Device"),           tr("Capacity"),
            tr("Used"), tr("Largest free run"), tr("Fragmentation")};
}

QList<MonitorRow> MonitorRows::poolRows(const LedgerSnapshot& l, const Thresholds& t) {
    QList<MonitorRow> rows;
    for (const PoolStats& p : l.pools) {
        MonitorCell frag =
            c::number(100.0 * p.fragmentation, [](double v) { return F::percent(v, 1); });
        frag.warn = p.fragmentation > t.fragmentationMax;
        frag.toolTip = tr("1 − largest free run / free bytes; the limit is %1")
                           .arg(F::percent(100.0 * t.fragmentationMax, 1));
        rows << MonitorRow{c::text(QString::fromStdString(p.name)),
                           c::text(QString::fromStdString(p.device.name())),
                           c::bytes(p.usage.capacity),
                           c::bytes(p.usage.used),
                           c::bytes(p.usage.largestFreeRun),
                           frag};
    }
    return rows;
}

QStringList MonitorRows::requestHeaders() {
    return {tr("Request"), tr("KV blocks"), tr("Tokens"), tr("Block fill")};
}

QList<MonitorRow> MonitorRows::requestRows(const EngineStats& stats, int64_t blockSize) {
    QList<MonitorRow> rows;
    for (const EngineStats::RequestKv& r : stats.kvPerRequest) {
        std::optional<double> fill;
        if (r.blocks > 0 && blockSize > 0)
            fill = 100.0 * double(r.tokens) / double(r.blocks * blockSize);
        rows << MonitorRow{c::number(int64_t(r.id), F::count), c::number(r.blocks, F::count),
                           c::number(r.tokens, F::count),
                           c::number(fill, [](double v) { return F::percent(v); })};
    }
    return rows;
}

QStringList MonitorRows::comparisonHeaders(const QString& a, const QString& b) {
    return {tr("Figure"), a, b, tr("Change")};
}

namespace {

// The comparison's figure names (telemetry_compare.cpp) as translatable labels.
struct FigureLabel {
    const char* figure;
    const char* label;
};
const FigureLabel kFigureLabels[] = {
    {"samples", QT_TRANSLATE_NOOP("dw::MonitorRows", "Samples")},
    {"duration", QT_TRANSLATE_NOOP("dw::MonitorRows", "Duration")},
    {"peak memory: total", QT_TRANSLATE_NOOP("dw::MonitorRows", "Peak memory: total")},
    {"generated tokens", QT_TRANSLATE_NOOP("dw::MonitorRows", "Generated tokens")},
    {"mean tokens/s", QT_TRANSLATE_NOOP("dw::MonitorRows", "Mean tokens/s")},
    {"peak tokens/s", QT_TRANSLATE_NOOP("dw::MonitorRows", "Peak tokens/s")},
    {"mean time to first token", QT_TRANSLATE_NOOP("dw::MonitorRows", "Mean time to first token")},
    {"worst P99 time to first token",
     QT_TRANSLATE_NOOP("dw::MonitorRows", "Worst P99 time to first token")},
    {"mean GPU utilization", QT_TRANSLATE_NOOP("dw::MonitorRows", "Mean GPU utilization")},
    {"peak GPU memory used", QT_TRANSLATE_NOOP("dw::MonitorRows", "Peak GPU memory used")},
    {"mean GPU power", QT_TRANSLATE_NOOP("dw::MonitorRows", "Mean GPU power")},
    {"GPU energy", QT_TRANSLATE_NOOP("dw::MonitorRows", "GPU energy")},
    {"tokens per joule", QT_TRANSLATE_NOOP("dw::MonitorRows", "Tokens per joule")},
    {"mean host CPU", QT_TRANSLATE_NOOP("dw::MonitorRows", "Mean host CPU")},
    {"peak process memory (RSS)",
     QT_TRANSLATE_NOOP("dw::MonitorRows", "Peak program memory (RSS)")},
    {"warnings", QT_TRANSLATE_NOOP("dw::MonitorRows", "Warnings")},
};

QString figureLabel(const std::string& figure) {
    for (const FigureLabel& f : kFigureLabels)
        if (figure == f.figure) return QCoreApplication::translate("dw::MonitorRows", f.label);
    const std::string prefix = "peak memory: ";
    LedgerCategory cat;
    if (figure.rfind(prefix, 0) == 0 && ledgerCategoryFromName(figure.substr(prefix.size()), cat))
        return QCoreApplication::translate("dw::MonitorRows", "Peak memory: %1")
            .arg(MonitorRows::categoryName(cat));
    return QString::fromStdString(figure); // a figure added later: shown as the engine names it
}

} // namespace

QString MonitorRows::figureText(double value, const std::string& unit) {
    if (unit == "bytes") {
        const double a = std::fabs(value);
        const QString b = F::bytes(uint64_t(std::llround(a)));
        return value < 0 ? QStringLiteral("\u2212") + b : b;
    }
    if (unit == "s") return F::seconds(value);
    if (unit == "%") return F::percent(value, 1);
    if (unit == "W") return F::watts(value);
    if (unit == "J") return F::joules(value);
    if (unit == "tokens/s") return F::tokensPerSecond(value);
    if (unit == "tokens/J") return F::tokensPerJoule(value);
    if (unit == "tokens" || unit == "count") return F::count(int64_t(std::llround(value)));
    return tr("%1 %2").arg(F::number(value), QString::fromStdString(unit));
}

QList<MonitorRow> MonitorRows::comparisonRows(const std::vector<ComparisonRow>& rows) {
    QList<MonitorRow> out;
    for (const ComparisonRow& r : rows) {
        const auto side = [&](const std::optional<double>& v) {
            return c::number(v, [&](double x) { return figureText(x, r.unit); });
        };
        MonitorCell change = c::text(QString());
        if (r.a && r.b) {
            const double d = *r.b - *r.a;
            QString t = (d > 0 ? QStringLiteral("+") : QString()) + figureText(d, r.unit);
            if (*r.a != 0.0 && d != 0.0 && r.unit != "%") // "+9 % (90 %)" would mislead
                t += tr(" (%1)").arg(QLocale().toString(100.0 * d / std::fabs(*r.a), 'f', 1) +
                                     QStringLiteral(" %"));
            change = {t, d, false, {}};
        }
        MonitorCell label = c::text(figureLabel(r.figure));
        label.value = QString::fromStdString(r.figure);
        out << MonitorRow{label, side(r.a), side(r.b), change};
    }
    return out;
}

} // namespace dw
