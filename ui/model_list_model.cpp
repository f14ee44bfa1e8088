#include "model_list_model.h"

#include <QApplication>
#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QStyle>

namespace dw {

namespace {

QString approx(const QString& text, bool approximate) {
    return approximate ? QStringLiteral("≈ ") + text : text;
}

} // namespace

ModelListModel::ModelListModel(QObject* parent) : QAbstractTableModel(parent) {}

void ModelListModel::setCatalogue(std::vector<CatalogueEntry> entries, const QString& modelsDir) {
    m_catalogue = std::move(entries);
    m_modelsDir = modelsDir;
    rebuild();
}

void ModelListModel::setRecent(const QStringList& paths) {
    m_recent = paths;
    rebuild();
}

void ModelListModel::setContextTokens(qint64 tokens) {
    if (tokens == m_context) return;
    m_context = tokens;
    forgetInspections();
}

void ModelListModel::forgetInspections() {
    m_inspections.clear();
    rebuild(); // presence may have changed too
}

void ModelListModel::setMachine(const MachineMemory& machine) {
    m_machine = machine;
    m_haveMachine = true;
    if (!m_rows.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void ModelListModel::setLoadedPath(const QString& path) {
    const int before = rowOfPath(m_loadedPath);
    m_loadedPath = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
    if (before >= 0) refreshRow(before);
    if (const int now = rowOfPath(m_loadedPath); now >= 0) refreshRow(now);
}

void ModelListModel::setFacts(const QString& path, qint64 contextTokens, const FileFacts& facts) {
    if (contextTokens != m_context) return;
    const int row = rowOfPath(path);
    if (row < 0) return;
    m_inspections[m_rows[size_t(row)].path] = Inspection{facts, {}};
    refreshRow(row);
}

void ModelListModel::setInspectionError(const QString& path, qint64 contextTokens,
                                        const QString& message) {
    if (contextTokens != m_context) return;
    const int row = rowOfPath(path);
    if (row < 0) return;
    m_inspections[m_rows[size_t(row)].path] = Inspection{std::nullopt, message};
    refreshRow(row);
}

void ModelListModel::rebuild() {
    beginResetModel();
    m_rows.clear();
    QStringList shown;
    for (size_t i = 0; i < m_catalogue.size(); ++i) {
        Row r;
        r.catalogueIndex = int(i);
        if (!m_catalogue[i].fileName.isEmpty() && !m_modelsDir.isEmpty()) {
            const QFileInfo fi(QDir(m_modelsDir).filePath(m_catalogue[i].fileName));
            r.present = fi.isFile();
            if (r.present) r.path = fi.absoluteFilePath();
        }
        if (r.present) shown << r.path;
        m_rows.push_back(r);
    }
    for (const QString& p : m_recent) {
        const QFileInfo fi(p);
        if (shown.contains(fi.absoluteFilePath())) continue;
        Row r;
        r.path = fi.absoluteFilePath();
        r.present = fi.isFile();
        shown << r.path;
        m_rows.push_back(r);
    }
    endResetModel();
}

void ModelListModel::refreshRow(int row) {
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int ModelListModel::rowOfPath(const QString& path) const {
    if (path.isEmpty()) return -1;
    const QString a = QFileInfo(path).absoluteFilePath();
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].path == a) return int(i);
    return -1;
}

const CatalogueEntry* ModelListModel::entry(int row) const {
    const int i = m_rows[size_t(row)].catalogueIndex;
    return i >= 0 ? &m_catalogue[size_t(i)] : nullptr;
}

const FileFacts* ModelListModel::facts(int row) const {
    auto it = m_inspections.find(m_rows[size_t(row)].path);
    return it != m_inspections.end() && it->facts ? &*it->facts : nullptr;
}

QString ModelListModel::inspectionError(int row) const {
    auto it = m_inspections.find(m_rows[size_t(row)].path);
    return it != m_inspections.end() ? it->error : QString();
}

QStringList ModelListModel::pathsToInspect() const {
    QStringList out;
    for (const Row& r : m_rows)
        if (r.present && !m_inspections.contains(r.path)) out << r.path;
    return out;
}

ModelListModel::Status ModelListModel::status(int row) const {
    const Row& r = m_rows[size_t(row)];
    if (!r.present) return r.catalogueIndex >= 0 ? Status::NotInstalled : Status::Missing;
    if (!inspectionError(row).isEmpty()) return Status::Unreadable;
    if (!facts(row)) return Status::Checking;
    if (!m_haveMachine || m_machine.ramAvailable == 0)
        return Status::Fits; // nothing to compare with
    return neededBytes(row) <= m_machine.ramAvailable ? Status::Fits : Status::WontFit;
}

quint64 ModelListModel::neededBytes(int row) const {
    if (const FileFacts* f = facts(row)) return f->estimate.totalBytes();
    if (const CatalogueEntry* e = entry(row)) return e->approximateMemory(m_context);
    return 0;
}

bool ModelListModel::neededIsApproximate(int row) const {
    return !facts(row) && entry(row);
}

QString ModelListModel::gpuText(quint64 needed) const {
    if (!m_haveMachine || !m_machine.gpu.available) return {};
    const QString gpu = QString::fromStdString(m_machine.gpu.name);
    return needed <= m_machine.gpu.freeMemory
               ? tr("It would also fit in the free memory of the %1 (%2 free).")
                     .arg(gpu, ModelText::bytes(m_machine.gpu.freeMemory))
               : tr("It would not fit in the free memory of the %1 (%2 free).")
                     .arg(gpu, ModelText::bytes(m_machine.gpu.freeMemory));
}

QString ModelListModel::fitSentence(int row) const {
    const quint64 needed = neededBytes(row);
    const bool approximate = neededIsApproximate(row);
    const QString need = approx(ModelText::bytes(needed), approximate);
    const QString ctx = QString::number(m_context);
    const QString freeRam = m_haveMachine && m_machine.ramAvailable
                                ? ModelText::bytes(m_machine.ramAvailable)
                                : tr("an unknown amount");
    switch (status(row)) {
    case Status::Checking:
        return tr("Reading the file to work out the memory it needs…");
    case Status::Unreadable:
        return tr("This file cannot be used: %1").arg(inspectionError(row));
    case Status::Missing:
        return tr("The file is no longer at %1. Remove it from the list, or put the file back.")
            .arg(m_rows[size_t(row)].path);
    case Status::NotInstalled: {
        const CatalogueEntry* e = entry(row);
        QString s = notInstalledFits(needed) ? tr("Not installed. With a %1-token context it needs "
                                                  "%2; %3 of memory is free, so it would fit.")
                                                   .arg(ctx, need, freeRam)
                                             : tr("Not installed. With a %1-token context it needs "
                                                  "%2, but only %3 of memory is free: "
                                                  "it would not run well on this computer.")
                                                   .arg(ctx, need, freeRam);
        if (!e->install.isEmpty())
            s += QLatin1Char(' ') + tr("Install it with: %1").arg(e->install);
        else if (!e->fileName.isEmpty())
            s += QLatin1Char(' ') +
                 tr("Download %1 and open it, or put it in %2.").arg(e->fileName, m_modelsDir);
        else
            s += QLatin1Char(' ') + tr("Listed for comparison.");
        return s;
    }
    case Status::Fits:
        return (tr("Needs %1 with a %2-token context; %3 of memory is free, so it fits.")
                    .arg(need, ctx, freeRam) +
                QLatin1Char(' ') + gpuText(needed))
            .trimmed();
    case Status::WontFit:
        return (tr("Needs %1 with a %2-token context, but only %3 of memory is free: it would be "
                   "very slow "
                   "or fail to load. Close other programs or choose a smaller model or context.")
                    .arg(need, ctx, freeRam) +
                QLatin1Char(' ') + gpuText(needed))
            .trimmed();
    }
    return {};
}

bool ModelListModel::notInstalledFits(quint64 needed) const {
    return !m_haveMachine || m_machine.ramAvailable == 0 || needed <= m_machine.ramAvailable;
}

QString ModelListModel::statusText(int row) const {
    const bool isGpu = m_haveMachine && m_machine.gpu.available;
    const quint64 needed = neededBytes(row);
    const QString gpu = isGpu ? (needed <= m_machine.gpu.freeMemory ? tr(" · fits the GPU")
                                                                    : tr(" · too big for the GPU"))
                              : QString();
    switch (status(row)) {
    case Status::Checking:
        return tr("Checking…");
    case Status::Unreadable:
        return tr("Cannot be used");
    case Status::Missing:
        return tr("File missing");
    case Status::NotInstalled:
        return (notInstalledFits(needed) ? tr("Not installed · would fit")
                                         : tr("Not installed · too big")) +
               gpu;
    case Status::Fits:
        return tr("Fits in memory") + gpu;
    case Status::WontFit:
        return tr("Won't fit in memory") + gpu;
    }
    return {};
}

QString ModelListModel::displayText(int row, int column) const {
    const Row& r = m_rows[size_t(row)];
    const FileFacts* f = facts(row);
    const CatalogueEntry* e = entry(row);
    switch (column) {
    case NameColumn: {
        QString name = e                         ? e->name
                       : f && !f->name.isEmpty() ? f->name
                                                 : QFileInfo(r.path).fileName();
        if (e && e->isDefault) name += tr(" (default)");
        if (!r.path.isEmpty() && r.path == m_loadedPath) name += tr(" — loaded");
        return name;
    }
    case ArchitectureColumn:
        return f ? f->architecture : e ? e->architecture : QString();
    case ParametersColumn: {
        if (e && e->activeParameters != e->parameters)
            return tr("%1 (%2 active)")
                .arg(ModelText::count(e->parameters), ModelText::count(e->activeParameters));
        if (f) return ModelText::count(f->estimate.parameters);
        return e ? ModelText::count(e->parameters) : QString();
    }
    case QuantizationColumn:
        return f ? f->quantization : e ? e->quantization : QString();
    case FileSizeColumn:
        // One unit system in the table (binary, like the memory figures); a catalogue size that
        // is not exact (published rounded, or estimated) is marked approximate.
        if (f) return ModelText::bytes(f->fileBytes);
        if (r.present) return ModelText::bytes(quint64(QFileInfo(r.path).size()));
        if (!e) return {};
        return approx(ModelText::bytes(e->fileBytes), !e->sizeIsExact);
    case MemoryColumn: {
        const quint64 needed = neededBytes(row);
        return needed ? approx(ModelText::bytes(needed), neededIsApproximate(row)) : QString();
    }
    case FitColumn:
        return statusText(row);
    }
    return {};
}

int ModelListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ModelListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    const Status st = status(row);
    switch (role) {
    case Qt::DisplayRole:
        return displayText(row, index.column());
    case Qt::ToolTipRole:
    case Qt::AccessibleDescriptionRole:
        return index.column() == FitColumn || index.column() == MemoryColumn
                   ? fitSentence(row)
                   : m_rows[size_t(row)].path;
    case Qt::DecorationRole: {
        if (index.column() != FitColumn) return {};
        QStyle* style = QApplication::style();
        switch (st) {
        case Status::Fits:
            return style->standardIcon(QStyle::SP_DialogApplyButton);
        case Status::WontFit:
            return style->standardIcon(QStyle::SP_MessageBoxWarning);
        case Status::Unreadable:
        case Status::Missing:
            return style->standardIcon(QStyle::SP_MessageBoxCritical);
        case Status::NotInstalled:
            return notInstalledFits(neededBytes(row))
                       ? QVariant()
                       : style->standardIcon(QStyle::SP_MessageBoxWarning);
        case Status::Checking:
            return {};
        }
        return {};
    }
    case Qt::ForegroundRole:
        if (st == Status::WontFit || st == Status::Unreadable || st == Status::Missing)
            return QColor(0xB0, 0x1E, 0x1E);
        if (st == Status::NotInstalled)
            return QApplication::palette().color(QPalette::PlaceholderText);
        return {};
    case PathRole:
        return m_rows[size_t(row)].path;
    case StatusRole:
        return int(st);
    case NeededBytesRole:
        return QVariant::fromValue<qulonglong>(neededBytes(row));
    case ApproximateRole:
        return neededIsApproximate(row);
    case CatalogueIdRole:
        return entry(row) ? entry(row)->id : QString();
    case ErrorRole:
        return inspectionError(row);
    }
    return {};
}

QVariant ModelListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 ||
        section >= ColumnCount)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Model");
    case ArchitectureColumn:
        return tr("Architecture");
    case ParametersColumn:
        return tr("Parameters");
    case QuantizationColumn:
        return tr("Quantization");
    case FileSizeColumn:
        return tr("File size");
    case MemoryColumn:
        return tr("Memory needed");
    case FitColumn:
        return tr("Fits?");
    }
    return {};
}

} // namespace dw
