#pragma once
// Sessions to and from files: Markdown or JSON export of one session, JSON import (the
// store's format, all or nothing). The history panel asks for the path with a file dialog
// and calls these; tests call them with a path. GUI thread (they are quick: one session).
#include <QString>

#include <vector>

namespace dw {

namespace store {
class HistoryStore;
}

enum class ExportFormat { Markdown, Json };

// Writes session `id` to `path` (replacing the file, atomically). Returns "" on success, else
// a message for the user naming the file and what went wrong.
QString exportSessionFile(const store::HistoryStore& store, qint64 id, const QString& path,
                          ExportFormat format);

struct ImportResult {
    std::vector<qint64> sessionIds; // the new sessions
    QString error;                  // "" on success; else what is wrong, naming the file
};
// Adds the sessions of an exported JSON file (nothing is added when any part is wrong).
ImportResult importSessionsFile(store::HistoryStore& store, const QString& path);

// A file name for exporting a session titled `title` ("Chat about X.md"): characters that
// file systems reject are replaced, and it is never empty.
QString exportFileName(const QString& title, ExportFormat format);

} // namespace dw
