#pragma once
// A thin RAII layer over the sqlite3 C API (internal to dw_store). Every call is checked;
// a failure becomes a StoreError whose message names the database path and, for SQLITE_FULL
// and I/O errors, tells the user that the disk is full / cannot be written and that what
// was stored before is intact (a failed statement never commits half of anything: the
// enclosing Transaction rolls back).
#include "store/store_error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace dw::store::sql {

// Throws the StoreError matching an SQLite result code. `what` says what we were doing.
[[noreturn]] void throwSqlite(sqlite3* db, int rc, std::string_view what, const std::string& path);

// True for SQLITE_CORRUPT and SQLITE_NOTADB (primary codes): the file is damaged.
bool isCorruptionCode(int rc);

class Db {
public:
    Db() = default;
    // flags: SQLITE_OPEN_* (READWRITE | CREATE by default).
    static Db open(const std::string& path, int flags = 0);
    ~Db();
    Db(Db&& other) noexcept;
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    // Runs one or more statements without results. Throws on failure.
    void exec(std::string_view sql, std::string_view what);
    // Like exec but returns the SQLite result code instead of throwing.
    int tryExec(std::string_view sql);
    // The first column of the first row of `sql` as text ("" when no row).
    std::string queryText(std::string_view sql);
    int64_t queryInt(std::string_view sql); // 0 when no row

    int64_t lastInsertId() const;
    int changes() const;
    bool inTransaction() const;
    const std::string& path() const { return m_path; }
    sqlite3* handle() const { return m_db; }
    // Closes now (also done by the destructor). Result code of sqlite3_close.
    int close();

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
};

// A prepared statement. Bind indices are 1-based, column indices 0-based (as in SQLite).
class Statement {
public:
    Statement(Db& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bind(int index, std::optional<int64_t> value);
    Statement& bind(int index, std::optional<double> value);
    Statement& bindNull(int index);

    // Advances; true when a row is available, false when done. Throws on failure.
    bool step();
    // Runs a statement that returns no rows (steps until done).
    void run();
    void reset();

    bool isNull(int column) const;
    int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    std::optional<int64_t> columnOptInt(int column) const;
    std::optional<double> columnOptDouble(int column) const;

private:
    Db& m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_what; // the SQL, for error messages
};

// BEGIN IMMEDIATE … COMMIT; rolls back in the destructor unless commit() succeeded, so an
// exception anywhere inside (disk full, a bad value) leaves the database as it was.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Db& m_db;
    bool m_open = false;
};

} // namespace dw::store::sql
