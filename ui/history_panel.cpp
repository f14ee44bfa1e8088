// The History panel's layout and search; its actions on sessions are in
// history_panel_actions.cpp.
#include "history_panel.h"

#include "history_controller.h"
#include "html_item_delegate.h"
#include "search_results_model.h"
#include "session_list_model.h"

#include <QAbstractButton>
#include <QAction>
#include <QBoxLayout>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>

namespace dw {

namespace {

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

QFrame* barFrame(QWidget* parent) {
    auto* f = new QFrame(parent);
    f->setFrameShape(QFrame::StyledPanel);
    f->setAutoFillBackground(true);
    f->hide();
    return f;
}

QPushButton* button(const QString& text, const QString& accessible, QWidget* parent) {
    auto* b = new QPushButton(text, parent);
    b->setAccessibleName(accessible);
    return b;
}

} // namespace

HistoryPanel::HistoryPanel(HistoryController* history, QWidget* parent)
    : QWidget(parent), m_history(history) {
    setAccessibleName(tr("History"));
    const bool saving = history && history->store();
    m_sessionModel = new SessionListModel(history, this);
    m_resultsModel = new SearchResultsModel(history, this);

    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search all conversations (Ctrl+F)"));
    m_search->setAccessibleName(tr("Search history"));
    m_search->setClearButtonEnabled(true);
    for (QAbstractButton* b : m_search->findChildren<QAbstractButton*>()) // Qt's clear button
        b->setAccessibleName(tr("Clear the search"));
    m_searchTimer = new QTimer(this);
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(200); // typing settles before the store is asked
    connect(m_searchTimer, &QTimer::timeout, this, &HistoryPanel::runSearch);
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        if (text.trimmed().isEmpty())
            runSearch(); // back to the list at once
        else
            m_searchTimer->start();
    });
    connect(m_search, &QLineEdit::returnPressed, this, &HistoryPanel::runSearch);

    m_sessions = new QListView(this);
    m_sessions->setModel(m_sessionModel);
    m_sessions->setAccessibleName(tr("Conversations"));
    m_sessions->setEditTriggers(QAbstractItemView::EditKeyPressed); // F2; a double-click opens
    m_sessions->setContextMenuPolicy(Qt::CustomContextMenu);
    // The title (wrapped: long ones are shown whole) over the time; F2 edits the title alone.
    m_sessions->setItemDelegate(new HtmlItemDelegate(SessionListModel::HtmlRole, m_sessions));
    m_sessions->setResizeMode(QListView::Adjust);
    m_sessions->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);

    m_results = new QListView(this);
    m_results->setModel(m_resultsModel);
    m_results->setAccessibleName(tr("Search results"));
    m_results->setItemDelegate(new HtmlItemDelegate(SearchResultsModel::HtmlRole, m_results));
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setResizeMode(QListView::Adjust); // rows re-wrap to a new width
    m_results->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_results->setAlternatingRowColors(true);
    m_noHits = new QLabel(this);
    m_noHits->setWordWrap(true);
    m_noHits->setAccessibleName(tr("Search summary"));
    auto* resultsPage = new QWidget(this);
    auto* resultsCol = new QVBoxLayout(resultsPage);
    resultsCol->setContentsMargins(0, 0, 0, 0);
    resultsCol->addWidget(m_noHits);
    resultsCol->addWidget(m_results, 1);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_sessions);
    m_stack->addWidget(resultsPage);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(buildBanner());
    layout->addWidget(m_search);
    layout->addWidget(m_stack, 1);
    layout->addWidget(buildUndoBar());
    buildActions();
    layout->addWidget(buildButtons());

    connect(m_sessions, &QListView::activated, this, &HistoryPanel::openIndex);
    connect(m_results, &QListView::activated, this, &HistoryPanel::openIndex);
    connect(m_sessions, &QWidget::customContextMenuRequested, this, &HistoryPanel::showContextMenu);
    connect(m_sessions->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &HistoryPanel::updateActions);
    connect(m_sessionModel, &SessionListModel::readFailed, this,
            [this](const QString& m) { showBanner(m, true); });
    connect(m_resultsModel, &SearchResultsModel::readFailed, this,
            [this](const QString& m) { showBanner(m, true); });
    if (history) {
        connect(history, &HistoryController::currentSessionChanged, this,
                &HistoryPanel::selectCurrentSession);
        connect(history, &HistoryController::saveFailed, this,
                [this](const QString& m) { showBanner(m, true); });
        connect(history, &HistoryController::sessionsChanged, this, [this] {
            if (isShowingResults()) runSearch(); // keep the hits in step with what they show
        });
    }
    m_search->setEnabled(saving);
    m_stack->setEnabled(saving);
    selectCurrentSession();
    updateActions();
}

QWidget* HistoryPanel::buildBanner() {
    m_banner = barFrame(this);
    auto* row = new QHBoxLayout(m_banner);
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextFormat(Qt::PlainText);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse); // paths can be copied
    m_bannerText->setAccessibleName(tr("History status"));
    auto* dismiss = new QToolButton(m_banner);
    dismiss->setText(tr("Dismiss"));
    dismiss->setAccessibleName(tr("Dismiss this message"));
    connect(dismiss, &QToolButton::clicked, m_banner, &QWidget::hide);
    row->addWidget(m_bannerText, 1);
    row->addWidget(dismiss, 0, Qt::AlignTop);
    return m_banner;
}

QWidget* HistoryPanel::buildUndoBar() {
    m_undoBar = barFrame(this);
    m_undoBar->setBackgroundRole(QPalette::AlternateBase);
    auto* row = new QHBoxLayout(m_undoBar);
    m_undoText = new QLabel(m_undoBar);
    m_undoText->setWordWrap(true);
    m_undoText->setAccessibleName(tr("Deleted conversation"));
    m_undo = button(tr("&Undo"), tr("Undo delete"), m_undoBar);
    m_undo->setToolTip(tr("Bring the conversation back (Ctrl+Z)"));
    connect(m_undo, &QPushButton::clicked, this, &HistoryPanel::undoDelete);
    row->addWidget(m_undoText, 1);
    row->addWidget(m_undo);
    return m_undoBar;
}

void HistoryPanel::buildActions() {
    auto action = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        if (!key.isEmpty()) {
            a->setShortcut(key);
            a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
            addAction(a);
        }
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_open = action(tr("&Open"), {}, [this] { openIndex(m_sessions->currentIndex()); });
    m_rename = action(tr("&Rename"), QKeySequence(Qt::Key_F2), &HistoryPanel::renameSelected);
    m_duplicate = action(tr("D&uplicate"), {}, &HistoryPanel::duplicateSelected);
    m_exportMd =
        action(tr("Export as &Markdown…"), {}, [this] { exportSelected(ExportFormat::Markdown); });
    m_exportJson =
        action(tr("Export as &JSON…"), {}, [this] { exportSelected(ExportFormat::Json); });
    m_delete = action(tr("&Delete"), {}, &HistoryPanel::deleteSelected);
    m_import = action(tr("&Import…"), {}, &HistoryPanel::importFromDialog);
    // Del only in the list (in the search box it deletes text); Ctrl+Z anywhere in the panel
    // but the search box, which keeps its own undo.
    m_delete->setShortcut(QKeySequence::Delete);
    m_delete->setShortcutContext(Qt::WidgetShortcut);
    m_sessions->addAction(m_delete);
    action(tr("Undo Delete"), QKeySequence::Undo, &HistoryPanel::undoDelete);
}

QWidget* HistoryPanel::buildButtons() {
    auto* box = new QWidget(this);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    auto* add = button(tr("&New"), tr("New conversation"), box);
    add->setToolTip(tr("Start an empty conversation (Ctrl+N)"));
    connect(add, &QPushButton::clicked, this, &HistoryPanel::newSessionRequested);
    auto* import = button(tr("&Import…"), tr("Import conversations"), box);
    import->setToolTip(tr("Add conversations from a JSON file exported by Deepwell"));
    connect(import, &QPushButton::clicked, this, &HistoryPanel::importFromDialog);
    import->setEnabled(m_history && m_history->store());
    m_more = button(tr("&Conversation"), tr("Conversation actions"), box);
    m_more->setToolTip(tr("Rename, duplicate, export or delete the selected conversation"));
    auto* menu = new QMenu(m_more);
    menu->addActions({m_open, m_rename, m_duplicate});
    menu->addSeparator();
    menu->addActions({m_exportMd, m_exportJson});
    menu->addSeparator();
    menu->addAction(m_delete);
    m_more->setMenu(menu);
    row->addWidget(add);
    row->addWidget(import);
    row->addStretch(1);
    row->addWidget(m_more);
    return box;
}

void HistoryPanel::showBanner(const QString& text, bool warning) {
    m_bannerText->setText(text);
    QPalette p = palette();
    const QColor base = p.color(QPalette::Base);
    p.setColor(QPalette::Window, warning ? mix(base, QColor(0xf0, 0xa0, 0x00), 0.30)
                                         : mix(base, p.color(QPalette::Highlight), 0.15));
    m_banner->setPalette(p);
    m_banner->show();
}

void HistoryPanel::focusSearch() {
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void HistoryPanel::setQuery(const QString& text) {
    m_search->setText(text);
    runSearch();
}

bool HistoryPanel::isShowingResults() const {
    return m_stack->currentIndex() == 1;
}

QSize HistoryPanel::sizeHint() const {
    return {300, QWidget::sizeHint().height()};
}

void HistoryPanel::runSearch() {
    m_searchTimer->stop();
    const QString query = m_search->text();
    if (query.trimmed().isEmpty()) {
        m_resultsModel->search(QString());
        m_stack->setCurrentIndex(0);
        return;
    }
    m_resultsModel->search(query);
    const int n = m_resultsModel->rowCount();
    m_noHits->setText(n == 0 ? tr("No message contains “%1”.").arg(query.trimmed())
                             : tr("%n message(s) found.", nullptr, n));
    m_stack->setCurrentIndex(1);
}

void HistoryPanel::openIndex(const QModelIndex& index) {
    if (!index.isValid() || !m_history) return;
    const qint64 id = index.model() == m_resultsModel
                          ? index.data(SearchResultsModel::SessionIdRole).toLongLong()
                          : index.data(SessionListModel::IdRole).toLongLong();
    if (!m_history->openSession(id))
        showError(tr("Open Conversation"), tr("This conversation could not be opened."));
}

void HistoryPanel::selectCurrentSession() {
    if (!m_history) return;
    const int row = m_sessionModel->rowOfSession(m_history->currentSessionId());
    if (row >= 0) m_sessions->setCurrentIndex(m_sessionModel->index(row));
}

qint64 HistoryPanel::selectedSession() const {
    return m_sessionModel->sessionAt(m_sessions->currentIndex().row());
}

void HistoryPanel::updateActions() {
    const bool any = selectedSession() != 0;
    for (QAction* a : {m_open, m_rename, m_duplicate, m_exportMd, m_exportJson, m_delete})
        a->setEnabled(any);
    m_import->setEnabled(m_history && m_history->store());
    m_more->setEnabled(any);
}

void HistoryPanel::showContextMenu(const QPoint& pos) {
    const QModelIndex index = m_sessions->indexAt(pos);
    if (index.isValid()) m_sessions->setCurrentIndex(index);
    updateActions();
    QMenu menu(this);
    if (index.isValid()) {
        menu.addActions({m_open, m_rename, m_duplicate});
        menu.addSeparator();
        menu.addActions({m_exportMd, m_exportJson});
        menu.addSeparator();
        menu.addAction(m_delete);
        menu.addSeparator();
    }
    menu.addAction(m_import);
    menu.exec(m_sessions->viewport()->mapToGlobal(pos));
}

} // namespace dw
