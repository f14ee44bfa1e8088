#include "store/schema.h"

namespace dw::store {
namespace {

// Version 1.
// Search: an FTS5 index with the trigram tokenizer (SQLite >= 3.34), so any substring of
// three or more characters matches — including Chinese/Japanese text, which has no spaces
// for a word tokenizer to split on. It is an external-content index over a view that hides
// replies still streaming: a streaming update then only rewrites one messages row (cheap
// every few hundred ms), and the message is indexed once when its state leaves 'streaming'
// (finished, cancelled, or marked interrupted on the next open). The triggers keep the
// index equal to the view: each one removes exactly what was indexed (the old row if it
// was not streaming) and adds what now qualifies. ON DELETE CASCADE deletes fire the
// messages delete trigger too, so purging a session removes its index rows.
constexpr const char* kVersion1 = R"SQL(
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL DEFAULT '',
    title_is_custom INTEGER NOT NULL DEFAULT 0 CHECK (title_is_custom IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    system_prompt   TEXT    NOT NULL DEFAULT '',
    sampling_json   TEXT    NOT NULL DEFAULT '',
    model_path      TEXT    NOT NULL DEFAULT '',
    deleted_at      INTEGER
);
CREATE INDEX sessions_live_by_update ON sessions (updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX sessions_deleted ON sessions (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ordinal          INTEGER NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content          TEXT    NOT NULL DEFAULT '',
    state            TEXT    NOT NULL
        CHECK (state IN ('complete', 'streaming', 'interrupted', 'error', 'cancelled')),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    prompt_tokens    INTEGER,
    generated_tokens INTEGER,
    ttft_ms          REAL,
    tokens_per_s     REAL,
    finish_reason    TEXT    NOT NULL DEFAULT '',
    UNIQUE (session_id, ordinal)
);
CREATE INDEX messages_streaming ON messages (state) WHERE state = 'streaming';

CREATE VIEW message_search_source AS
    SELECT id, content FROM messages WHERE state <> 'streaming';
CREATE VIRTUAL TABLE message_search USING fts5(
    content, content = 'message_search_source', content_rowid = 'id', tokenize = 'trigram');

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
WHEN new.state <> 'streaming' BEGIN
    INSERT INTO message_search (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
WHEN old.state <> 'streaming' BEGIN
    INSERT INTO message_search (message_search, rowid, content)
        VALUES ('delete', old.id, old.content);
END;
-- One update trigger, old row out before new row in (separate triggers fire in an
-- unspecified order, and an insert before the delete of the same rowid would corrupt it).
CREATE TRIGGER messages_search_update AFTER UPDATE OF content, state ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.state <> 'streaming';
    INSERT INTO message_search (rowid, content)
        SELECT new.id, new.content WHERE new.state <> 'streaming';
END;
)SQL";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
};

} // namespace

std::span<const Migration> migrations() {
    return kMigrations;
}

int latestSchemaVersion() {
    return kMigrations[std::size(kMigrations) - 1].version;
}

} // namespace dw::store
