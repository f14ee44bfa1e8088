#pragma once
// One table model for every table of the monitor panel (GPU figures, host, ledger, pools,
// KV per request, warnings, comparison): the panel's builders (monitor_rows.h) turn a
// telemetry sample into rows of cells, and setRows() hands them to the views.
//
// A refresh with the same shape (headers and row count) emits dataChanged for the cells that
// changed; a new shape resets the model. GUI thread only.
#include <QAbstractTableModel>
#include <QList>
#include <QStringList>
#include <QVariant>

namespace dw {

struct MonitorCell {
    QString text;      // Qt::DisplayRole
    QVariant value;    // ValueRole: the figure in the unit of its column (bytes, %, W, s…);
                       // invalid for a figure the source does not report ("n/a")
    bool warn = false; // beyond a threshold: drawn in the warning colour
    QString toolTip;

    friend bool operator==(const MonitorCell&, const MonitorCell&) = default;
};
using MonitorRow = QList<MonitorCell>;

class MonitorTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { ValueRole = Qt::UserRole + 1, WarnRole };

    explicit MonitorTableModel(const QStringList& headers, QObject* parent = nullptr);

    // Rows shorter than the header are padded with empty cells; longer ones are cut.
    void setRows(QList<MonitorRow> rows);
    void setHeaders(const QStringList& headers); // resets when they differ
    const QStringList& headers() const { return m_headers; }

    // The first row whose cell in `column` shows `text`; -1 when none.
    int findRow(const QString& text, int column = 0) const;
    // The cell at (row, column); an empty cell out of range.
    MonitorCell cell(int row, int column) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    QStringList m_headers;
    QList<MonitorRow> m_rows; // each exactly m_headers.size() cells
};

} // namespace dw
