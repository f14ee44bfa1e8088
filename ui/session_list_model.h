#pragma once
// The history's sessions, newest activity first: one row per live (not deleted) session.
// refresh() re-reads the store and turns the difference into row moves, inserts, removals
// and dataChanged, so a view keeps its selection, scroll position and an open rename
// editor while replies arrive. Titles are editable (setData renames through the
// HistoryController). GUI thread.
#include "store/history_types.h"

#include <QAbstractListModel>

#include <vector>

namespace dw {

class HistoryController;

class SessionListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Roles {
        IdRole = Qt::UserRole + 1, // qint64
        UpdatedAtRole,             // QDateTime (local time)
        CustomTitleRole,           // bool: renamed by the user
        CurrentRole,               // bool: the session open in the chat
        HtmlRole,                  // QString: the title (bold when current) over its time
    };

    // history may be nullptr or have no store: the model stays empty.
    explicit SessionListModel(HistoryController* history, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QHash<int, QByteArray> roleNames() const override;

    void refresh();
    int rowOfSession(qint64 id) const; // -1 when not listed
    qint64 sessionAt(int row) const;
    // A title to show for a session ("New conversation" until it has a first message).
    static QString displayTitle(const store::Session& session);
    // "Today 14:03", "Yesterday 09:12", else the date: when a session was last active.
    static QString whenText(const QDateTime& when, const QDateTime& now);

signals:
    void readFailed(const QString& message);

private:
    void apply(std::vector<store::Session> next);

    HistoryController* m_history;
    std::vector<store::Session> m_rows;
    qint64 m_current = 0;
};

} // namespace dw
