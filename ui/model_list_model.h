#pragma once
// The model manager's table: the catalogue's models, then the recently opened files that are
// not in it. A row whose file is on disk shows the figures read from the file (filled in
// when its inspection arrives); a catalogue model that is not installed shows the
// catalogue's figures, marked approximate. Each row says whether the memory it needs for the
// configured context fits the free RAM (and, when a GPU is usable, its free VRAM).
// GUI thread.
#include "model_catalogue.h"
#include "model_facts.h"

#include <QAbstractTableModel>
#include <QHash>

#include <optional>

namespace dw {

class ModelListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        ArchitectureColumn,
        ParametersColumn,
        QuantizationColumn,
        FileSizeColumn,
        MemoryColumn,
        FitColumn,
        ColumnCount
    };
    enum Role {
        PathRole = Qt::UserRole + 1, // QString: the local file ("" when not installed)
        StatusRole,                  // int (Status)
        NeededBytesRole,             // qulonglong: memory for the context (0 when unknown)
        ApproximateRole,             // bool: NeededBytesRole comes from the catalogue
        CatalogueIdRole,             // QString: "" for a file that is not in the catalogue
        ErrorRole,                   // QString: why the file cannot be used
    };
    enum class Status { Checking, Fits, WontFit, NotInstalled, Missing, Unreadable };

    struct Row {
        int catalogueIndex = -1; // into catalogue(); -1 for a recent file
        QString path;            // local file, "" when not installed
        bool present = false;    // the file exists
    };

    explicit ModelListModel(QObject* parent = nullptr);

    // Inputs; each rebuilds or refreshes the rows.
    void setCatalogue(std::vector<CatalogueEntry> entries, const QString& modelsDir);
    void setRecent(const QStringList& paths);
    void setContextTokens(qint64 tokens); // forgets inspections made for another context
    void setMachine(const MachineMemory& machine);
    void setLoadedPath(const QString& path);
    // Inspection results (ignored for a path no row shows or another context).
    void setFacts(const QString& path, qint64 contextTokens, const FileFacts& facts);
    void setInspectionError(const QString& path, qint64 contextTokens, const QString& message);
    void forgetInspections(); // e.g. after files changed on disk

    const std::vector<CatalogueEntry>& catalogue() const { return m_catalogue; }
    const QString& modelsDir() const { return m_modelsDir; }
    qint64 contextTokens() const { return m_context; }
    const MachineMemory& machine() const { return m_machine; }
    const Row& rowAt(int row) const { return m_rows[size_t(row)]; }
    int rowOfPath(const QString& path) const;   // -1 when not shown
    const CatalogueEntry* entry(int row) const; // nullptr for a recent file
    const FileFacts* facts(int row) const;      // nullptr until inspected
    QString inspectionError(int row) const;
    // Present files that still need an inspection for the current context.
    QStringList pathsToInspect() const;

    Status status(int row) const;
    quint64 neededBytes(int row) const;
    bool neededIsApproximate(int row) const;
    // One or two sentences: what it needs against what is free, and what to do.
    QString fitSentence(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Inspection {
        std::optional<FileFacts> facts;
        QString error;
    };
    void rebuild();
    void refreshRow(int row);
    QString displayText(int row, int column) const;
    QString statusText(int row) const;
    QString gpuText(quint64 needed) const;
    bool notInstalledFits(quint64 needed) const;

    std::vector<CatalogueEntry> m_catalogue;
    QString m_modelsDir;
    QStringList m_recent;
    qint64 m_context = 4096;
    MachineMemory m_machine;
    bool m_haveMachine = false;
    QString m_loadedPath;
    QHash<QString, Inspection> m_inspections; // by path, for m_context
    std::vector<Row> m_rows;
};

} // namespace dw
