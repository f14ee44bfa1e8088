#pragma once
// Helpers shared by the history-store suites: a fake clock, file bytes, and a second raw
// SQLite connection for checks the store API does not expose (integrity_check, row counts).
#include "store/history_store.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <sqlite3.h>

#include <memory>
#include <string>

namespace dw::store::test {

// Advances 1 s per call, so every write gets a distinct, increasing time.
struct FakeClock {
    std::shared_ptr<int64_t> now = std::make_shared<int64_t>(1'700'000'000'000);
    std::function<int64_t()> fn() const {
        auto t = now;
        return [t] { return *t += 1000; };
    }
};

inline OpenOptions optionsWith(const FakeClock& clock) {
    OpenOptions o;
    o.clock = clock.fn();
    return o;
}

inline QByteArray readBytes(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

inline bool writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// Runs `sql` on its own connection and returns the first column of the first row
// ("<error: ...>" on failure, "<no row>" when empty).
inline std::string rawQuery(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out = "<no row>";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        out = std::string("<error: ") + sqlite3_errmsg(db) + ">";
        sqlite3_close(db);
        return out;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        out = std::string("<error: ") + sqlite3_errmsg(db) + ">";
    } else {
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            out = t ? t : "<null>";
        } else if (rc != SQLITE_DONE) {
            out = std::string("<error: ") + sqlite3_errmsg(db) + ">";
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

inline QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace dw::store::test
