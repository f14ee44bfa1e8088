// Opening the history database: folder, damage check (and moving a damaged file aside),
// pragmas, migrations, and turning replies left Streaming by a crash into Interrupted.
#include "store/schema.h"
#include "store/store_internal.h"

#include <sqlite3.h>

#include <ctime>
#include <filesystem>
#include <system_error>

namespace fs = std::filesystem;

namespace dw::store::detail {
namespace {

// Local time, as the user reads it in a file manager.
std::string timestamp(int64_t nowMs) {
    const std::time_t t = static_cast<std::time_t>(nowMs / 1000);
    std::tm tmv{};
    localtime_r(&t, &tmv);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tmv);
    return buf;
}

bool anyExists(const std::string& base) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        if (fs::exists(base + suffix, ec) || ec) return true;
    return false;
}

struct ProbeResult {
    bool damaged = false;
    std::string problem; // what is wrong, for the report
};

// Looks at an existing file without changing it: the connection reads only, and it does
// not checkpoint on close, so a WAL beside a damaged file is left as found.
ProbeResult probe(const std::string& path) {
    sql::Db db = sql::Db::open(path, SQLITE_OPEN_READWRITE);
    sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    if (sqlite3_db_readonly(db.handle(), "main") == 1)
        throw StoreError(StoreErrorKind::PermissionDenied,
                         "The chat history '" + path +
                             "' is read-only for this user. Change its permissions (and those of "
                             "its folder) so Deepwell can write to it.");
    ProbeResult result;
    try {
        const int64_t version = db.queryInt("PRAGMA user_version");
        const int64_t objects = db.queryInt("SELECT count(*) FROM sqlite_schema");
        if (version > latestSchemaVersion())
            throw StoreError(StoreErrorKind::NewerVersion,
                             "The chat history '" + path + "' was written by a newer Deepwell " +
                                 "(schema version " + std::to_string(version) +
                                 "; this version understands up to " +
                                 std::to_string(latestSchemaVersion()) +
                                 "). It was left untouched: update Deepwell to open it.");
        if (version == 0 && objects > 0)
            throw StoreError(StoreErrorKind::NotHistoryDatabase,
                             "'" + path + "' is an SQLite database but not a Deepwell chat " +
                                 "history. It was left untouched; choose another file.");
        sql::Statement check(db, "PRAGMA quick_check");
        std::string lines;
        int rows = 0;
        while (check.step())
            if (rows++ < 3) lines += (lines.empty() ? "" : "; ") + check.columnText(0);
        if (lines != "ok") {
            result.damaged = true;
            result.problem = "the integrity check failed: " + lines;
        } else if (version >= 1) {
            const int64_t tables = db.queryInt("SELECT count(*) FROM sqlite_schema WHERE name IN "
                                               "('sessions', 'messages', 'message_search')");
            if (tables != 3) {
                result.damaged = true;
                result.problem = "tables of the chat history are missing";
            }
        }
    } catch (const StoreError& e) {
        if (e.kind() != StoreErrorKind::Corrupt) throw;
        result.damaged = true;
        const char* detail = sqlite3_errmsg(db.handle());
        result.problem = detail ? detail : "unreadable";
    }
    return result;
}

// Renames path (and -wal/-shm/-journal) to "<path>.corrupt-<stamp>[-N]". The side files go
// first: a fresh database must never meet the old WAL. Returns the new main file name.
std::string moveAside(const std::string& path, int64_t now) {
    const std::string base = path + ".corrupt-" + timestamp(now);
    std::string target = base;
    for (int n = 2; anyExists(target); ++n) target = base + "-" + std::to_string(n);
    std::error_code ec;
    for (const char* suffix : {"-wal", "-shm", "-journal", ""}) {
        const std::string from = path + suffix;
        if (!fs::exists(from, ec)) continue;
        fs::rename(from, target + suffix, ec);
        if (ec)
            throw StoreError(StoreErrorKind::CannotWrite,
                             "The chat history '" + path + "' is damaged and could not be moved " +
                                 "aside to '" + target + suffix + "': " + ec.message() +
                                 ". Move or rename the file yourself, then start Deepwell again.");
    }
    return target;
}

void ensureFolder(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
        fs::create_directories(parent, ec);
        if (ec)
            throw StoreError(ec == std::errc::permission_denied ? StoreErrorKind::PermissionDenied
                                                                : StoreErrorKind::CannotOpen,
                             "Cannot create the folder '" + parent.string() +
                                 "' for the chat history: " + ec.message() +
                                 ". Choose a folder you can write to.");
    }
    if (fs::is_directory(path, ec))
        throw StoreError(StoreErrorKind::CannotOpen,
                         "The chat history path '" + path + "' is a folder, not a file.");
}

void migrate(sql::Db& db, int from) {
    if (from >= latestSchemaVersion()) return;
    // All pending steps in one transaction: an interrupted upgrade leaves the old version.
    sql::Transaction tx(db);
    int applied = from;
    for (const Migration& m : migrations()) {
        if (m.version <= from) continue;
        DW_ASSERT_MSG(m.version == applied + 1, "migrations must be numbered 1, 2, 3, ...");
        db.exec(m.sql, "upgrading the chat history to schema version " + std::to_string(m.version));
        applied = m.version;
    }
    db.exec("PRAGMA user_version = " + std::to_string(applied), "recording the schema version");
    tx.commit();
}

} // namespace

OpenedDatabase openHistoryDatabase(const std::string& path, const OpenOptions& options,
                                   int64_t now) {
    if (path.empty())
        throw StoreError(StoreErrorKind::InvalidArgument, "The chat history path is empty.");
    if (sqlite3_libversion_number() < 3034000) // the trigram tokenizer
        throw StoreError(StoreErrorKind::Internal,
                         std::string("SQLite ") + sqlite3_libversion() +
                             " is too old for the chat history (3.34 or newer is needed).");
    ensureFolder(path);

    OpenedDatabase out;
    OpenReport& report = out.report;
    std::error_code ec;
    const bool existed = fs::exists(path, ec) && fs::file_size(path, ec) > 0;
    if (existed) {
        // Side files SQLite creates while probing a WAL-mode file are not the user's: they
        // are removed again if the file turns out damaged (only those that were not there).
        bool sideExisted[2];
        const char* sides[2] = {"-wal", "-shm"};
        for (int i = 0; i < 2; ++i) sideExisted[i] = fs::exists(path + sides[i], ec);
        const ProbeResult p = probe(path);
        if (p.damaged) {
            for (int i = 0; i < 2; ++i)
                if (!sideExisted[i]) fs::remove(path + sides[i], ec);
            report.outcome = OpenReport::Outcome::RecoveredFromCorruption;
            report.problem = p.problem;
            report.movedTo = moveAside(path, now);
        }
    }

    sql::Db db = sql::Db::open(path);
    if (sqlite3_db_readonly(db.handle(), "main") == 1)
        throw StoreError(StoreErrorKind::PermissionDenied,
                         "The chat history '" + path + "' is read-only for this user. Change its " +
                             "permissions (and those of its folder) so Deepwell can write to it.");
    sqlite3_busy_timeout(db.handle(), options.busyTimeoutMs);
    // WAL: readers do not block the writer, and a commit is one append to the -wal file.
    // NORMAL: commits survive an application crash; appendMessage() asks for FULL.
    const std::string mode = db.queryText("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
    db.exec("PRAGMA synchronous = NORMAL", "setting the sync mode");
    if (db.queryInt("PRAGMA foreign_keys") != 1)
        throw StoreError(StoreErrorKind::Internal,
                         "This SQLite build cannot enforce foreign keys.");

    const int from = static_cast<int>(db.queryInt("PRAGMA user_version"));
    if (from > latestSchemaVersion()) // written in between by a newer Deepwell
        throw StoreError(StoreErrorKind::NewerVersion,
                         "The chat history '" + path + "' was written by a newer Deepwell " +
                             "(schema version " + std::to_string(from) + "). Update Deepwell.");
    migrate(db, from);
    report.fromVersion = from;
    report.toVersion = latestSchemaVersion();
    if (options.maxPageCount)
        db.exec("PRAGMA max_page_count = " + std::to_string(*options.maxPageCount),
                "limiting the database size");

    // updated_at is left alone: it still tells when the last text of the reply arrived.
    db.exec("UPDATE messages SET state = 'interrupted' WHERE state = 'streaming'",
            "marking replies cut off by a crash as interrupted");
    report.interruptedMessages = db.changes();

    if (report.outcome == OpenReport::Outcome::RecoveredFromCorruption) {
        report.message = "The chat history '" + path + "' was damaged (" + report.problem +
                         "). It was moved to '" + report.movedTo +
                         "' (nothing was deleted) and a new, empty history was started.";
    } else if (from == 0) {
        report.outcome = OpenReport::Outcome::Created;
        report.message = "Started a new chat history at '" + path + "'.";
    }
    if (report.interruptedMessages > 0)
        report.message += std::string(report.message.empty() ? "" : " ") +
                          std::to_string(report.interruptedMessages) +
                          (report.interruptedMessages == 1 ? " reply was" : " replies were") +
                          " cut off when Deepwell last stopped; the text received is kept "
                          "and marked as interrupted.";
    if (mode != "wal")
        report.message += std::string(report.message.empty() ? "" : " ") +
                          "Note: this file system does not support write-ahead logging (journal "
                          "mode is '" +
                          mode + "'); saving is slower.";
    out.db = std::move(db);
    return out;
}

} // namespace dw::store::detail
