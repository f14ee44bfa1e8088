#pragma once
// Hits of a search across every message of the history (HistoryStore::search, FTS5): one
// row per matching message, best first. The snippet comes as HTML with the matched text in
// bold (HtmlRole; everything else escaped) and as plain text (DisplayRole, for screen
// readers and copying). GUI thread.
#include "store/history_types.h"

#include <QAbstractListModel>

#include <string>
#include <vector>

namespace dw {

class HistoryController;

class SearchResultsModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Roles {
        SessionIdRole = Qt::UserRole + 1, // qint64
        MessageIdRole,                    // qint64
        HtmlRole,                         // QString: "<b>match</b>" in an escaped snippet
        SessionTitleRole,                 // QString
        FromUserRole,                     // bool: the hit is in a message the user wrote
    };

    explicit SearchResultsModel(HistoryController* history, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Runs the search (an empty or blank query clears the hits).
    void search(const QString& query);
    QString query() const { return m_query; }

    // Snippet markers asked of the store: bytes that never occur in UTF-8 text.
    static constexpr const char* kOpen = "\xFE";
    static constexpr const char* kClose = "\xFF";
    // The marked snippet as HTML: marked parts in <b>, every other character escaped.
    static QString snippetHtml(const std::string& marked);
    static QString snippetText(const std::string& marked);

signals:
    void readFailed(const QString& message);

private:
    HistoryController* m_history;
    std::vector<store::SearchHit> m_hits;
    QString m_query;
};

} // namespace dw
