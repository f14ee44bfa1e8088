#include "main_window.h"

#include "chat_controller.h"
#include "chat_panel.h"
#include "chat_session.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>

namespace dw {

namespace {

// Stable names: saved layouts refer to docks by objectName, so these never change.
QString panelObjectName(PanelId id) {
    switch (id) {
    case PanelId::Chat: return QStringLiteral("dock.chat");
    case PanelId::History: return QStringLiteral("dock.history");
    case PanelId::Documents: return QStringLiteral("dock.documents");
    case PanelId::CtAnalysis: return QStringLiteral("dock.ct");
    case PanelId::GpuMonitor: return QStringLiteral("dock.gpu");
    }
    return {};
}

const char* kGeometryKey = "mainWindow/geometry";
const char* kStateKey = "mainWindow/state";

} // namespace

MainWindow::MainWindow(EngineBridge* bridge, QSettings* settings, QWidget* parent)
    : QMainWindow(parent), m_bridge(bridge), m_settings(settings) {
    setWindowTitle(tr("Deepwell"));
    setObjectName(QStringLiteral("mainWindow"));
    setDockNestingEnabled(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks |
                   QMainWindow::AllowNestedDocks);
    // Every tool is a dock; the central area is empty and hidden so docks share the window.
    auto* central = new QWidget(this);
    central->hide();
    setCentralWidget(central);

    m_session = new ChatSession(this);
    m_controller = new ChatController(m_session, bridge, this);
    m_chat = new ChatPanel(m_controller, this);
    addPanel(PanelId::Chat, tr("Chat"), m_chat, Qt::RightDockWidgetArea);

    m_modelLabel = new QLabel(tr("No model"), this);
    m_modelLabel->setAccessibleName(tr("Loaded model"));
    statusBar()->addPermanentWidget(m_modelLabel);
    buildMenus();

    connect(bridge, &EngineBridge::loadProgress, m_chat, &ChatPanel::setLoadProgress);
    connect(bridge, &EngineBridge::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(bridge, &EngineBridge::loadFailed, this, &MainWindow::onLoadFailed);
    connect(m_chat, &ChatPanel::cancelLoadRequested, bridge, [bridge] { bridge->cancelLoad(); });

    resize(1200, 800);
    m_defaultState = saveState(kLayoutVersion);
    restoreLayout();
    if (bridge->isLoaded()) onModelLoaded(bridge->modelInfo());
    else m_chat->showNotice(tr("No model is loaded. Open one with File › Open Model…"));
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addPanel(PanelId id, const QString& title, QWidget* widget,
                                  Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(panelObjectName(id));
    dock->setAccessibleName(title);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                      QDockWidget::DockWidgetFloatable);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    m_docks.append({id, dock});
    if (m_viewMenu) m_viewMenu->addAction(dock->toggleViewAction());
    return dock;
}

QDockWidget* MainWindow::dock(PanelId id) const {
    for (const auto& [pid, d] : m_docks)
        if (pid == id) return d;
    return nullptr;
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::chooseModelFile);
    open->setShortcut(QKeySequence::Open);
    m_newSession = file->addAction(tr("&New Session"), m_chat, &ChatPanel::newSession);
    m_newSession->setShortcut(QKeySequence::New);
    m_newSession->setShortcutContext(Qt::ApplicationShortcut); // also from a floating chat dock
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (const auto& [id, d] : m_docks) m_viewMenu->addAction(d->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);
}

void MainWindow::openModel(const QString& path, const EngineOptions& options) {
    m_engineOptions = options;
    m_modelLabel->setText(tr("Loading…"));
    m_chat->showLoading(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    m_bridge->loadModel(path, options);
}

void MainWindow::showMissingModel(const QString& path) {
    m_modelLabel->setText(tr("No model"));
    m_chat->showNotice(tr("No model file was found at\n%1\n\nStart Deepwell with --model PATH, "
                          "or open a GGUF model with File › Open Model…").arg(path));
}

void MainWindow::chooseModelFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), QString(),
                                                      tr("GGUF models (*.gguf);;All files (*)"));
    if (!path.isEmpty()) openModel(path, m_engineOptions);
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
    m_modelLabel->setText(info.name);
    m_chat->showChat(info);
}

void MainWindow::onLoadFailed(const QString& message, bool cancelled) {
    m_modelLabel->setText(tr("No model"));
    m_chat->showNotice(cancelled ? tr("Loading was cancelled. Open a model with File › Open Model…")
                                 : tr("The model could not be loaded:\n%1").arg(message));
}

void MainWindow::saveLayout() {
    m_settings->setValue(kGeometryKey, saveGeometry());
    m_settings->setValue(kStateKey, saveState(kLayoutVersion));
    m_settings->sync();
}

bool MainWindow::restoreLayout() {
    const QByteArray geometry = m_settings->value(kGeometryKey).toByteArray();
    const QByteArray state = m_settings->value(kStateKey).toByteArray();
    bool ok = false;
    if (!geometry.isEmpty()) ok = restoreGeometry(geometry);
    if (!state.isEmpty()) ok = restoreState(state, kLayoutVersion) && ok;
    return ok;
}

void MainWindow::resetLayout() {
    restoreState(m_defaultState, kLayoutVersion);
    for (const auto& [id, d] : m_docks) {
        d->setFloating(false);
        d->show();
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveLayout();
    QMainWindow::closeEvent(event);
}

} // namespace dw
