#include "main_window.h"

#include "chat_controller.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "history_controller.h"
#include "history_panel.h"
#include "history_startup.h"
#include "language.h"
#include "monitor_panel.h"

#include <QAction>
#include <QActionGroup>
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

MainWindow::MainWindow(EngineBridge* bridge, QSettings* settings, HistoryStartup* history,
                       QWidget* parent)
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
    addPanel(PanelId::Chat, tr("Chat"), buildModelSide(), Qt::RightDockWidgetArea);
    buildHistory(history);
    // The GPU monitor, tabbed behind the chat: one click away and out of the chat's way.
    m_monitor = new MonitorPanel(bridge, MonitorOptions{}, this);
    tabifyDockWidget(dock(PanelId::Chat),
                     addPanel(PanelId::GpuMonitor, tr("GPU Monitor"), m_monitor, Qt::RightDockWidgetArea));
    dock(PanelId::Chat)->raise();

    m_modelLabel = new QLabel(tr("No model"), this);
    m_modelLabel->setAccessibleName(tr("Loaded model"));
    statusBar()->addPermanentWidget(m_modelLabel);
    buildMenus();

    connect(bridge, &EngineBridge::loadProgress, m_chat, &ChatPanel::setLoadProgress);
    connect(bridge, &EngineBridge::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(bridge, &EngineBridge::loadFailed, this, &MainWindow::onLoadFailed);
    connect(m_chat, &ChatPanel::cancelLoadRequested, bridge, [bridge] { bridge->cancelLoad(); });

    resize(1200, 800);
    resizeDocks({dock(PanelId::History), dock(PanelId::Chat)}, {300, 900}, Qt::Horizontal);
    m_defaultState = saveState(kLayoutVersion);
    restoreLayout();
    if (bridge->isLoaded()) onModelLoaded(bridge->modelInfo());
    else {
        m_chat->showNotice(tr("No model is loaded. Open one with File › Open Model…"));
        showFirstRun();
    }
}

// The chat session goes before the HistoryController (an older sibling): write what is
// pending while it still exists.
MainWindow::~MainWindow() { m_history->flush(); }

void MainWindow::buildHistory(HistoryStartup* startup) {
    m_history = new HistoryController(m_controller, startup ? startup->store.get() : nullptr, this);
    m_historyPanel = new HistoryPanel(m_history, this);
    addPanel(PanelId::History, tr("History"), m_historyPanel, Qt::LeftDockWidgetArea);
    connect(m_historyPanel, &HistoryPanel::newSessionRequested, m_chat, &ChatPanel::newSession);
    connect(m_historyPanel, &HistoryPanel::statusMessage, this,
            [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(m_history, &HistoryController::notice, m_chat->statusLabel(), &QLabel::setText);
    connect(m_history, &HistoryController::currentSessionChanged, m_chat, [this] {
        m_chat->cancelEdit(); // the status line spoke of the conversation that was open
        m_chat->statusLabel()->clear();
    });
    if (!startup || !startup->store) {
        const QString why =
            startup ? startup->failure : tr("History is not being saved in this window.");
        m_historyPanel->showBanner(why, true);
        auto* off = new QLabel(tr("History off"), this);
        off->setAccessibleName(tr("History is not being saved"));
        off->setToolTip(why);
        statusBar()->addPermanentWidget(off);
    } else if (!startup->notice.isEmpty()) {
        m_historyPanel->showBanner(startup->notice, startup->noticeIsWarning);
    }
}

void MainWindow::showHistorySearch() {
    QDockWidget* d = dock(PanelId::History);
    d->show();
    d->raise();
    m_historyPanel->focusSearch();
}

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
    QAction* models = file->addAction(tr("&Models…"), this, &MainWindow::showModelManager);
    models->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    m_newSession = file->addAction(tr("&New Session"), m_chat, &ChatPanel::newSession);
    m_newSession->setShortcut(QKeySequence::New);
    m_newSession->setShortcutContext(Qt::ApplicationShortcut); // also from a floating chat dock
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_searchHistory =
        m_viewMenu->addAction(tr("&Search History"), this, &MainWindow::showHistorySearch);
    m_searchHistory->setShortcut(QKeySequence::Find);
    m_searchHistory->setShortcutContext(Qt::ApplicationShortcut);
    m_viewMenu->addSeparator();
    for (const auto& [id, d] : m_docks) m_viewMenu->addAction(d->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);
    m_viewMenu->addSeparator();
    buildLanguageMenu(m_viewMenu->addMenu(tr("&Language")));
}

// View › Language: the choice is saved under "ui/language" and used at the next start (the
// windows build their texts once). Language names are written in their own language.
void MainWindow::buildLanguageMenu(QMenu* menu) {
    auto* group = new QActionGroup(menu);
    const QString current = languageSetting(*m_settings);
    const std::pair<QString, QString> choices[] = {
        {QStringLiteral("system"), tr("System Default")},
        {QStringLiteral("en"), QStringLiteral("English")},
        {QStringLiteral("zh_CN"), QStringLiteral("简体中文")}};
    for (const auto& [code, name] : choices) {
        QAction* a = menu->addAction(name);
        a->setObjectName(QStringLiteral("language_") + code);
        a->setCheckable(true);
        a->setChecked(code == current);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, code] {
            if (languageSetting(*m_settings) == code) return;
            m_settings->setValue(QLatin1String(kLanguageKey), code);
            m_settings->sync();
            statusBar()->showMessage(tr("The new language takes effect after Deepwell restarts."));
        });
    }
}

void MainWindow::onModelLoaded(const ModelInfo& info) {
    m_modelLabel->setText(info.name);
    m_history->setModelPath(info.path);
    m_chat->showChat(info);
    onModelReady(info);
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
