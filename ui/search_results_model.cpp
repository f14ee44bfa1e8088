#include "search_results_model.h"

#include "history_codec.h"
#include "history_controller.h"
#include "store/history_store.h"

namespace dw {

SearchResultsModel::SearchResultsModel(HistoryController* history, QObject* parent)
    : QAbstractListModel(parent), m_history(history) {}

int SearchResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_hits.size());
}

QString SearchResultsModel::snippetHtml(const std::string& marked) {
    QString html;
    bool bold = false;
    std::string part;
    auto flush = [&] {
        if (part.empty()) return;
        const QString text = toQString(part).toHtmlEscaped();
        html += bold ? QStringLiteral("<b>%1</b>").arg(text) : text;
        part.clear();
    };
    for (char c : marked) {
        if (c == kOpen[0] || c == kClose[0]) {
            flush();
            bold = c == kOpen[0];
        } else {
            part += c;
        }
    }
    flush();
    return html;
}

QString SearchResultsModel::snippetText(const std::string& marked) {
    std::string plain;
    for (char c : marked)
        if (c != kOpen[0] && c != kClose[0]) plain += c;
    return toQString(plain);
}

QVariant SearchResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.parent().isValid() || index.row() >= rowCount()) return {};
    const store::SearchHit& h = m_hits[size_t(index.row())];
    const QString title =
        h.sessionTitle.empty() ? tr("New conversation") : toQString(h.sessionTitle);
    const QString who = h.role == store::Role::User ? tr("You") : tr("Assistant");
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return tr("%1 — %2: %3").arg(title, who, snippetText(h.snippet));
    case Qt::ToolTipRole:
        return tr("In “%1”. Press Enter or double-click to open it.").arg(title);
    case SessionIdRole:
        return qint64(h.sessionId);
    case MessageIdRole:
        return qint64(h.messageId);
    case HtmlRole:
        return QStringLiteral("%1<br/><small class=\"meta\">%2 · %3</small>")
            .arg(snippetHtml(h.snippet), title.toHtmlEscaped(), who.toHtmlEscaped());
    case SessionTitleRole:
        return title;
    case FromUserRole:
        return h.role == store::Role::User;
    default:
        return {};
    }
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names[SessionIdRole] = "sessionId";
    names[MessageIdRole] = "messageId";
    names[HtmlRole] = "html";
    names[SessionTitleRole] = "sessionTitle";
    names[FromUserRole] = "fromUser";
    return names;
}

void SearchResultsModel::search(const QString& query) {
    std::vector<store::SearchHit> hits;
    store::HistoryStore* store = m_history ? m_history->store() : nullptr;
    if (store && !query.trimmed().isEmpty()) {
        m_history->flush(); // a reply being streamed is not searched, but finished ones are
        store::SearchOptions o;
        o.limit = 200;
        o.highlightOpen = kOpen;
        o.highlightClose = kClose;
        try {
            hits = store->search(toStdString(query), o);
        } catch (const std::exception& e) {
            emit readFailed(
                tr("The history could not be searched: %1").arg(QString::fromUtf8(e.what())));
        }
    }
    beginResetModel();
    m_query = query;
    m_hits = std::move(hits);
    endResetModel();
}

} // namespace dw
