#pragma once
// The workstation window: every tool is a dock panel (QDockWidget with a stable objectName,
// so QMainWindow::saveState can remember where the user put it). Today: Chat. Planned panels
// (History, Documents, CT analysis, GPU monitor) get their PanelId and default area here and
// are added with addPanel(); the layout version changes when the default layout does.
// Geometry and dock layout are saved to the QSettings given at construction when the window
// closes, and restored when it is built. The History panel keeps every conversation in the
// store main() opened (HistoryStartup); without one, the chat works but nothing is saved.
#include "engine_bridge.h"
#include "model_catalogue.h"

#include <QMainWindow>

class QLabel;
class QMenu;
class QProgressBar;
class QSettings;
class QStackedWidget;

namespace dw {

class ChatController;
class ChatPanel;
class ChatSession;
class FirstRunWidget;
class ModelManager;
class MonitorPanel;
class RecentModels;
class HistoryController;
class HistoryPanel;
struct HistoryStartup;

enum class PanelId { Chat, History, Documents, CtAnalysis, GpuMonitor };

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // bridge, settings and history are not owned and must outlive the window. history:
    // the opened chat history (its notice or failure is shown in the History panel);
    // nullptr: history is off (the panel says so).
    MainWindow(EngineBridge* bridge, QSettings* settings, HistoryStartup* history = nullptr,
               QWidget* parent = nullptr);
    ~MainWindow() override;

    // Models (main_window_models.cpp). Loads a model through the bridge: with no model yet the
    // chat panel shows progress and Cancel; with one, it keeps serving while the new one loads
    // in the background (status bar and model manager show progress; a failure keeps it).
    void openModel(const QString& path, const EngineOptions& options);
    // The chat area says that there is no model at `path` and how to get one.
    void showMissingModel(const QString& path);
    void setEngineOptions(const EngineOptions& options); // for loads from the window's own UI
    const EngineOptions& engineOptions() const { return m_engineOptions; }
    // Where installed models are looked for (the catalogue's default model among them) and the
    // catalogue; by default ModelCatalogue::defaultModelsDir() and the built-in catalogue.
    void setModelsDir(const QString& dir);
    void setCatalogue(const CatalogueParseResult& catalogue);
    QString defaultModelPath() const; // "" when the catalogue has no default model
    // The chat area shows the getting-started screen, with `message` above it when given.
    void showFirstRun(const QString& message = {}, bool error = false);
    bool isShowingFirstRun() const;
    void showModelManager(); // Ctrl+Shift+M
    FirstRunWidget* firstRun() const { return m_firstRun; }
    ModelManager* modelManager() const { return m_modelManager; }
    RecentModels* recentModels() const { return m_recent; }

    void saveLayout();
    bool restoreLayout(); // false when nothing (usable) was saved
    void resetLayout();

    ChatPanel* chatPanel() const { return m_chat; }
    ChatSession* session() const { return m_session; }
    ChatController* controller() const { return m_controller; }
    QDockWidget* dock(PanelId id) const; // nullptr for panels not built yet
    QAction* newSessionAction() const { return m_newSession; }
    HistoryController* history() const { return m_history; }
    HistoryPanel* historyPanel() const { return m_historyPanel; }
    QAction* searchHistoryAction() const { return m_searchHistory; }
    void showHistorySearch(); // Ctrl+F: the History panel, its search box focused
    MonitorPanel* monitorPanel() const { return m_monitor; } // tabbed behind the chat

    // 2: the History panel on the left; 3: the GPU monitor tabbed with the chat
    static constexpr int kLayoutVersion = 3;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QDockWidget* addPanel(PanelId id, const QString& title, QWidget* widget, Qt::DockWidgetArea area);
    void buildMenus();
    void buildLanguageMenu(QMenu* menu);
    void buildHistory(HistoryStartup* startup);
    void chooseModelFile();
    void onModelLoaded(const ModelInfo& info);
    void onLoadFailed(const QString& message, bool cancelled);
    QWidget* buildModelSide();                // the chat area: chat panel or first-run screen
    void onModelReady(const ModelInfo& info); // the model side of onModelLoaded
    void updateDefaultModel();

    EngineBridge* m_bridge;
    QSettings* m_settings;
    EngineOptions m_engineOptions;
    ChatSession* m_session = nullptr;
    ChatController* m_controller = nullptr;
    ChatPanel* m_chat = nullptr;
    QList<QPair<PanelId, QDockWidget*>> m_docks;
    QMenu* m_viewMenu = nullptr;
    QAction* m_newSession = nullptr;
    QAction* m_searchHistory = nullptr;
    HistoryController* m_history = nullptr;
    HistoryPanel* m_historyPanel = nullptr;
    MonitorPanel* m_monitor = nullptr;
    QLabel* m_modelLabel = nullptr;
    QStackedWidget* m_chatArea = nullptr;
    FirstRunWidget* m_firstRun = nullptr;
    ModelManager* m_modelManager = nullptr;
    RecentModels* m_recent = nullptr;
    QProgressBar* m_loadBar = nullptr; // status bar: a background load
    QString m_modelsDir;
    CatalogueParseResult m_catalogue;
    QByteArray m_defaultState;
};

} // namespace dw
