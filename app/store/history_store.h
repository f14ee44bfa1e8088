#pragma once
// HistoryStore: the desktop app's chat history in one SQLite database (../shared/DESIGN.md
// "Data at rest").
//
// Durability: WAL journal, synchronous=NORMAL; appendMessage() commits with
// synchronous=FULL, so the user's message is on disk (even across a power cut) before it
// returns, i.e. before generation starts. beginAssistantMessage() / updateStreamingMessage()
// commit each call, so a crash or SIGKILL loses only text produced after the last update
// (call it every few hundred ms). On the next open, replies still marked Streaming become
// Interrupted with the text they had.
//
// Damage: open() checks the file (PRAGMA quick_check). A damaged or truncated file is moved
// aside to "<name>.corrupt-YYYYMMDD-HHMMSS" (with its -wal/-shm) and a fresh database is
// created; openReport() says so and where the old file is. No user data is ever deleted.
//
// Errors: a StoreError (store_error.h) with a kind and a message for the user; a failed
// write changes nothing (each write is one transaction) and older data stays intact.
// Calls that find nothing to change return false / 0 / std::nullopt instead of throwing;
// unknown ids passed to calls that must act throw StoreErrorKind::NotFound.
//
// Threads: every public call locks an internal mutex, so the one HistoryStore of the
// process may be shared between threads (calls then wait for each other; each is one small
// transaction). The UI calls it from the GUI thread. Open the history once per process:
// open() turns every Streaming reply into Interrupted, which would cut a reply that another
// open HistoryStore is still writing.
#include "store/history_types.h"
#include "store/store_error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dw::store {

class HistoryStore {
public:
    // Opens or creates the database at `path` (creating missing folders), migrates it to
    // the current schema, and recovers from a crash or a damaged file as described above.
    // Throws StoreError: CannotOpen / PermissionDenied (with the path and what to do),
    // NewerVersion (written by a newer Deepwell: left untouched), NotHistoryDatabase.
    static std::unique_ptr<HistoryStore> open(const std::string& path, OpenOptions options = {});
    ~HistoryStore();
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;

    const OpenReport& openReport() const;
    const std::string& path() const;
    static int schemaVersion(); // the version this build writes

    // --- Sessions ---------------------------------------------------------------------
    int64_t createSession(const SessionSettings& settings = {});
    std::vector<Session> listSessions() const;        // not deleted, newest updatedAt first
    std::vector<Session> listDeletedSessions() const; // soft-deleted, most recently first
    std::optional<Session> session(int64_t id) const; // deleted ones too (deletedAt set)
    // A custom title stops messages from changing it; an empty/blank title returns the
    // session to the automatic title (from its first user message).
    void renameSession(int64_t id, std::string_view title);
    void setSessionSettings(int64_t id, const SessionSettings& settings);
    // Soft delete: hidden from lists and search at once, restorable by undoDelete() until
    // purgeDeleted(). Deleting a deleted session is a no-op.
    void deleteSession(int64_t id);
    void undoDelete(int64_t id);
    // Hard-deletes sessions deleted at or before `deletedAtOrBefore` (Unix ms) with their
    // messages and search entries. Returns how many sessions were removed.
    int purgeDeleted(int64_t deletedAtOrBefore);
    // A new session with copies of all messages (a reply still streaming is copied as
    // Interrupted), the same settings, and the title "<title> (copy)" (custom).
    int64_t duplicateSession(int64_t id);

    // --- Messages ---------------------------------------------------------------------
    std::vector<Message> messages(int64_t sessionId) const; // by ordinal
    std::optional<Message> message(int64_t id) const;
    // Adds a message at the end; durable (synchronous=FULL commit) when it returns.
    int64_t appendMessage(int64_t sessionId, Role role, std::string_view content,
                          MessageState state = MessageState::Complete);
    // Adds an empty assistant reply in state Streaming; committed when it returns.
    int64_t beginAssistantMessage(int64_t sessionId);
    // Replaces the text of a Streaming reply with everything generated so far. One small
    // committed UPDATE (the search index is updated once, when the reply finishes).
    // Returns false (and changes nothing) if the message is not Streaming.
    bool updateStreamingMessage(int64_t messageId, std::string_view fullTextSoFar);
    // Ends a Streaming reply with a final state (not Streaming), its statistics and,
    // optionally, its final text. Returns false if the message was not Streaming.
    bool finishMessage(int64_t messageId, MessageState state, const MessageStats& stats = {},
                       std::optional<std::string_view> finalContent = std::nullopt);
    // Replaces a message's text (state unchanged). For edit-and-resend / regenerate, follow
    // with truncateAfter(sessionId, editedOrdinal).
    void editMessage(int64_t messageId, std::string_view newContent);
    // Deletes the messages of a session with ordinal > `ordinal`; returns how many.
    int truncateAfter(int64_t sessionId, int ordinal);

    // --- Search -----------------------------------------------------------------------
    // Every whitespace-separated term of `query` must occur (as a literal, case-insensitive
    // substring) in a message of a live session; no query syntax is interpreted, so quotes,
    // "*", "OR", "NEAR(" and Chinese text are searched as typed and never throw. Terms of 3
    // or more characters use the FTS5 trigram index (Unicode case folding; best matches
    // first); shorter terms (e.g. the Chinese word 模型) are matched by scanning, folding
    // only ASCII letters, newest first when every term is short. All matched terms are
    // wrapped in the highlight markers. Replies still streaming are not searched.
    std::vector<SearchHit> search(std::string_view query, const SearchOptions& options = {}) const;

    // --- Export / import --------------------------------------------------------------
    std::string exportMarkdown(int64_t sessionId) const;
    // {"format":"deepwell-history","version":1,"sessions":[...]} with every field except ids.
    std::string exportJson(const std::vector<int64_t>& sessionIds) const;
    // Adds the sessions of an exportJson() document as new sessions, all or nothing (one
    // transaction). Throws StoreErrorKind::BadImport naming the JSON path of the first
    // problem (e.g. "sessions[2].messages[0].role") and writes nothing. Returns the new ids.
    std::vector<int64_t> importJson(std::string_view json);

    struct Impl; // store_internal.h

private:
    explicit HistoryStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace dw::store
