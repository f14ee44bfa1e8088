// Rows of the device tables (GPU figures, GPU processes, host), the warnings and efficiency.
#include "monitor_rows.h"

#include "monitor_cells.h"

#include <algorithm>

namespace dw {

namespace c = monitor_cells;
using F = MonitorFormat;

namespace {

bool utilizationWarned(const std::vector<ThresholdWarning>& warnings, int gpu) {
    const std::string subject = "gpu:" + std::to_string(gpu);
    return std::any_of(warnings.begin(), warnings.end(), [&](const ThresholdWarning& w) {
        return w.subject == subject && (w.check == ThresholdCheck::GpuUtilizationHigh ||
                                        w.check == ThresholdCheck::GpuUtilizationLow);
    });
}

} // namespace

QStringList MonitorRows::gpuHeaders(const TelemetrySample& s) {
    QStringList h{tr("Figure")};
    for (const GpuSample& g : s.gpus) h << tr("GPU %1").arg(g.index);
    return h;
}

QList<MonitorRow> MonitorRows::gpuRows(const TelemetrySample& s,
                                       const std::vector<ThresholdWarning>& warnings) {
    // One row per figure: the label, then the figure of each GPU.
    struct Figure {
        const char* key;
        QString label;
        std::function<MonitorCell(const GpuSample&)> cell;
    };
    const auto pct = [](double v) { return F::percent(v); };
    const std::vector<Figure> figures = {
        {"name", tr("Name"),
         [](const GpuSample& g) { return c::text(QString::fromStdString(g.name)); }},
        {"utilization", tr("Utilization"),
         [&](const GpuSample& g) {
             return c::warned(c::number(g.utilizationPercent, pct),
                              utilizationWarned(warnings, g.index));
         }},
        {"memory_busy", tr("Memory busy"),
         [&](const GpuSample& g) { return c::number(g.memoryBusyPercent, pct); }},
        {"memory_used", tr("Memory used"),
         [](const GpuSample& g) {
             MonitorCell cell = c::bytes(g.memoryUsedBytes);
             if (g.memoryUsedBytes && g.memoryTotalBytes && *g.memoryTotalBytes > 0)
                 cell.text =
                     tr("%1 (%2)").arg(cell.text, F::percent(100.0 * double(*g.memoryUsedBytes) /
                                                             double(*g.memoryTotalBytes)));
             return cell;
         }},
        {"memory_total", tr("Memory total"),
         [](const GpuSample& g) { return c::bytes(g.memoryTotalBytes); }},
        {"temperature", tr("Temperature"),
         [](const GpuSample& g) { return c::number(g.temperatureCelsius, F::celsius); }},
        {"power", tr("Power"),
         [](const GpuSample& g) { return c::number(g.powerWatts, F::watts); }},
        {"power_limit", tr("Power limit"),
         [](const GpuSample& g) { return c::number(g.powerLimitWatts, F::watts); }},
        {"sm_clock", tr("SM clock"),
         [](const GpuSample& g) { return c::number(g.smClockMHz, F::megahertz); }},
        {"memory_clock", tr("Memory clock"),
         [](const GpuSample& g) { return c::number(g.memoryClockMHz, F::megahertz); }},
        {"pcie_rx", tr("PCIe host → GPU"),
         [](const GpuSample& g) { return c::number(g.pcieRxBytesPerSecond, F::bytesPerSecond); }},
        {"pcie_tx", tr("PCIe GPU → host"),
         [](const GpuSample& g) { return c::number(g.pcieTxBytesPerSecond, F::bytesPerSecond); }},
        {"processes", tr("Compute processes"),
         [](const GpuSample& g) {
             return g.processesKnown ? c::number(int64_t(g.processes.size()), F::count)
                                     : c::text(F::notAvailable());
         }},
    };
    QList<MonitorRow> rows;
    for (const Figure& f : figures) {
        MonitorRow row{c::key(f.key, f.label)};
        for (const GpuSample& g : s.gpus) row << f.cell(g);
        rows << row;
    }
    const bool anyError = std::any_of(s.gpus.begin(), s.gpus.end(),
                                      [](const GpuSample& g) { return !g.error.empty(); });
    if (anyError) {
        MonitorRow row{c::key("error", tr("Error"))};
        for (const GpuSample& g : s.gpus)
            row << c::warned(c::text(QString::fromStdString(g.error)), !g.error.empty());
        rows << row;
    }
    return rows;
}

QStringList MonitorRows::processHeaders() {
    return {tr("GPU"), tr("PID"), tr("Process"), tr("GPU memory")};
}

QList<MonitorRow> MonitorRows::processRows(const TelemetrySample& s, uint32_t selfPid) {
    QList<MonitorRow> rows;
    for (const GpuSample& g : s.gpus) {
        for (const GpuProcessUsage& p : g.processes) {
            QString name = p.name.empty() ? tr("(not visible)") : QString::fromStdString(p.name);
            if (p.pid == selfPid) name = tr("%1 (this program)").arg(name);
            rows << MonitorRow{c::number(int64_t(g.index), F::count),
                               c::number(int64_t(p.pid), F::count), c::text(name),
                               c::bytes(p.usedBytes)};
        }
    }
    return rows;
}

QStringList MonitorRows::hostHeaders() {
    return {tr("Host"), tr("Value")};
}

QList<MonitorRow> MonitorRows::hostRows(const HostSample& h) {
    std::optional<uint64_t> used;
    if (h.memoryTotalBytes && h.memoryAvailableBytes &&
        *h.memoryAvailableBytes <= *h.memoryTotalBytes)
        used = *h.memoryTotalBytes - *h.memoryAvailableBytes;
    MonitorCell usedCell = c::bytes(used);
    if (used && *h.memoryTotalBytes > 0)
        usedCell.text = tr("%1 (%2)").arg(
            usedCell.text, F::percent(100.0 * double(*used) / double(*h.memoryTotalBytes)));
    QList<MonitorRow> rows{
        {c::key("cpus", tr("CPUs")), c::number(int64_t(h.cpuCount), F::count)},
        {c::key("cpu_utilization", tr("CPU utilization")),
         c::number(h.cpuUtilizationPercent, [](double v) { return F::percent(v); })},
        {c::key("process_cpu", tr("This program's CPU")), c::number(h.processCpuCores, F::cores)},
        {c::key("ram_used", tr("RAM used")), usedCell},
        {c::key("ram_total", tr("RAM total")), c::bytes(h.memoryTotalBytes)},
        {c::key("ram_available", tr("RAM available")), c::bytes(h.memoryAvailableBytes)},
        {c::key("process_rss", tr("This program's RAM (RSS)")), c::bytes(h.processResidentBytes)},
    };
    if (!h.error.empty())
        rows << MonitorRow{c::key("error", tr("Error")),
                           c::warned(c::text(QString::fromStdString(h.error)), true)};
    return rows;
}

QString MonitorRows::checkName(ThresholdCheck check) {
    switch (check) {
    case ThresholdCheck::GpuUtilizationLow:
        return tr("GPU utilization low");
    case ThresholdCheck::GpuUtilizationHigh:
        return tr("GPU utilization high");
    case ThresholdCheck::P99Latency:
        return tr("P99 latency");
    case ThresholdCheck::Fragmentation:
        return tr("Fragmentation");
    }
    return tr("Unknown check");
}

QString MonitorRows::warningText(const ThresholdWarning& w) {
    const QString subject = QString::fromStdString(w.subject);
    const QString gpu = subject.startsWith(QLatin1String("gpu:")) ? subject.mid(4) : subject;
    switch (w.check) {
    case ThresholdCheck::GpuUtilizationHigh:
        return tr("GPU %1 utilization %2 is above %3: requests will queue")
            .arg(gpu, F::percent(w.value), F::percent(w.limit));
    case ThresholdCheck::GpuUtilizationLow:
        return tr("GPU %1 utilization %2 is below %3 while generating: the GPU waits for the host")
            .arg(gpu, F::percent(w.value), F::percent(w.limit));
    case ThresholdCheck::P99Latency:
        return tr("P99 time to first token %1 is above %2")
            .arg(F::seconds(w.value / 1000.0), F::seconds(w.limit / 1000.0));
    case ThresholdCheck::Fragmentation:
        return tr("Fragmentation of %1: %2 (limit %3)")
            .arg(subject, F::percent(100.0 * w.value, 1), F::percent(100.0 * w.limit, 1));
    }
    return QString::fromStdString(w.text);
}

QStringList MonitorRows::warningHeaders() {
    return {tr("Check"), tr("Subject"), tr("Value"), tr("Limit"), tr("Warning")};
}

QList<MonitorRow> MonitorRows::warningRows(const std::vector<ThresholdWarning>& warnings) {
    QList<MonitorRow> rows;
    for (const ThresholdWarning& w : warnings) {
        const auto shown = [&](double v) {
            switch (w.check) {
            case ThresholdCheck::P99Latency:
                return F::seconds(v / 1000.0);
            case ThresholdCheck::Fragmentation:
                return F::percent(100.0 * v, 1);
            default:
                return F::percent(v);
            }
        };
        rows << MonitorRow{c::key(thresholdCheckName(w.check), checkName(w.check)),
                           c::text(QString::fromStdString(w.subject)),
                           c::warned(c::number(w.value, shown), true), c::number(w.limit, shown),
                           c::text(warningText(w))};
    }
    return rows;
}

QStringList MonitorRows::efficiencyHeaders() {
    return {tr("Efficiency"), tr("Value")};
}

QList<MonitorRow> MonitorRows::efficiencyRows(const EfficiencyFigures& f) {
    // Without NVML there is no power figure, so no energy: say what is missing, not "0".
    const QString needsPower =
        f.gpuAvailable ? tr("n/a (no power figure)") : tr("needs NVML power");
    const auto orNeeds = [&](const std::optional<double>& v, QString (*format)(double)) {
        return v ? c::number(v, format) : c::text(needsPower);
    };
    QList<MonitorRow> rows{
        {c::key("power", tr("GPU power now")), orNeeds(f.powerWatts, F::watts)},
        {c::key("live_tokens_per_joule", tr("Tokens per joule (live)")),
         orNeeds(f.liveTokensPerJoule, F::tokensPerJoule)},
    };
    if (!f.haveReply) {
        rows << MonitorRow{c::key("reply_tokens_per_joule", tr("Tokens per joule (last reply)")),
                           c::text(tr("no reply yet"))};
        return rows;
    }
    rows << MonitorRow{c::key("reply_tokens_per_joule", tr("Tokens per joule (last reply)")),
                       orNeeds(f.replyTokensPerJoule, F::tokensPerJoule)}
         << MonitorRow{c::key("reply_energy", tr("Energy of the last reply")),
                       orNeeds(f.replyJoules, F::joules)}
         << MonitorRow{c::key("reply_tokens", tr("Tokens of the last reply")),
                       c::number(f.replyTokens, F::count)}
         << MonitorRow{c::key("reply_seconds", tr("Duration of the last reply")),
                       c::number(f.replySeconds, F::seconds)};
    return rows;
}

} // namespace dw
