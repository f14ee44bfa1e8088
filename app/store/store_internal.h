#pragma once
// Internals shared by the .cpp files of dw_store (not for other modules).
#include "store/history_store.h"
#include "store/sqlite_db.h"

#include <functional>
#include <mutex>

namespace dw::store {

struct HistoryStore::Impl {
    sql::Db db;                     // guarded by mutex
    mutable std::mutex mutex;       // every public HistoryStore call holds it
    std::function<int64_t()> clock; // Unix ms
    OpenReport report;              // written once by open()
    std::string path;
    int64_t now() const { return clock(); }
};

namespace detail {

// Column lists matching readSession / readMessage (selected as "SELECT <columns> FROM ...").
extern const char* const kSessionColumns;
extern const char* const kMessageColumns;
Session readSession(const sql::Statement& st);
Message readMessage(const sql::Statement& st);

std::optional<Session> loadSession(sql::Db& db, int64_t id);
std::vector<Message> loadMessages(sql::Db& db, int64_t sessionId);
// The session, or StoreErrorKind::NotFound ("no session with id N" / "session N is deleted").
Session requireSession(sql::Db& db, int64_t id, bool allowDeleted);
// Sets the title from the first user message unless the title is custom.
void refreshAutoTitle(sql::Db& db, int64_t sessionId);
// Next ordinal of a session (0 when it has no messages).
int nextOrdinal(sql::Db& db, int64_t sessionId);
void touchSession(sql::Db& db, int64_t sessionId, int64_t now);

struct OpenedDatabase {
    sql::Db db;
    OpenReport report;
};
// store_open.cpp: folder creation, damage check and move-aside, pragmas, migrations,
// Streaming → Interrupted.
OpenedDatabase openHistoryDatabase(const std::string& path, const OpenOptions& options,
                                   int64_t now);

} // namespace detail
} // namespace dw::store
