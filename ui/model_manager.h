#pragma once
// The model manager: a window with the catalogue and the recently opened models, what each
// needs for the configured context against the free RAM (and VRAM), a metadata view of the
// selected file, and Load with progress and Cancel. Loading goes through the main window
// (loadRequested), so the chat keeps serving the current model while the new one loads in the
// background; a file that cannot be loaded leaves the current model in place and the error
// is shown here, naming the problem. Files are read on a FileInspector thread. GUI thread.
#include "engine_bridge.h"
#include "model_catalogue.h"

#include <QDialog>
#include <QSet>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace dw {

class FileInspector;
class ModelDetailsView;
class ModelListModel;
class RecentModels;

class ModelManager : public QDialog {
    Q_OBJECT
public:
    // bridge and recent are not owned and must outlive the manager.
    ModelManager(EngineBridge* bridge, RecentModels* recent, QWidget* parent = nullptr);
    ~ModelManager() override;

    // The catalogue and the folder its files are looked for in; errors from reading it are
    // shown above the table.
    void setCatalogue(std::vector<CatalogueEntry> entries, const QString& modelsDir,
                      const QStringList& errors = {});
    void setContextTokens(qint64 tokens);

    // "Open GGUF…" without the dialog: lists `path` (most recent first), selects it and reads
    // it; Load then loads it.
    void addFile(const QString& path);
    // Asks the main window to load `path` (loadRequested); progress and errors show here.
    void loadFile(const QString& path);
    // Told by the main window when any load starts (also from File › Open Model…).
    void noteLoadStarted(const QString& path);
    void refresh(); // re-reads files and free memory

    void selectPath(const QString& path);
    QString selectedPath() const;

    ModelListModel* listModel() const { return m_model; }
    QTableView* table() const { return m_table; }
    ModelDetailsView* details() const { return m_details; }
    QLabel* stateLabel() const { return m_state; }
    QProgressBar* progressBar() const { return m_progress; }
    QPushButton* loadButton() const { return m_load; }
    QPushButton* cancelButton() const { return m_cancel; }
    QPushButton* removeButton() const { return m_remove; }
    bool isInspecting() const { return !m_inFlight.isEmpty(); }

signals:
    void loadRequested(const QString& path);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void chooseFile();
    void loadSelected();
    void removeSelected();
    void inspectPending();
    void updateDetails();
    void updateButtons();
    void setState(const QString& text, bool error);
    void onLoaded(const ModelInfo& info);
    void onFailed(const QString& message, bool cancelled);

    EngineBridge* m_bridge;
    RecentModels* m_recent;
    FileInspector* m_inspector = nullptr;
    ModelListModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    ModelDetailsView* m_details = nullptr;
    QLabel* m_catalogueErrors = nullptr;
    QLabel* m_state = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_load = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_remove = nullptr;
    QString m_loadingPath;    // the load in progress ("" when none)
    QSet<QString> m_inFlight; // paths being inspected
};

} // namespace dw
