#include "session_list_model.h"

#include "history_codec.h"
#include "history_controller.h"
#include "store/history_store.h"

#include <QDateTime>
#include <QFont>
#include <QLocale>
#include <QRegularExpression>

#include <algorithm>

namespace dw {

SessionListModel::SessionListModel(HistoryController* history, QObject* parent)
    : QAbstractListModel(parent), m_history(history) {
    if (m_history) {
        connect(m_history, &HistoryController::sessionsChanged, this, &SessionListModel::refresh);
        connect(m_history, &HistoryController::currentSessionChanged, this,
                &SessionListModel::refresh);
    }
    refresh();
}

int SessionListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QString SessionListModel::displayTitle(const store::Session& s) {
    return s.title.empty() ? tr("New conversation") : toQString(s.title);
}

QString SessionListModel::whenText(const QDateTime& when, const QDateTime& now) {
    const QLocale locale;
    const qint64 days = when.date().daysTo(now.date());
    // The locale's short time without seconds (some locales' short format has them).
    QString format = locale.timeFormat(QLocale::ShortFormat);
    format.remove(QRegularExpression(QStringLiteral("[:.]ss")));
    const QString time = locale.toString(when.time(), format);
    if (days == 0) return tr("Today %1").arg(time);
    if (days == 1) return tr("Yesterday %1").arg(time);
    return locale.toString(when.date(), QLocale::ShortFormat);
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.parent().isValid() || index.row() >= rowCount()) return {};
    const store::Session& s = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return displayTitle(s);
    case Qt::EditRole:
        return toQString(s.title);
    case Qt::ToolTipRole:
        return tr("%1\nLast activity: %2")
            .arg(displayTitle(s), QLocale().toString(QDateTime::fromMSecsSinceEpoch(s.updatedAt),
                                                     QLocale::ShortFormat));
    case Qt::FontRole: {
        if (s.id != m_current) return {};
        QFont f;
        f.setBold(true); // the conversation open in the chat
        return f;
    }
    case HtmlRole: {
        const QString title = displayTitle(s).toHtmlEscaped();
        return QStringLiteral("%1<br/><small class=\"meta\">%2</small>")
            .arg(s.id == m_current ? QStringLiteral("<b>%1</b>").arg(title) : title,
                 whenText(QDateTime::fromMSecsSinceEpoch(s.updatedAt), QDateTime::currentDateTime())
                     .toHtmlEscaped());
    }
    case IdRole:
        return qint64(s.id);
    case UpdatedAtRole:
        return QDateTime::fromMSecsSinceEpoch(s.updatedAt);
    case CustomTitleRole:
        return s.titleIsCustom;
    case CurrentRole:
        return s.id == m_current;
    default:
        return {};
    }
}

bool SessionListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.parent().isValid() || index.row() >= rowCount() ||
        role != Qt::EditRole || !m_history)
        return false;
    const qint64 id = m_rows[size_t(index.row())].id;
    if (value.toString() == toQString(m_rows[size_t(index.row())].title)) return true; // unchanged
    return m_history->renameSession(id, value.toString()); // refresh() follows its signal
}

Qt::ItemFlags SessionListModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> SessionListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names[IdRole] = "sessionId";
    names[UpdatedAtRole] = "updatedAt";
    names[CustomTitleRole] = "customTitle";
    names[CurrentRole] = "current";
    return names;
}

int SessionListModel::rowOfSession(qint64 id) const {
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id) return int(i);
    return -1;
}

qint64 SessionListModel::sessionAt(int row) const {
    return row >= 0 && row < rowCount() ? m_rows[size_t(row)].id : 0;
}

void SessionListModel::refresh() {
    std::vector<store::Session> next;
    store::HistoryStore* store = m_history ? m_history->store() : nullptr;
    if (store) {
        try {
            next = store->listSessions();
        } catch (const std::exception& e) {
            emit readFailed(
                tr("The chat history could not be read: %1").arg(QString::fromUtf8(e.what())));
            return; // keep showing what was read last
        }
    }
    apply(std::move(next));
}

// Turns m_rows into `next` with the fewest signals the simple way: drop the rows that are
// gone, then walk the target order moving (or inserting) each session into place, then
// report changed data. A reply that moves a session to the top is one row move.
void SessionListModel::apply(std::vector<store::Session> next) {
    const qint64 oldCurrent = m_current;
    m_current = m_history ? m_history->currentSessionId() : 0;
    auto inNext = [&](qint64 id) {
        return std::any_of(next.begin(), next.end(),
                           [id](const store::Session& s) { return s.id == id; });
    };
    for (int row = rowCount() - 1; row >= 0; --row) {
        if (inNext(m_rows[size_t(row)].id)) continue;
        beginRemoveRows({}, row, row);
        m_rows.erase(m_rows.begin() + row);
        endRemoveRows();
    }
    for (int i = 0; i < int(next.size()); ++i) {
        const qint64 id = next[size_t(i)].id;
        if (i < rowCount() && m_rows[size_t(i)].id == id) continue;
        const int from = rowOfSession(id);
        if (from < 0) {
            beginInsertRows({}, i, i);
            m_rows.insert(m_rows.begin() + i, next[size_t(i)]);
            endInsertRows();
        } else { // from > i: everything before i is already in place
            beginMoveRows({}, from, from, {}, i);
            store::Session s = std::move(m_rows[size_t(from)]);
            m_rows.erase(m_rows.begin() + from);
            m_rows.insert(m_rows.begin() + i, std::move(s));
            endMoveRows();
        }
    }
    for (int row = 0; row < rowCount(); ++row) {
        store::Session& s = m_rows[size_t(row)];
        const store::Session& n = next[size_t(row)];
        const bool currentFlipped = (s.id == oldCurrent) != (s.id == m_current);
        const bool same = s.title == n.title && s.titleIsCustom == n.titleIsCustom &&
                          s.updatedAt == n.updatedAt && s.settings == n.settings;
        if (same && !currentFlipped) continue;
        s = n;
        emit dataChanged(index(row), index(row));
    }
}

} // namespace dw
