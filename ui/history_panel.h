#pragma once
// The History dock: the saved conversations, newest first, and a search across every message
// with the matches in bold. Open a conversation with Enter or a double-click; rename it in
// place (F2 or the context menu); delete it (Del) with Undo (the button or Ctrl+Z); duplicate
// it; export it to Markdown or JSON; import JSON. A banner at the top says what the user must
// know about the history itself (a damaged file that was moved aside, history not being
// saved). All work goes through the HistoryController; this class only shows and asks.
// GUI thread.
#include "history_io.h"

#include <QWidget>

#include <vector>

class QAction;
class QFrame;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace dw {

class HistoryController;
class SearchResultsModel;
class SessionListModel;

class HistoryPanel : public QWidget {
    Q_OBJECT
public:
    explicit HistoryPanel(HistoryController* history, QWidget* parent = nullptr);

    // A message about the history itself; stays until dismissed (warning: in amber).
    void showBanner(const QString& text, bool warning);
    void focusSearch();                 // Ctrl+F: show the search box focused, its text selected
    void setQuery(const QString& text); // types into the search box and searches at once

    // The session actions, on the selected session (tests trigger them too).
    void renameSelected();
    void deleteSelected();
    bool undoDelete(); // the most recent delete; false when there is nothing to undo
    void duplicateSelected();
    void exportSelected(ExportFormat format); // asks for a file name
    void importFromDialog();
    // Imports `path`; a problem is shown in a message box naming what is wrong.
    bool importFile(const QString& path);
    qint64 selectedSession() const; // 0 when none

    QLineEdit* searchEdit() const { return m_search; }
    QListView* sessionView() const { return m_sessions; }
    QListView* resultsView() const { return m_results; }
    SessionListModel* sessionModel() const { return m_sessionModel; }
    SearchResultsModel* resultsModel() const { return m_resultsModel; }
    QLabel* bannerLabel() const { return m_bannerText; }
    QFrame* banner() const { return m_banner; }
    QFrame* undoBar() const { return m_undoBar; }
    QPushButton* undoButton() const { return m_undo; }
    bool isShowingResults() const;
    QSize sizeHint() const override; // the dock's first width: narrower than the chat

signals:
    void newSessionRequested();
    void statusMessage(const QString& text); // a short confirmation for the status bar

private:
    QWidget* buildBanner();
    QWidget* buildUndoBar();
    QWidget* buildButtons();
    void buildActions();
    void runSearch();
    void openIndex(const QModelIndex& index);
    void selectCurrentSession();
    void updateUndoBar();
    void showError(const QString& title, const QString& text);
    void showContextMenu(const QPoint& pos);
    void updateActions();

    HistoryController* m_history;
    SessionListModel* m_sessionModel = nullptr;
    SearchResultsModel* m_resultsModel = nullptr;
    QFrame* m_banner = nullptr;
    QLabel* m_bannerText = nullptr;
    QLineEdit* m_search = nullptr;
    QTimer* m_searchTimer = nullptr;
    QStackedWidget* m_stack = nullptr;
    QListView* m_sessions = nullptr;
    QListView* m_results = nullptr;
    QLabel* m_noHits = nullptr;
    QFrame* m_undoBar = nullptr;
    QLabel* m_undoText = nullptr;
    QPushButton* m_undo = nullptr;
    QPushButton* m_more = nullptr;
    QAction* m_open = nullptr;
    QAction* m_rename = nullptr;
    QAction* m_duplicate = nullptr;
    QAction* m_exportMd = nullptr;
    QAction* m_exportJson = nullptr;
    QAction* m_delete = nullptr;
    QAction* m_import = nullptr;
    struct Deleted {
        qint64 id;
        QString title;
    };
    std::vector<Deleted> m_deleted; // undo stack, most recent last
};

} // namespace dw
