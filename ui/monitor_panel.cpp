// The monitor panel's construction: the sampler's life, the tabs and their widgets.
// (Updates and actions: monitor_panel_update.cpp.)
#include "monitor_panel.h"

#include "engine_bridge.h"
#include "monitor_heatmap.h"
#include "monitor_rows.h"
#include "monitor_settings.h"
#include "monitor_table_model.h"
#include "monitor_timeline.h"

#include <QAbstractButton>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace dw {

MonitorPanel::MonitorPanel(EngineBridge* bridge, const MonitorOptions& options, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_options(options),
      m_thresholds(options.sampler.thresholds) {
    setObjectName(QStringLiteral("monitorPanel"));
    const TelemetrySample none;
    m_gpuModel = new MonitorTableModel(MonitorRows::gpuHeaders(none), this);
    m_processModel = new MonitorTableModel(MonitorRows::processHeaders(), this);
    m_hostModel = new MonitorTableModel(MonitorRows::hostHeaders(), this);
    m_ledgerModel = new MonitorTableModel(MonitorRows::ledgerHeaders(), this);
    m_poolModel = new MonitorTableModel(MonitorRows::poolHeaders(), this);
    m_requestModel = new MonitorTableModel(MonitorRows::requestHeaders(), this);
    m_warningModel = new MonitorTableModel(MonitorRows::warningHeaders(), this);
    m_efficiencyModel = new MonitorTableModel(MonitorRows::efficiencyHeaders(), this);
    m_comparisonModel =
        new MonitorTableModel(MonitorRows::comparisonHeaders(tr("A"), tr("B")), this);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_gpuStatus = new QLabel(this);
    m_gpuStatus->setWordWrap(true);
    m_gpuStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_gpuStatus);
    // Always shown (one line, red while a threshold is crossed), so the panel does not jump
    // each time a warning comes and goes.
    m_warningBanner = new QLabel(tr("No threshold warnings."), this);
    m_warningBanner->setWordWrap(true);
    m_warningBanner->setObjectName(QStringLiteral("warningBanner"));
    layout->addWidget(m_warningBanner);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->hide();
    layout->addWidget(m_message);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(buildOverview(), tr("Overview"));
    m_tabs->addTab(buildTimelineTab(), tr("Timeline"));
    m_tabs->addTab(buildMemoryTab(), tr("Memory"));
    m_tabs->addTab(buildExpertsTab(), tr("Experts"));
    m_tabs->addTab(buildSnapshotsTab(), tr("Snapshots"));
    m_tabs->addTab(buildSettingsTab(), tr("Settings"));
    layout->addWidget(m_tabs, 1);

    m_timeline->setThresholds(m_thresholds);
    m_timeline->setMinimumSpan(60.0 * m_options.sampler.periodSeconds);
    m_settings->setValues(m_thresholds, m_options.sampler.capacity,
                          m_options.sampler.periodSeconds);
    m_gpuStatus->setText(tr("Starting GPU telemetry…"));

    connect(bridge, &EngineBridge::promptMeasured, this,
            [this](quint64 t) { onPromptMeasured(t); });
    connect(bridge, &EngineBridge::textArrived, this, [this](quint64 t) { onText(t); });
    connect(bridge, &EngineBridge::finished, this, &MonitorPanel::onFinished);

    m_timer = new QTimer(this);
    m_timer->setInterval(m_options.refreshMs);
    connect(m_timer, &QTimer::timeout, this, &MonitorPanel::refresh);
    startSampler();
    m_timer->start();
}

MonitorPanel::~MonitorPanel() {
    stopSampler();
}

void MonitorPanel::startSampler() {
    // dlopen and nvmlInit happen here, once per sampler; sampling then runs on its thread.
    m_sampler = std::make_unique<TelemetrySampler>(m_options.sampler,
                                                   std::make_unique<NvmlSource>(m_options.nvml));
    m_sampler->start();
    m_bridge->setTelemetrySampler(m_sampler.get()); // feeds from the serving engine
}

void MonitorPanel::stopSampler() {
    if (!m_sampler) return;
    m_bridge->detachTelemetrySampler(m_sampler.get()); // no call into an engine feed after this
    m_sampler->stop();
    m_sampler.reset();
}

void MonitorPanel::reconfigure(const MonitorOptions& options) {
    // Built before the old one goes, so invalid options leave the panel as it was.
    auto next = std::make_unique<TelemetrySampler>(options.sampler,
                                                   std::make_unique<NvmlSource>(options.nvml));
    stopSampler();
    m_options = options;
    m_thresholds = options.sampler.thresholds;
    m_sampler = std::move(next);
    m_sampler->start();
    m_bridge->setTelemetrySampler(m_sampler.get());
    m_replies.clear(); // their times were on the old time axis
    m_lastReply.reset();
    m_latest.reset();
    m_timer->setInterval(options.refreshMs);
    m_timeline->setThresholds(m_thresholds);
    m_timeline->setMinimumSpan(60.0 * options.sampler.periodSeconds);
    m_settings->setValues(m_thresholds, options.sampler.capacity, options.sampler.periodSeconds);
}

bool MonitorPanel::setThresholds(const Thresholds& thresholds, QString* error) {
    try {
        thresholds.validate();
    } catch (const std::exception& e) {
        const QString message =
            tr("These thresholds are not valid: %1").arg(QString::fromUtf8(e.what()));
        if (error) *error = message;
        m_settings->setStatus(message, true);
        return false;
    }
    m_thresholds = thresholds;
    m_options.sampler.thresholds = thresholds;
    m_timeline->setThresholds(thresholds);
    m_settings->setStatus(tr("Thresholds applied."), false);
    if (m_latest) refresh();
    return true;
}

QWidget* MonitorPanel::addTable(MonitorTableModel* model, QWidget* parent, const QString& emptyText,
                                bool fitRows) {
    auto* box = new QWidget(parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* view = new QTableView(box);
    view->setModel(model);
    view->verticalHeader()->hide();
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->horizontalHeader()->setHighlightSections(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->setAccessibleName(model->headers().value(0));
    if (auto* corner = view->findChild<QAbstractButton*>())
        corner->setAccessibleName(tr("Select all rows"));
    layout->addWidget(view, fitRows ? 0 : 1, Qt::AlignLeft);
    // An empty table says so in words instead of showing an empty grid.
    auto* empty = new QLabel(emptyText, box);
    empty->setWordWrap(true);
    empty->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(empty);
    // Tables are as wide as their columns; fitted ones as tall as their rows too (the tab
    // scrolls, not each table).
    const auto fit = [view, empty, emptyText, fitRows] {
        const bool none = view->model()->rowCount() == 0 && !emptyText.isEmpty();
        view->setVisible(!none);
        empty->setVisible(none);
        view->resizeColumnsToContents();
        const int scroll = fitRows ? 0 : view->style()->pixelMetric(QStyle::PM_ScrollBarExtent);
        view->setFixedWidth(view->horizontalHeader()->length() + 2 * view->frameWidth() + scroll);
        if (!fitRows) return;
        const int rows = std::max(view->model()->rowCount(), 1);
        view->setFixedHeight(view->horizontalHeader()->sizeHint().height() +
                             rows * view->verticalHeader()->defaultSectionSize() +
                             2 * view->frameWidth());
        view->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    };
    connect(model, &QAbstractItemModel::modelReset, view, fit);
    connect(model, &QAbstractItemModel::dataChanged, view, fit);
    fit();
    return box;
}

namespace {

QLabel* heading(const QString& text, QWidget* parent) {
    auto* l = new QLabel(text, parent);
    QFont f = l->font();
    f.setBold(true);
    l->setFont(f);
    return l;
}

QWidget* scrolled(QWidget* content) {
    auto* area = new QScrollArea;
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setWidget(content);
    return area;
}

} // namespace

QWidget* MonitorPanel::buildOverview() {
    auto* page = new QWidget;
    auto* v = new QVBoxLayout(page);
    auto* devices = new QHBoxLayout;
    auto* gpuBox = new QVBoxLayout;
    gpuBox->addWidget(heading(tr("GPUs"), page));
    gpuBox->addWidget(addTable(m_gpuModel, page, tr("No GPU figures.")));
    gpuBox->addStretch(1);
    auto* hostBox = new QVBoxLayout;
    hostBox->addWidget(heading(tr("Host"), page));
    hostBox->addWidget(addTable(m_hostModel, page, tr("No host figures.")));
    hostBox->addStretch(1);
    devices->addLayout(gpuBox);
    devices->addSpacing(12);
    devices->addLayout(hostBox);
    devices->addStretch(1);
    v->addLayout(devices);
    v->addWidget(heading(tr("Engine memory (ledger)"), page));
    v->addWidget(addTable(m_ledgerModel, page, tr("No model is loaded.")));
    m_headroom = new QLabel(tr("No model is loaded."), page);
    m_headroom->setWordWrap(true);
    v->addWidget(m_headroom);
    auto* lower = new QHBoxLayout;
    auto* effBox = new QVBoxLayout;
    effBox->addWidget(heading(tr("Efficiency"), page));
    effBox->addWidget(addTable(m_efficiencyModel, page, QString()));
    effBox->addStretch(1);
    auto* warnBox = new QVBoxLayout;
    warnBox->addWidget(heading(tr("Warnings"), page));
    warnBox->addWidget(
        addTable(m_warningModel, page, tr("None: every figure is within its threshold.")));
    warnBox->addStretch(1);
    lower->addLayout(effBox);
    lower->addSpacing(12);
    lower->addLayout(warnBox, 1);
    v->addLayout(lower);
    v->addStretch(1);
    return scrolled(page);
}

QWidget* MonitorPanel::buildTimelineTab() {
    auto* page = new QWidget;
    auto* v = new QVBoxLayout(page);
    v->setContentsMargins(2, 2, 2, 2);
    auto* bar = new QHBoxLayout;
    auto* pause = new QPushButton(tr("Pause"), page);
    pause->setCheckable(true);
    pause->setObjectName(QStringLiteral("pauseButton"));
    auto* reset = new QPushButton(tr("Reset zoom"), page);
    reset->setObjectName(QStringLiteral("resetZoomButton"));
    reset->setEnabled(false);
    auto* csv = new QPushButton(tr("Export CSV…"), page);
    auto* png = new QPushButton(tr("Export PNG…"), page);
    pause->setAccessibleName(tr("Pause the timeline"));
    reset->setAccessibleName(tr("Reset the timeline's zoom"));
    csv->setAccessibleName(tr("Export the timeline as CSV"));
    png->setAccessibleName(tr("Export the charts as PNG"));
    for (QPushButton* b : {pause, reset, csv, png}) bar->addWidget(b);
    bar->addStretch(1);
    v->addLayout(bar);
    m_timeline = new MonitorTimeline;
    // Scrolled, so the three charts never force a tall minimum size on the dock.
    m_timeline->setMinimumHeight(640);
    v->addWidget(scrolled(m_timeline), 1);
    connect(pause, &QPushButton::toggled, m_timeline, &MonitorTimeline::setPaused);
    connect(m_timeline, &MonitorTimeline::pausedChanged, pause, [pause](bool p) {
        pause->setChecked(p);
        pause->setText(p ? tr("Resume") : tr("Pause"));
    });
    connect(reset, &QPushButton::clicked, m_timeline, &MonitorTimeline::resetZoom);
    connect(m_timeline, &MonitorTimeline::zoomedChanged, reset, &QPushButton::setEnabled);
    connect(csv, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export timeline as CSV"),
                                                          QStringLiteral("deepwell-telemetry.csv"),
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty()) exportCsv(path);
    });
    connect(png, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export timeline as PNG"),
                                                          QStringLiteral("deepwell-timeline.png"),
                                                          tr("PNG images (*.png)"));
        if (!path.isEmpty()) exportPng(path);
    });
    return page;
}

QWidget* MonitorPanel::buildMemoryTab() {
    auto* page = new QWidget;
    auto* v = new QVBoxLayout(page);
    v->addWidget(heading(tr("Pools"), page));
    v->addWidget(addTable(m_poolModel, page, tr("No pools: no model is loaded.")));
    v->addWidget(heading(tr("KV cache per running request"), page));
    v->addWidget(addTable(m_requestModel, page, tr("No request is running.")));
    v->addWidget(heading(tr("GPU compute processes"), page));
    v->addWidget(addTable(m_processModel, page, tr("None (or the driver does not say).")));
    v->addStretch(1);
    return scrolled(page);
}

QWidget* MonitorPanel::buildExpertsTab() {
    auto* page = new QWidget;
    auto* v = new QVBoxLayout(page);
    auto* bar = new QHBoxLayout;
    m_expertNote = new QLabel(tr("No model is loaded."), page);
    m_expertNote->setWordWrap(true);
    auto* reset = new QPushButton(tr("Reset counts"), page);
    reset->setObjectName(QStringLiteral("resetExpertsButton"));
    reset->setAccessibleName(tr("Reset the expert selection counts"));
    bar->addWidget(m_expertNote, 1);
    bar->addWidget(reset);
    v->addLayout(bar);
    m_heatmap = new ExpertHeatmap(page);
    v->addWidget(m_heatmap, 1);
    connect(reset, &QPushButton::clicked, this, &MonitorPanel::resetExperts);
    return page;
}

QWidget* MonitorPanel::buildSnapshotsTab() {
    auto* page = new QWidget;
    auto* v = new QVBoxLayout(page);
    auto* bar = new QHBoxLayout;
    auto* save = new QPushButton(tr("Save snapshot…"), page);
    auto* loadA = new QPushButton(tr("Load A (baseline)…"), page);
    auto* loadB = new QPushButton(tr("Load B…"), page);
    auto* current = new QPushButton(tr("B = current timeline"), page);
    save->setAccessibleName(tr("Save the timeline as a snapshot"));
    loadA->setAccessibleName(tr("Load snapshot A, the baseline"));
    loadB->setAccessibleName(tr("Load snapshot B"));
    current->setAccessibleName(tr("Compare with the current timeline"));
    for (QPushButton* b : {save, loadA, loadB, current}) bar->addWidget(b);
    bar->addStretch(1);
    v->addLayout(bar);
    m_compareNames = new QLabel(page);
    m_compareNames->setWordWrap(true);
    v->addWidget(m_compareNames);
    v->addWidget(addTable(m_comparisonModel, page, QString(), false), 1);
    const QString filter = tr("Deepwell telemetry (*.json)");
    connect(save, &QPushButton::clicked, this, [this, filter] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save telemetry snapshot"), QStringLiteral("deepwell-telemetry.json"), filter);
        if (!path.isEmpty()) saveSnapshot(path);
    });
    const auto load = [this, filter](bool sideB) {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open telemetry snapshot"), QString(), filter);
        if (!path.isEmpty()) loadComparison(path, sideB);
    };
    connect(loadA, &QPushButton::clicked, this, [load] { load(false); });
    connect(loadB, &QPushButton::clicked, this, [load] { load(true); });
    connect(current, &QPushButton::clicked, this, &MonitorPanel::compareWithCurrent);
    updateComparison();
    return page;
}

QWidget* MonitorPanel::buildSettingsTab() {
    m_settings = new MonitorSettings;
    connect(m_settings, &MonitorSettings::thresholdsEdited, this,
            [this](const Thresholds& t) { setThresholds(t); });
    connect(m_settings, &MonitorSettings::samplingApplied, this,
            [this](qulonglong capacity, double period) {
                MonitorOptions o = m_options;
                o.sampler.capacity = size_t(capacity);
                o.sampler.periodSeconds = period;
                o.sampler.thresholds = m_thresholds;
                o.refreshMs = std::max(100, int(period * 1000.0)); // read about as often as sampled
                try {
                    reconfigure(o);
                    m_settings->setStatus(tr("Sampling restarted."), false);
                } catch (const std::exception& e) {
                    m_settings->setStatus(QString::fromUtf8(e.what()), true);
                }
            });
    return scrolled(m_settings);
}

void MonitorPanel::showMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    m_message->setVisible(!text.isEmpty());
}

} // namespace dw
