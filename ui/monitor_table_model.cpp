#include "monitor_table_model.h"

#include "monitor_format.h"

#include <QColor>

namespace dw {

MonitorTableModel::MonitorTableModel(const QStringList& headers, QObject* parent)
    : QAbstractTableModel(parent), m_headers(headers) {}

void MonitorTableModel::setHeaders(const QStringList& headers) {
    if (headers == m_headers) return;
    beginResetModel();
    m_headers = headers;
    for (MonitorRow& r : m_rows) r.resize(m_headers.size());
    endResetModel();
}

void MonitorTableModel::setRows(QList<MonitorRow> rows) {
    for (MonitorRow& r : rows) r.resize(m_headers.size());
    if (rows.size() != m_rows.size()) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    // Same shape: one dataChanged over the span of rows that differ, so selections and
    // scroll positions survive the once-a-second refresh.
    int first = -1, last = -1;
    for (int r = 0; r < rows.size(); ++r) {
        if (rows[r] == m_rows[r]) continue;
        if (first < 0) first = r;
        last = r;
    }
    m_rows = std::move(rows);
    if (first >= 0 && !m_headers.isEmpty())
        emit dataChanged(index(first, 0), index(last, int(m_headers.size()) - 1));
}

int MonitorTableModel::findRow(const QString& text, int column) const {
    for (int r = 0; r < m_rows.size(); ++r)
        if (column >= 0 && column < m_rows[r].size() && m_rows[r][column].text == text) return r;
    return -1;
}

MonitorCell MonitorTableModel::cell(int row, int column) const {
    if (row < 0 || row >= m_rows.size() || column < 0 || column >= m_rows[row].size()) return {};
    return m_rows[row][column];
}

int MonitorTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MonitorTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant MonitorTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.model() != this || index.row() >= m_rows.size() ||
        index.column() >= m_headers.size())
        return {};
    const MonitorCell& c = m_rows[index.row()][index.column()];
    switch (role) {
    case Qt::DisplayRole:
        return c.text;
    case Qt::ToolTipRole:
        return c.toolTip.isEmpty() ? QVariant() : QVariant(c.toolTip);
    case ValueRole:
        return c.value;
    case WarnRole:
        return c.warn;
    case Qt::ForegroundRole:
        return c.warn ? QVariant(QColor(0xc6, 0x28, 0x28)) : QVariant();
    case Qt::TextAlignmentRole:
        // Figures (and "n/a" in their place) line up on their right edge; names and
        // messages read from the left.
        return int(index.column() > 0 &&
                           (c.value.isValid() || c.text == MonitorFormat::notAvailable())
                       ? Qt::AlignRight | Qt::AlignVCenter
                       : Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant MonitorTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section < 0 || section >= m_headers.size()) return {};
    return m_headers[section];
}

QHash<int, QByteArray> MonitorTableModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names[ValueRole] = "value";
    names[WarnRole] = "warn";
    return names;
}

} // namespace dw
