// MainWindow, the model side: the chat area (chat panel, or the first-run screen while no
// model is loaded), loading models in the foreground (nothing loaded yet) or the background
// (the current model keeps serving), the model manager window and the recent models.
#include "main_window.h"

#include "chat_panel.h"
#include "first_run.h"
#include "model_facts.h"
#include "model_manager.h"
#include "recent_models.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QStackedWidget>
#include <QStatusBar>

namespace dw {

QWidget* MainWindow::buildModelSide() {
    m_recent = new RecentModels(m_settings, this);
    m_firstRun = new FirstRunWidget(this);
    m_chatArea = new QStackedWidget(this);
    m_chatArea->addWidget(m_chat);
    m_chatArea->addWidget(m_firstRun);
    m_modelManager = new ModelManager(m_bridge, m_recent, this);

    m_loadBar = new QProgressBar(this);
    m_loadBar->setRange(0, 1000);
    m_loadBar->setMaximumWidth(160);
    m_loadBar->setTextVisible(false);
    m_loadBar->setAccessibleName(tr("Model loading progress"));
    m_loadBar->hide();
    statusBar()->addPermanentWidget(m_loadBar);

    const auto load = [this](const QString& path) { openModel(path, m_engineOptions); };
    connect(m_firstRun, &FirstRunWidget::useDefaultRequested, this, load);
    connect(m_firstRun, &FirstRunWidget::openRequested, this, &MainWindow::chooseModelFile);
    connect(m_firstRun, &FirstRunWidget::managerRequested, this, &MainWindow::showModelManager);
    connect(m_modelManager, &ModelManager::loadRequested, this, load);
    connect(m_bridge, &EngineBridge::loadProgress, m_loadBar,
            [this](double f) { m_loadBar->setValue(int(f * 1000.0)); });
    connect(m_bridge, &EngineBridge::swapPending, this, [this](const ModelInfo& next) {
        statusBar()->showMessage(
            tr("%1 is ready; it takes over when the reply being written ends.").arg(next.name));
    });

    m_modelsDir = ModelCatalogue::defaultModelsDir();
    setCatalogue(ModelCatalogue::load(QString::fromLatin1(ModelCatalogue::kResourcePath)));
    return m_chatArea;
}

void MainWindow::setEngineOptions(const EngineOptions& options) {
    m_engineOptions = options;
    m_modelManager->setContextTokens(options.kvTokens);
}

void MainWindow::setModelsDir(const QString& dir) {
    m_modelsDir = dir;
    updateDefaultModel();
}

void MainWindow::setCatalogue(const CatalogueParseResult& catalogue) {
    m_catalogue = catalogue;
    for (const QString& e : catalogue.errors) qWarning("model catalogue: %s", qPrintable(e));
    updateDefaultModel();
}

QString MainWindow::defaultModelPath() const {
    const CatalogueEntry* e = ModelCatalogue::defaultEntry(m_catalogue.entries);
    return e && !e->fileName.isEmpty() ? QDir(m_modelsDir).filePath(e->fileName) : QString();
}

void MainWindow::updateDefaultModel() {
    m_modelManager->setCatalogue(m_catalogue.entries, m_modelsDir, m_catalogue.errors);
    m_modelManager->setContextTokens(m_engineOptions.kvTokens);
    const CatalogueEntry* e = ModelCatalogue::defaultEntry(m_catalogue.entries);
    const QString size = e ? (e->sizeIsExact ? ModelText::bytes(e->fileBytes)
                                             : ModelText::decimalBytes(e->fileBytes))
                           : QString();
    m_firstRun->setDefaultModel(defaultModelPath(), e ? e->name : QString(), size,
                                e ? e->install : QString());
}

void MainWindow::showFirstRun(const QString& message, bool error) {
    m_firstRun->recheck();
    m_firstRun->setMessage(message, error);
    m_chatArea->setCurrentWidget(m_firstRun);
}

bool MainWindow::isShowingFirstRun() const {
    return m_chatArea->currentWidget() == m_firstRun;
}

void MainWindow::showModelManager() {
    m_modelManager->setContextTokens(m_engineOptions.kvTokens);
    m_modelManager->show();
    m_modelManager->raise();
    m_modelManager->activateWindow();
}

void MainWindow::openModel(const QString& path, const EngineOptions& options) {
    setEngineOptions(options);
    const QString file = QFileInfo(path).fileName();
    if (m_bridge
            ->isLoaded()) { // in the background: the chat keeps its model until this one is ready
        m_loadBar->setValue(0);
        m_loadBar->show();
        statusBar()->showMessage(tr("Loading %1; %2 keeps serving until it is ready.")
                                     .arg(file, m_bridge->modelInfo().name));
    } else {
        m_modelLabel->setText(tr("Loading…"));
        m_chatArea->setCurrentWidget(m_chat);
        m_chat->showLoading(tr("Loading %1…").arg(file));
    }
    m_bridge->loadModel(path, options);
    m_modelManager->noteLoadStarted(path);
}

void MainWindow::showMissingModel(const QString& path) {
    m_modelLabel->setText(tr("No model"));
    m_chat->showNotice(tr("No model file was found at\n%1\n\nStart Deepwell with --model PATH, "
                          "or open a GGUF model with File › Open Model…")
                           .arg(path));
    showFirstRun(tr("No model file was found at %1.").arg(path), true);
}

void MainWindow::chooseModelFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), QString(),
                                                      tr("GGUF models (*.gguf);;All files (*)"));
    if (!path.isEmpty()) openModel(path, m_engineOptions);
}

void MainWindow::onModelReady(const ModelInfo& info) {
    m_loadBar->hide();
    m_chatArea->setCurrentWidget(m_chat);
    m_recent->add(info.path);
    statusBar()->showMessage(tr("%1 is ready.").arg(info.name), 8000);
}

void MainWindow::onLoadFailed(const QString& message, bool cancelled) {
    m_loadBar->hide();
    if (m_bridge->isLoaded()) { // the current model keeps serving
        const QString name = m_bridge->modelInfo().name;
        m_modelLabel->setText(name);
        statusBar()->showMessage(
            cancelled
                ? tr("Loading was cancelled; %1 is still serving.").arg(name)
                : tr("The model could not be loaded: %1 (%2 is still serving)").arg(message, name));
        return;
    }
    m_modelLabel->setText(tr("No model"));
    m_chat->showNotice(cancelled ? tr("Loading was cancelled. Open a model with File › Open Model…")
                                 : tr("The model could not be loaded:\n%1").arg(message));
    showFirstRun(cancelled ? tr("Loading was cancelled.")
                           : tr("The model could not be loaded: %1").arg(message),
                 !cancelled);
}

} // namespace dw
