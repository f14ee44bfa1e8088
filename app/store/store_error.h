#pragma once
// The one error type of the history store. It is a dw::Error (deepwell/error.h), so callers
// that only know the engine's error type still get a code and the message; the UI switches
// on kind() to pick what to show (e.g. "disk full" → offer to free space, retry).
// Every message names the database path and says what the user can do.
#include "deepwell/error.h"

#include <string>

namespace dw::store {

enum class StoreErrorKind {
    CannotOpen,         // the file or its folder cannot be created or opened
    PermissionDenied,   // the file or folder is not writable by this user
    DiskFull,           // SQLITE_FULL: nothing of the failed write was kept, older data intact
    CannotWrite,        // SQLITE_IOERR / READONLY: the write failed, older data intact
    Busy,               // another process holds the database locked past the busy timeout
    Corrupt,            // damage found after open (restarting moves the file aside)
    NewerVersion,       // written by a newer Deepwell; left untouched
    NotHistoryDatabase, // a valid SQLite file that is not ours; left untouched
    BadImport,          // importJson input malformed; nothing written
    NotFound,           // no session / message with that id
    InvalidArgument,    // a caller passed a value the API cannot use
    Internal,           // an SQLite failure that fits none of the above
};

const char* storeErrorKindName(StoreErrorKind kind);

class StoreError : public dw::Error {
public:
    StoreError(StoreErrorKind kind, const std::string& message);
    StoreErrorKind kind() const noexcept { return m_kind; }

private:
    StoreErrorKind m_kind;
};

} // namespace dw::store
