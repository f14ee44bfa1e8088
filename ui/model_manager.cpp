#include "model_manager.h"

#include "file_inspector.h"
#include "model_details_view.h"
#include "model_list_model.h"
#include "recent_models.h"

#include <QAbstractButton>
#include <QAction>
#include <QBoxLayout>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>

namespace dw {

namespace {

QPushButton* button(const QString& text, const QString& accessible, QWidget* parent) {
    auto* b = new QPushButton(text, parent);
    b->setAccessibleName(accessible);
    return b;
}

} // namespace

ModelManager::ModelManager(EngineBridge* bridge, RecentModels* recent, QWidget* parent)
    : QDialog(parent), m_bridge(bridge), m_recent(recent) {
    setWindowTitle(tr("Models"));
    setObjectName(QStringLiteral("modelManager"));
    setAccessibleName(tr("Model manager"));
    setSizeGripEnabled(true);

    m_inspector = new FileInspector(this);
    m_model = new ModelListModel(this);
    m_model->setRecent(recent->paths());

    m_catalogueErrors = new QLabel(this);
    m_catalogueErrors->setWordWrap(true);
    m_catalogueErrors->setStyleSheet(QStringLiteral("color:#b01e1e"));
    m_catalogueErrors->setAccessibleName(tr("Catalogue errors"));
    m_catalogueErrors->hide();

    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setAccessibleName(tr("Models"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setCornerButtonEnabled(false);
    for (QAbstractButton* b : m_table->findChildren<QAbstractButton*>()) // Qt's corner button
        b->setAccessibleName(tr("Select all models"));

    m_details = new ModelDetailsView(this);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_details);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    m_state = new QLabel(this);
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setAccessibleName(tr("Loading state"));
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setAccessibleName(tr("Loading progress"));
    m_progress->hide();

    m_open = button(tr("&Open GGUF…"), tr("Open a GGUF file"), this);
    m_open->setShortcut(QKeySequence::Open);
    m_open->setToolTip(tr("Add a GGUF model file to the list (Ctrl+O)"));
    m_load = button(tr("&Load"), tr("Load the selected model"), this);
    m_load->setToolTip(
        tr("Load the selected model; the current one serves until it is ready (Enter)"));
    m_cancel = button(tr("&Cancel loading"), tr("Cancel loading"), this);
    m_remove = button(tr("&Remove from list"), tr("Remove the selected file from the list"), this);
    m_remove->setToolTip(
        tr("Forget this file in the list (the file itself is not deleted) (Delete)"));
    auto* prune =
        button(tr("Remove &missing"), tr("Remove every missing file from the list"), this);
    auto* close = button(tr("Close"), tr("Close the model manager"), this);
    connect(m_open, &QPushButton::clicked, this, &ModelManager::chooseFile);
    connect(m_load, &QPushButton::clicked, this, &ModelManager::loadSelected);
    connect(m_cancel, &QPushButton::clicked, bridge, [bridge] { bridge->cancelLoad(); });
    connect(m_remove, &QPushButton::clicked, this, &ModelManager::removeSelected);
    connect(prune, &QPushButton::clicked, recent, [recent] { recent->pruneMissing(); });
    connect(close, &QPushButton::clicked, this, &QDialog::close);

    auto* removeKey = new QAction(tr("Remove from list"), this);
    removeKey->setShortcut(QKeySequence::Delete);
    removeKey->setShortcutContext(Qt::WidgetShortcut);
    m_table->addAction(removeKey);
    connect(removeKey, &QAction::triggered, this, &ModelManager::removeSelected);

    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {m_open, m_load, m_cancel, m_remove, prune}) buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_catalogueErrors);
    layout->addWidget(split, 1);
    layout->addWidget(m_state);
    layout->addWidget(m_progress);
    layout->addLayout(buttons);

    connect(m_table, &QTableView::activated, this, [this] { loadSelected(); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateDetails();
        updateButtons();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& from, const QModelIndex& to) {
                const int row = m_table->currentIndex().row();
                if (row >= from.row() && row <= to.row()) updateDetails();
                updateButtons();
            });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        inspectPending();
        updateDetails();
        updateButtons();
    });
    connect(recent, &RecentModels::changed, this, [this] {
        const QString keep = selectedPath();
        m_model->setRecent(m_recent->paths());
        selectPath(keep);
    });
    connect(m_inspector, &FileInspector::inspected, this,
            [this](const QString& path, qint64 ctx, const FileFacts& facts) {
                m_inFlight.remove(path);
                m_model->setFacts(path, ctx, facts);
            });
    connect(m_inspector, &FileInspector::inspectionFailed, this,
            [this](const QString& path, qint64 ctx, const QString& message) {
                m_inFlight.remove(path);
                m_model->setInspectionError(path, ctx, message);
            });
    connect(m_inspector, &FileInspector::machineMemory, m_model, &ModelListModel::setMachine);

    connect(bridge, &EngineBridge::loadProgress, this,
            [this](double f) { m_progress->setValue(int(f * 1000.0)); });
    connect(bridge, &EngineBridge::modelLoaded, this, &ModelManager::onLoaded);
    connect(bridge, &EngineBridge::loadFailed, this, &ModelManager::onFailed);
    connect(bridge, &EngineBridge::finished, this, [this] { // the ledger's figures moved
        if (isVisible()) updateDetails();
    });
    connect(bridge, &EngineBridge::swapPending, this, [this](const ModelInfo& next) {
        setState(
            tr("%1 is ready. It takes over when the reply being written now ends.").arg(next.name),
            false);
    });

    if (bridge->isLoaded()) m_model->setLoadedPath(bridge->modelInfo().path);
    setState(bridge->isLoaded() ? tr("%1 is serving.").arg(bridge->modelInfo().name)
                                : tr("No model is loaded."),
             false);
    resize(980, 640);
    updateButtons();
}

ModelManager::~ModelManager() = default;

void ModelManager::setCatalogue(std::vector<CatalogueEntry> entries, const QString& modelsDir,
                                const QStringList& errors) {
    m_catalogueErrors->setText(
        tr("Some catalogue entries could not be read:\n%1").arg(errors.join(QLatin1Char('\n'))));
    m_catalogueErrors->setVisible(!errors.isEmpty());
    m_model->setCatalogue(std::move(entries), modelsDir);
    if (m_bridge->isLoaded()) m_model->setLoadedPath(m_bridge->modelInfo().path);
}

void ModelManager::setContextTokens(qint64 tokens) {
    m_inFlight.clear(); // answers for the old context are ignored by the model
    m_model->setContextTokens(tokens);
}

void ModelManager::refresh() {
    m_inspector->queryMachine();
    m_inFlight.clear();
    m_model->forgetInspections();
}

void ModelManager::showEvent(QShowEvent* event) {
    QDialog::showEvent(event);
    const QString keep = selectedPath();
    refresh(); // files may have come or gone while the window was closed; free memory moved
    selectPath(keep);
    if (!m_table->currentIndex().isValid() && m_model->rowCount() > 0) {
        const int loaded =
            m_bridge->isLoaded() ? m_model->rowOfPath(m_bridge->modelInfo().path) : -1;
        m_table->setCurrentIndex(m_model->index(loaded >= 0 ? loaded : 0, 0));
    }
}

void ModelManager::inspectPending() {
    for (const QString& path : m_model->pathsToInspect()) {
        if (m_inFlight.contains(path)) continue;
        m_inFlight.insert(path);
        m_inspector->inspect(path, m_model->contextTokens());
    }
}

void ModelManager::chooseFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open GGUF Model"), QString(),
                                                      tr("GGUF models (*.gguf);;All files (*)"));
    if (!path.isEmpty()) addFile(path);
}

void ModelManager::addFile(const QString& path) {
    m_recent->add(path); // rebuilds the rows (changed()) and starts reading the file
    selectPath(path);
}

void ModelManager::selectPath(const QString& path) {
    const int row = m_model->rowOfPath(path);
    if (row >= 0) m_table->setCurrentIndex(m_model->index(row, 0));
}

QString ModelManager::selectedPath() const {
    const QModelIndex i = m_table->currentIndex();
    return i.isValid() ? m_model->rowAt(i.row()).path : QString();
}

void ModelManager::loadSelected() {
    const QModelIndex i = m_table->currentIndex();
    if (!i.isValid() || !m_model->rowAt(i.row()).present) return;
    loadFile(m_model->rowAt(i.row()).path);
}

void ModelManager::loadFile(const QString& path) {
    emit loadRequested(path); // the main window starts the load and calls noteLoadStarted()
}

void ModelManager::noteLoadStarted(const QString& path) {
    m_loadingPath = path;
    m_progress->setValue(0);
    m_progress->show();
    setState(m_bridge->isLoaded() ? tr("Loading %1… %2 keeps serving until it is ready.")
                                        .arg(QFileInfo(path).fileName(), m_bridge->modelInfo().name)
                                  : tr("Loading %1…").arg(QFileInfo(path).fileName()),
             false);
    updateButtons();
}

void ModelManager::onLoaded(const ModelInfo& info) {
    m_loadingPath.clear();
    m_progress->hide();
    m_model->setLoadedPath(info.path);
    setState(tr("%1 is serving.").arg(info.name), false);
    m_inspector->queryMachine();
    updateDetails();
    updateButtons();
}

void ModelManager::onFailed(const QString& message, bool cancelled) {
    const QString file = QFileInfo(m_loadingPath).fileName();
    m_loadingPath.clear();
    m_progress->hide();
    const QString still =
        m_bridge->isLoaded()
            ? QLatin1Char(' ') + tr("%1 is still serving.").arg(m_bridge->modelInfo().name)
            : QString();
    if (cancelled)
        setState(tr("Loading was cancelled.") + still, false);
    else
        setState(
            tr("%1 could not be loaded: %2").arg(file.isEmpty() ? tr("The model") : file, message) +
                still,
            true);
    updateButtons();
}

void ModelManager::removeSelected() {
    const QModelIndex i = m_table->currentIndex();
    if (!i.isValid() || m_model->entry(i.row())) return; // catalogue rows stay
    m_recent->remove(m_model->rowAt(i.row()).path);
}

void ModelManager::setState(const QString& text, bool error) {
    m_state->setText(text);
    m_state->setStyleSheet(error ? QStringLiteral("color:#b01e1e") : QString());
}

void ModelManager::updateDetails() {
    const QModelIndex i = m_table->currentIndex();
    if (!i.isValid()) {
        m_details->showNothing();
        return;
    }
    const bool isLoaded = m_bridge->isLoaded() && !m_model->rowAt(i.row()).path.isEmpty() &&
                          m_model->rowOfPath(m_bridge->modelInfo().path) == i.row();
    const LedgerSnapshot memory = isLoaded ? m_bridge->engineMemory() : LedgerSnapshot{};
    m_details->showRow(*m_model, i.row(), isLoaded ? &m_bridge->modelInfo() : nullptr,
                       isLoaded ? &memory : nullptr);
}

void ModelManager::updateButtons() {
    const QModelIndex i = m_table->currentIndex();
    const bool present = i.isValid() && m_model->rowAt(i.row()).present;
    const auto st = i.isValid() ? m_model->status(i.row()) : ModelListModel::Status::Missing;
    m_load->setEnabled(present && st != ModelListModel::Status::Unreadable);
    m_remove->setEnabled(i.isValid() && !m_model->entry(i.row()));
    m_cancel->setEnabled(m_bridge->isLoading());
}

} // namespace dw
