#pragma once
// Opening the chat history when the program starts: where the database lives, what to tell
// the user about the open (a damaged file moved aside, replies cut off by a crash), and why
// history is off when the database cannot be opened at all (the chat then still works, in
// memory only). main() calls openHistory() and hands the result to the MainWindow.
#include "store/history_store.h"

#include <QString>

#include <memory>

namespace dw {

struct HistoryStartup {
    std::unique_ptr<store::HistoryStore> store; // nullptr: history is not being saved
    QString path;                               // the database file
    QString notice;               // what the user should know about this open; "" when nothing
    bool noticeIsWarning = false; // notice tells of a damaged file (moved aside, kept)
    QString failure;              // store == nullptr: why, and what to do
    int purged = 0;               // sessions deleted long ago and removed for good at this start
};

// <QStandardPaths::AppDataLocation>/history.sqlite3 (Linux: ~/.local/share/Deepwell/deepwell/,
// or $XDG_DATA_HOME/Deepwell/deepwell/).
QString defaultHistoryPath();

// Sessions the user deleted are kept (undo) for this long, then purged at start-up.
inline constexpr int kKeepDeletedDays = 30;

// Opens (or creates) the history at `path` and purges sessions deleted more than
// kKeepDeletedDays ago. Never throws: a failure is described in HistoryStartup::failure.
HistoryStartup openHistory(const QString& path, store::OpenOptions options = {});

} // namespace dw
