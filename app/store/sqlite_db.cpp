#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace dw::store::sql {

bool isCorruptionCode(int rc) {
    const int primary = rc & 0xff;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

void throwSqlite(sqlite3* db, int rc, std::string_view what, const std::string& path) {
    const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const std::string where = "the history database '" + path + "'";
    const std::string doing = " while " + std::string(what);
    const std::string code = " (SQLite code " + std::to_string(rc) + ")";
    switch (rc & 0xff) {
    case SQLITE_FULL:
        throw StoreError(StoreErrorKind::DiskFull,
                         "Could not save to " + where + doing +
                             ": the disk is full (or the database reached its size limit). Free "
                             "some disk space and try again; everything saved before is intact.");
    case SQLITE_IOERR:
        throw StoreError(StoreErrorKind::CannotWrite,
                         "Could not read or write " + where + doing + ": " + detail + code +
                             ". Check that the disk is present and writable; everything saved "
                             "before is intact.");
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        throw StoreError(StoreErrorKind::PermissionDenied,
                         "Cannot write to " + where + doing + ": " + detail + code +
                             ". Check the permissions of the file and of its folder.");
    case SQLITE_CANTOPEN:
        throw StoreError(StoreErrorKind::CannotOpen,
                         "Cannot open " + where + ": " + detail + code +
                             ". Check that its folder exists and is writable.");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw StoreError(StoreErrorKind::Busy,
                         "The history database '" + path + "' is locked by another program " +
                             "(perhaps a second Deepwell)" + doing + ". Close it and try again.");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        throw StoreError(StoreErrorKind::Corrupt,
                         "The history database '" + path + "' is damaged (" + detail + ")" + doing +
                             ". Restart Deepwell: it keeps the damaged file beside a "
                             "fresh one.");
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        throw StoreError(StoreErrorKind::InvalidArgument,
                         "The history database rejected a value" + doing + ": " + detail + code);
    default:
        throw StoreError(StoreErrorKind::Internal,
                         "SQLite failed" + doing + " on " + where + ": " + detail + code);
    }
}

Db Db::open(const std::string& path, int flags) {
    if (flags == 0) flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    // One connection per HistoryStore, serialised by its mutex: no SQLite-level mutex needed.
    flags |= SQLITE_OPEN_NOMUTEX;
    Db db;
    db.m_path = path;
    const int rc = sqlite3_open_v2(path.c_str(), &db.m_db, flags, nullptr);
    if (rc != SQLITE_OK) throwSqlite(db.m_db, rc, "opening it", path); // ~Db closes the handle
    sqlite3_extended_result_codes(db.m_db, 1);
    return db;
}

Db::~Db() {
    close();
}

Db::Db(Db&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)) {}

Db& Db::operator=(Db&& other) noexcept {
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

int Db::close() {
    if (!m_db) return SQLITE_OK;
    // sqlite3_close_v2 defers the close until any (leaked) statement is finalised.
    const int rc = sqlite3_close_v2(m_db);
    m_db = nullptr;
    return rc;
}

void Db::exec(std::string_view sql, std::string_view what) {
    const int rc = tryExec(sql);
    if (rc != SQLITE_OK) throwSqlite(m_db, rc, what, m_path);
}

int Db::tryExec(std::string_view sql) {
    return sqlite3_exec(m_db, std::string(sql).c_str(), nullptr, nullptr, nullptr);
}

std::string Db::queryText(std::string_view sql) {
    Statement st(*this, sql);
    return st.step() ? st.columnText(0) : std::string();
}

int64_t Db::queryInt(std::string_view sql) {
    Statement st(*this, sql);
    return st.step() ? st.columnInt(0) : 0;
}

int64_t Db::lastInsertId() const {
    return sqlite3_last_insert_rowid(m_db);
}
int Db::changes() const {
    return sqlite3_changes(m_db);
}
bool Db::inTransaction() const {
    return sqlite3_get_autocommit(m_db) == 0;
}

Statement::Statement(Db& db, std::string_view sql) : m_db(db), m_what(sql) {
    const int rc =
        sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr);
    if (rc != SQLITE_OK) throwSqlite(db.handle(), rc, "preparing \"" + m_what + "\"", db.path());
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

static void checkBind(Db& db, int rc, const std::string& what) {
    if (rc != SQLITE_OK)
        throwSqlite(db.handle(), rc, "binding a value of \"" + what + "\"", db.path());
}

Statement& Statement::bind(int index, int64_t value) {
    checkBind(m_db, sqlite3_bind_int64(m_stmt, index, value), m_what);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    checkBind(m_db, sqlite3_bind_double(m_stmt, index, value), m_what);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // SQLITE_TRANSIENT: SQLite copies the text, so temporaries may be bound.
    checkBind(
        m_db,
        sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        m_what);
    return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, std::optional<double> value) {
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindNull(int index) {
    checkBind(m_db, sqlite3_bind_null(m_stmt, index), m_what);
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throwSqlite(m_db.handle(), rc, "running \"" + m_what + "\"", m_db.path());
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

int64_t Statement::columnInt(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::columnDouble(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::columnText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    const int bytes = sqlite3_column_bytes(m_stmt, column);
    return text ? std::string(text, static_cast<size_t>(bytes)) : std::string();
}

std::optional<int64_t> Statement::columnOptInt(int column) const {
    if (isNull(column)) return std::nullopt;
    return columnInt(column);
}

std::optional<double> Statement::columnOptDouble(int column) const {
    if (isNull(column)) return std::nullopt;
    return columnDouble(column);
}

Transaction::Transaction(Db& db) : m_db(db) {
    // IMMEDIATE takes the write lock now, so a busy database fails here, before any work.
    m_db.exec("BEGIN IMMEDIATE", "starting a transaction");
    m_open = true;
}

Transaction::~Transaction() {
    // After SQLITE_FULL / IOERR SQLite may already have rolled back; only roll back if open.
    if (m_open && m_db.inTransaction()) m_db.tryExec("ROLLBACK");
}

void Transaction::commit() {
    m_db.exec("COMMIT", "saving (commit)");
    m_open = false;
}

} // namespace dw::store::sql
