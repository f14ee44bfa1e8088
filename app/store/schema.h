#pragma once
// Numbered schema migrations (PRAGMA user_version = the number of steps applied).
// Append-only: a released step is never edited or renumbered; a change is a new step.
#include <span>

namespace dw::store {

struct Migration {
    int version;     // user_version after this step (1, 2, 3, ...)
    const char* sql; // one or more statements, run inside the migration transaction
};

std::span<const Migration> migrations();
int latestSchemaVersion();

} // namespace dw::store
