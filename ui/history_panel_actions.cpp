// HistoryPanel's actions on sessions: rename, delete with undo, duplicate, export, import,
// and the message shown when one fails. The panel's layout is in history_panel.cpp.
#include "history_controller.h"
#include "history_panel.h"
#include "session_list_model.h"

#include <QDir>
#include <QFileDialog>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QStackedWidget>

#include <algorithm>

namespace dw {

void HistoryPanel::renameSelected() {
    if (selectedSession() == 0) return;
    m_stack->setCurrentIndex(0);
    m_sessions->setFocus();
    m_sessions->edit(m_sessions->currentIndex());
}

void HistoryPanel::deleteSelected() {
    const qint64 id = selectedSession();
    if (id == 0 || !m_history) return;
    const QString title = m_sessions->currentIndex().data(Qt::DisplayRole).toString();
    const int row = m_sessions->currentIndex().row();
    if (!m_history->deleteSession(id)) return;
    m_deleted.push_back({id, title});
    updateUndoBar();
    // The neighbour takes the selection, so Del can go on down the list.
    const int next = std::min(row, m_sessionModel->rowCount() - 1);
    if (next >= 0) m_sessions->setCurrentIndex(m_sessionModel->index(next));
}

bool HistoryPanel::undoDelete() {
    if (m_deleted.empty() || !m_history) return false;
    const Deleted d = m_deleted.back();
    if (!m_history->undoDelete(d.id)) return false;
    m_deleted.pop_back();
    updateUndoBar();
    const int row = m_sessionModel->rowOfSession(d.id);
    if (row >= 0) m_sessions->setCurrentIndex(m_sessionModel->index(row));
    m_stack->setCurrentIndex(0);
    m_sessions->setFocus(); // where it was deleted from; the Undo button is gone
    emit statusMessage(tr("“%1” is back.").arg(d.title));
    return true;
}

void HistoryPanel::updateUndoBar() {
    if (m_deleted.empty()) {
        m_undoBar->hide();
        return;
    }
    m_undoText->setText(tr("Deleted “%1”.").arg(m_deleted.back().title));
    m_undoBar->show();
}

void HistoryPanel::duplicateSelected() {
    const qint64 id = selectedSession();
    if (id == 0 || !m_history) return;
    const qint64 copy = m_history->duplicateSession(id);
    const int row = m_sessionModel->rowOfSession(copy);
    if (row >= 0) m_sessions->setCurrentIndex(m_sessionModel->index(row));
}

void HistoryPanel::exportSelected(ExportFormat format) {
    const qint64 id = selectedSession();
    if (id == 0 || !m_history || !m_history->store()) return;
    m_history->flush();
    const QString title = m_sessions->currentIndex().data(Qt::DisplayRole).toString();
    const QString filter =
        format == ExportFormat::Markdown ? tr("Markdown (*.md)") : tr("JSON (*.json)");
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Conversation"),
                                     QDir::home().filePath(exportFileName(title, format)), filter);
    if (path.isEmpty()) return;
    const QString error = exportSessionFile(*m_history->store(), id, path, format);
    if (!error.isEmpty())
        showError(tr("Export Conversation"), error);
    else
        emit statusMessage(tr("Exported “%1” to %2.").arg(title, QDir::toNativeSeparators(path)));
}

void HistoryPanel::importFromDialog() {
    if (!m_history || !m_history->store()) return;
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import Conversations"), QDir::homePath(),
                                     tr("Deepwell history (*.json);;All files (*)"));
    if (!path.isEmpty()) importFile(path);
}

bool HistoryPanel::importFile(const QString& path) {
    if (!m_history || !m_history->store()) return false;
    const ImportResult r = importSessionsFile(*m_history->store(), path);
    if (!r.error.isEmpty()) {
        showError(tr("Import Conversations"), r.error);
        return false;
    }
    m_sessionModel->refresh();
    emit statusMessage(tr("Imported %n conversation(s).", nullptr, int(r.sessionIds.size())));
    if (!r.sessionIds.empty()) {
        const int row = m_sessionModel->rowOfSession(r.sessionIds.front());
        if (row >= 0) m_sessions->setCurrentIndex(m_sessionModel->index(row));
    }
    return true;
}

// Not modal for the rest of the app: the chat goes on while the message is read.
void HistoryPanel::showError(const QString& title, const QString& text) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("historyError"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::NonModal);
    box->show();
}

} // namespace dw
