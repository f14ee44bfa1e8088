#pragma once
// The GPU monitor panel: where every byte of GPU and host memory goes, second by second, and
// what it buys. Tabs:
//   Overview   GPU figures per GPU (NVML), host CPU and RAM, the engine's ledger by category
//              with peaks and the estimate beside the actual figure, KV headroom, tokens per
//              joule (live and last reply), threshold warnings
//   Timeline   memory, throughput/latency and GPU/host charts on one time axis, with marks for
//              model load, prefill and decode; pause, zoom, export to CSV and PNG
//   Memory     pools (fragmentation), KV blocks per running request, GPU compute processes
//   Experts    MoE expert selections per layer (heatmap), reset on demand
//   Snapshots  save the timeline, compare two timelines side by side
//   Settings   thresholds; sampling period and length
//
// Threads: the panel and its models live on the GUI thread. It owns a TelemetrySampler that
// samples on its own thread (an NVML call can block for tens of ms; the GUI never samples);
// a QTimer reads the sampler's ring every refreshMs on the GUI thread. The bridge points the
// sampler's engine feeds at whichever engine serves (EngineBridge::setTelemetrySampler) and
// the panel marks prefill/decode from the bridge's reply signals.
#include "deepwell/telemetry.h"

#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <set>

class QLabel;
class QTabWidget;
class QTimer;

namespace dw {

class EngineBridge;
class ExpertHeatmap;
class MonitorSettings;
class MonitorTableModel;
class MonitorTimeline;
struct GenerationResult;

struct MonitorOptions {
    TelemetrySamplerOptions sampler; // capacity (600 = 10 min at 1 Hz), period, thresholds,
                                     // efficiencyGpu
    NvmlOptions nvml;                // "" = $DEEPWELL_NVML_LIBRARY, else the driver's library
    int refreshMs = 1000;            // how often the panel reads the sampler
};

class MonitorPanel : public QWidget {
    Q_OBJECT
public:
    // bridge is not owned and must outlive the panel. Throws dw::Error for invalid options.
    explicit MonitorPanel(EngineBridge* bridge, const MonitorOptions& options = {},
                          QWidget* parent = nullptr);
    ~MonitorPanel() override;

    // A new sampler with these options (the timeline starts again). Throws dw::Error for
    // invalid options, leaving the current sampler.
    void reconfigure(const MonitorOptions& options);
    const MonitorOptions& options() const { return m_options; }
    // Returns false (and the reason) for invalid thresholds, which are not applied.
    bool setThresholds(const Thresholds& thresholds, QString* error = nullptr);
    const Thresholds& thresholds() const { return m_thresholds; }

    // Reads the sampler now (the timer calls this every refreshMs).
    void refresh();
    void resetExperts();

    // Each returns false with a message for the user (also shown in the panel) on failure.
    bool saveSnapshot(const QString& path, QString* error = nullptr);
    // Side A is the baseline (a loaded snapshot); side B a loaded snapshot or, by default,
    // the current timeline; "Change" is B − A.
    bool loadComparison(const QString& path, bool sideB = false, QString* error = nullptr);
    void compareWithCurrent(); // side B = the current timeline
    bool exportCsv(const QString& path, QString* error = nullptr);
    bool exportPng(const QString& path, QString* error = nullptr);

    TelemetrySampler* sampler() const { return m_sampler.get(); }
    std::optional<TelemetrySample> latestSample() const { return m_latest; }
    MonitorTableModel* gpuModel() const { return m_gpuModel; }
    MonitorTableModel* processModel() const { return m_processModel; }
    MonitorTableModel* hostModel() const { return m_hostModel; }
    MonitorTableModel* ledgerModel() const { return m_ledgerModel; }
    MonitorTableModel* poolModel() const { return m_poolModel; }
    MonitorTableModel* requestModel() const { return m_requestModel; }
    MonitorTableModel* warningModel() const { return m_warningModel; }
    MonitorTableModel* efficiencyModel() const { return m_efficiencyModel; }
    MonitorTableModel* comparisonModel() const { return m_comparisonModel; }
    MonitorTimeline* timeline() const { return m_timeline; }
    ExpertHeatmap* heatmap() const { return m_heatmap; }
    QLabel* gpuStatusLabel() const { return m_gpuStatus; }
    QLabel* headroomLabel() const { return m_headroom; }
    QLabel* expertNote() const { return m_expertNote; }
    MonitorSettings* settingsWidget() const { return m_settings; }
    QTabWidget* tabs() const { return m_tabs; }
    enum Tab { OverviewTab, TimelineTab, MemoryTab, ExpertsTab, SnapshotsTab, SettingsTab };

signals:
    void warningsChanged(int count);

private:
    struct Reply {
        double start = 0.0, end = -1.0; // on the sampler's time axis; end < 0 while running
        bool decoding = false;
        int64_t tokens = 0;
    };

    void startSampler();
    void stopSampler();
    QWidget* buildOverview();
    QWidget* buildTimelineTab();
    QWidget* buildMemoryTab();
    QWidget* buildExpertsTab();
    QWidget* buildSnapshotsTab();
    QWidget* buildSettingsTab();
    // A table of `model` in a box that shows `emptyText` instead while it has no rows.
    QWidget* addTable(MonitorTableModel* model, QWidget* parent, const QString& emptyText,
                      bool fitRows = true);
    void showMessage(const QString& text, bool error);

    void updateDevices(const TelemetrySample& s, const std::vector<ThresholdWarning>& warnings);
    void updateEngine(const TelemetrySample& s);
    void updateEfficiency(const std::vector<TelemetrySample>& samples);
    void updateComparison();
    void onPromptMeasured(quint64 ticket);
    void onText(quint64 ticket);
    void onFinished(quint64 ticket, const GenerationResult& result);

    EngineBridge* m_bridge;
    MonitorOptions m_options;
    Thresholds m_thresholds;
    std::unique_ptr<TelemetrySampler> m_sampler;
    QTimer* m_timer = nullptr;
    std::optional<TelemetrySample> m_latest;
    std::map<quint64, Reply> m_replies; // running replies by bridge ticket
    std::optional<Reply> m_lastReply;   // finished, measured once the samples cover it
    int m_warningCount = 0;

    std::optional<TelemetrySnapshot> m_compareA, m_compareB; // loaded; B empty = current

    QTabWidget* m_tabs = nullptr;
    QLabel* m_gpuStatus = nullptr;
    QLabel* m_warningBanner = nullptr;
    QLabel* m_headroom = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_expertNote = nullptr;
    QLabel* m_compareNames = nullptr;
    MonitorTableModel* m_gpuModel = nullptr;
    MonitorTableModel* m_processModel = nullptr;
    MonitorTableModel* m_hostModel = nullptr;
    MonitorTableModel* m_ledgerModel = nullptr;
    MonitorTableModel* m_poolModel = nullptr;
    MonitorTableModel* m_requestModel = nullptr;
    MonitorTableModel* m_warningModel = nullptr;
    MonitorTableModel* m_efficiencyModel = nullptr;
    MonitorTableModel* m_comparisonModel = nullptr;
    MonitorTimeline* m_timeline = nullptr;
    ExpertHeatmap* m_heatmap = nullptr;
    MonitorSettings* m_settings = nullptr;
};

} // namespace dw
