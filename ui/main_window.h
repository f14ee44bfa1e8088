#pragma once
// The workstation window: every tool is a dock panel (QDockWidget with a stable objectName,
// so QMainWindow::saveState can remember where the user put it). Today: Chat. Planned panels
// (History, Documents, CT analysis, GPU monitor) get their PanelId and default area here and
// are added with addPanel(); the layout version changes when the default layout does.
// Geometry and dock layout are saved to the QSettings given at construction when the window
// closes, and restored when it is built.
#include "engine_bridge.h"

#include <QMainWindow>

class QLabel;
class QSettings;

namespace dw {

class ChatController;
class ChatPanel;
class ChatSession;

enum class PanelId { Chat, History, Documents, CtAnalysis, GpuMonitor };

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // bridge and settings are not owned and must outlive the window.
    MainWindow(EngineBridge* bridge, QSettings* settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a model through the bridge (the chat panel shows progress and Cancel).
    void openModel(const QString& path, const EngineOptions& options);
    // The chat area says that there is no model at `path` and how to get one.
    void showMissingModel(const QString& path);

    void saveLayout();
    bool restoreLayout(); // false when nothing (usable) was saved
    void resetLayout();

    ChatPanel* chatPanel() const { return m_chat; }
    ChatSession* session() const { return m_session; }
    ChatController* controller() const { return m_controller; }
    QDockWidget* dock(PanelId id) const; // nullptr for panels not built yet
    QAction* newSessionAction() const { return m_newSession; }

    static constexpr int kLayoutVersion = 1;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QDockWidget* addPanel(PanelId id, const QString& title, QWidget* widget, Qt::DockWidgetArea area);
    void buildMenus();
    void chooseModelFile();
    void onModelLoaded(const ModelInfo& info);
    void onLoadFailed(const QString& message, bool cancelled);

    EngineBridge* m_bridge;
    QSettings* m_settings;
    EngineOptions m_engineOptions;
    ChatSession* m_session = nullptr;
    ChatController* m_controller = nullptr;
    ChatPanel* m_chat = nullptr;
    QList<QPair<PanelId, QDockWidget*>> m_docks;
    QMenu* m_viewMenu = nullptr;
    QAction* m_newSession = nullptr;
    QLabel* m_modelLabel = nullptr;
    QByteArray m_defaultState;
};

} // namespace dw
