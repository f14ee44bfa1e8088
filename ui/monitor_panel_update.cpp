// The monitor panel's updates (the sampler's ring into the models, charts and heatmap) and its
// actions (reply marks, snapshots, comparison, export). GUI thread.
#include "deepwell/error.h"
#include "engine_bridge.h"
#include "monitor_format.h"
#include "monitor_heatmap.h"
#include "monitor_panel.h"
#include "monitor_rows.h"
#include "monitor_table_model.h"
#include "monitor_timeline.h"

#include <QFileInfo>
#include <QLabel>
#include <QSaveFile>
#include <QTabWidget>

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace dw {

void MonitorPanel::refresh() {
    if (!m_sampler) return;
    const std::vector<TelemetrySample> samples = m_sampler->samples();
    if (samples.empty()) return;
    const TelemetrySample& s = samples.back();
    const bool fresh = !m_latest || m_latest->seconds != s.seconds;
    m_latest = s;
    // Warnings from the panel's thresholds (edited here), not the copy the sampler was built with.
    const std::vector<ThresholdWarning> warnings = evaluateThresholds(s, m_thresholds);
    updateDevices(s, warnings);
    updateEngine(s);
    updateEfficiency(samples);
    m_warningModel->setRows(MonitorRows::warningRows(warnings));
    QStringList texts;
    for (const ThresholdWarning& w : warnings) texts << MonitorRows::warningText(w);
    m_warningBanner->setText(warnings.empty()
                                 ? tr("No threshold warnings.")
                                 : tr("Warning: %1").arg(texts.join(QStringLiteral("; "))));
    m_warningBanner->setStyleSheet(
        warnings.empty()
            ? QStringLiteral("QLabel { padding: 3px; }")
            : QStringLiteral("QLabel { background: #fdecea; color: #8e1b1b; padding: 3px; }"));
    if (int(warnings.size()) != m_warningCount) {
        m_warningCount = int(warnings.size());
        emit warningsChanged(m_warningCount);
    }
    if (fresh) m_timeline->setData(samples, m_sampler->marks());
    if (m_tabs->currentIndex() == SnapshotsTab && !m_compareB) updateComparison();
}

void MonitorPanel::updateDevices(const TelemetrySample& s,
                                 const std::vector<ThresholdWarning>& warnings) {
    if (s.gpuAvailable) {
        QStringList names;
        for (const GpuSample& g : s.gpus) names << QString::fromStdString(g.name);
        m_gpuStatus->setText(tr("GPUs (NVML): %1").arg(names.join(QStringLiteral(", "))));
    } else {
        // The reason comes from the telemetry source (it names the library it tried).
        const QString reason = QString::fromStdString(s.gpuUnavailableReason);
        const bool noDriver = reason.contains(QLatin1String("NVIDIA driver"), Qt::CaseInsensitive);
        m_gpuStatus->setText(
            (noDriver ? tr("No NVIDIA driver: there are no GPU figures; the host figures "
                           "and the engine's memory are shown.")
                      : tr("No GPU figures; the host figures and the engine's memory are shown.")) +
            QStringLiteral("\n") + tr("Reason: %1").arg(reason));
    }
    m_gpuModel->setHeaders(MonitorRows::gpuHeaders(s));
    m_gpuModel->setRows(s.gpus.empty() ? QList<MonitorRow>{} : MonitorRows::gpuRows(s, warnings));
    m_processModel->setRows(MonitorRows::processRows(s, uint32_t(::getpid())));
    m_hostModel->setRows(MonitorRows::hostRows(s.host));
}

void MonitorPanel::updateEngine(const TelemetrySample& s) {
    bool loaded = false;
    std::optional<LedgerEstimate> estimate;
    EngineStats stats;
    int64_t blockSize = 0;
    std::vector<std::vector<uint64_t>> counts;
    // Quick reads under the bridge's engine lock (copies; no engine work on this thread).
    m_bridge->withEngine([&](Engine* e) {
        if (!e) return;
        loaded = true;
        estimate = estimateEngineMemory(e->model(), e->options());
        stats = e->stats();
        blockSize = e->options().blockSize;
        counts = e->expertSelectionCounts();
    });
    if (s.memory) {
        m_ledgerModel->setRows(MonitorRows::ledgerRows(*s.memory, estimate));
        m_poolModel->setRows(MonitorRows::poolRows(*s.memory, m_thresholds));
    } else if (!loaded) {
        m_ledgerModel->setRows({});
        m_poolModel->setRows({});
    }
    m_requestModel->setRows(MonitorRows::requestRows(stats, blockSize));
    if (!loaded)
        m_headroom->setText(tr("No model is loaded."));
    else if (s.headroom && s.headroom->blocksTotal > 0)
        m_headroom->setText(MonitorRows::headroomText(*s.headroom));
    else // the engine publishes its KV figures once its thread has run
        m_headroom->setText(tr("KV headroom: known after the first request."));

    // A dense model has no counts, or an empty row per layer.
    const bool moe =
        std::any_of(counts.begin(), counts.end(), [](const auto& layer) { return !layer.empty(); });
    m_heatmap->setCounts(moe ? std::move(counts) : std::vector<std::vector<uint64_t>>{});
    m_heatmap->setVisible(moe);
    if (!loaded)
        m_expertNote->setText(tr("No model is loaded."));
    else if (!moe)
        m_expertNote->setText(
            tr("Dense model: it has no experts, so there are no selections to show."));
    else
        m_expertNote->setText(
            tr("%1 layers × %2 experts: how often each expert was chosen (per token, prompt "
               "tokens included) since the model was loaded or the last reset.")
                .arg(m_heatmap->layerCount())
                .arg(m_heatmap->expertCount()));
}

void MonitorPanel::updateEfficiency(const std::vector<TelemetrySample>& samples) {
    const TelemetrySample& s = samples.back();
    const int gpu = m_options.sampler.efficiencyGpu;
    EfficiencyFigures f;
    f.gpuAvailable = s.gpuAvailable;
    // The power the efficiency counts: one GPU, or all of them (then each must report it).
    double watts = 0.0;
    bool known = !s.gpus.empty();
    for (const GpuSample& g : s.gpus) {
        if (gpu >= 0 && g.index != gpu) continue;
        if (g.powerWatts)
            watts += *g.powerWatts;
        else
            known = false;
    }
    if (known) f.powerWatts = watts;
    f.liveTokensPerJoule = s.tokensPerJoule;
    if (m_lastReply) {
        const Reply& r = *m_lastReply;
        f.haveReply = true;
        f.replyTokens = r.tokens;
        f.replySeconds = r.end - r.start;
        if (std::isfinite(r.start) && r.end >= r.start) {
            f.replyJoules = gpuEnergyJoules(samples, r.start, r.end, gpu);
            f.replyTokensPerJoule =
                tokensPerJoule(samples, r.start, r.end, uint64_t(r.tokens), gpu);
        }
    }
    m_efficiencyModel->setRows(MonitorRows::efficiencyRows(f));
}

void MonitorPanel::onPromptMeasured(quint64 ticket) {
    if (!m_sampler) return;
    Reply r;
    r.start = m_sampler->now();
    m_replies[ticket] = r;
    m_sampler->mark(TelemetryMarkKind::Prefill, "reply " + std::to_string(ticket));
}

void MonitorPanel::onText(quint64 ticket) {
    auto it = m_replies.find(ticket);
    if (!m_sampler || it == m_replies.end() || it->second.decoding) return;
    it->second.decoding = true; // the first text: prefill is over
    m_sampler->mark(TelemetryMarkKind::Decode, "reply " + std::to_string(ticket));
}

void MonitorPanel::onFinished(quint64 ticket, const GenerationResult& result) {
    auto it = m_replies.find(ticket);
    if (!m_sampler || it == m_replies.end()) return;
    Reply r = it->second;
    m_replies.erase(it);
    r.end = m_sampler->now();
    r.tokens = result.timings.generatedTokens;
    if (r.tokens > 0) m_lastReply = r;
}

void MonitorPanel::resetExperts() {
    m_bridge->withEngine([](Engine* e) {
        if (e) e->resetExpertCounts(); // takes effect before the engine's next step
    });
    std::vector<std::vector<uint64_t>> zero = m_heatmap->counts();
    for (auto& layer : zero) std::fill(layer.begin(), layer.end(), 0);
    m_heatmap->setCounts(std::move(zero));
}

bool MonitorPanel::saveSnapshot(const QString& path, QString* error) {
    try {
        const TelemetrySnapshot snap =
            m_sampler->snapshot(QFileInfo(path).completeBaseName().toStdString());
        saveTelemetrySnapshot(snap, path.toStdString());
        showMessage(tr("Saved the timeline (%1 samples) to %2.").arg(snap.samples.size()).arg(path),
                    false);
        return true;
    } catch (const std::exception& e) {
        const QString message =
            tr("The snapshot could not be saved: %1").arg(QString::fromUtf8(e.what()));
        if (error) *error = message;
        showMessage(message, true);
        return false;
    }
}

bool MonitorPanel::loadComparison(const QString& path, bool sideB, QString* error) {
    try {
        TelemetrySnapshot snap = loadTelemetrySnapshot(path.toStdString());
        if (snap.name.empty()) snap.name = QFileInfo(path).completeBaseName().toStdString();
        (sideB ? m_compareB : m_compareA) = std::move(snap);
        updateComparison();
        showMessage(QString(), false);
        return true;
    } catch (const std::exception& e) {
        const QString message =
            tr("The snapshot could not be read: %1").arg(QString::fromUtf8(e.what()));
        if (error) *error = message;
        showMessage(message, true);
        return false;
    }
}

void MonitorPanel::compareWithCurrent() {
    m_compareB.reset();
    updateComparison();
}

void MonitorPanel::updateComparison() {
    const TelemetrySnapshot b = m_compareB ? *m_compareB
                                : m_sampler
                                    ? m_sampler->snapshot(tr("current timeline").toStdString())
                                    : TelemetrySnapshot{};
    const QString nameA = m_compareA ? QString::fromStdString(m_compareA->name) : QString();
    const QString nameB = QString::fromStdString(b.name);
    std::vector<ComparisonRow> rows = compareTelemetry(m_compareA ? *m_compareA : b, b);
    if (!m_compareA)
        for (ComparisonRow& r : rows) r.a.reset(); // no baseline yet
    m_comparisonModel->setHeaders(MonitorRows::comparisonHeaders(
        m_compareA ? tr("A: %1").arg(nameA) : tr("A"), tr("B: %1").arg(nameB)));
    m_comparisonModel->setRows(MonitorRows::comparisonRows(rows));
    m_compareNames->setText(
        m_compareA
            ? tr("A (baseline): %1 · B: %2 · Change = B − A").arg(nameA, nameB)
            : tr("B: %1 · load a saved snapshot as A, the baseline, to compare.").arg(nameB));
}

bool MonitorPanel::exportCsv(const QString& path, QString* error) {
    const std::string csv = telemetryCsv(m_sampler->samples(), m_sampler->marks());
    QSaveFile file(path);
    const bool ok = file.open(QIODevice::WriteOnly) &&
                    file.write(csv.data(), qint64(csv.size())) == qint64(csv.size()) &&
                    file.commit();
    const QString message =
        ok ? tr("Exported the timeline to %1.").arg(path)
           : tr("The CSV file could not be written: %1 (%2)").arg(path, file.errorString());
    if (!ok && error) *error = message;
    showMessage(message, !ok);
    return ok;
}

bool MonitorPanel::exportPng(const QString& path, QString* error) {
    const bool ok = m_timeline->grab().save(path, "PNG");
    const QString message = ok ? tr("Exported the charts to %1.").arg(path)
                               : tr("The PNG file could not be written: %1").arg(path);
    if (!ok && error) *error = message;
    showMessage(message, !ok);
    return ok;
}

} // namespace dw
