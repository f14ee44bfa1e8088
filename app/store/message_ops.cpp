// HistoryStore: messages (append, stream, finish, edit, truncate, read).
#include "store/store_internal.h"

namespace dw::store {

using detail::requireSession;

std::vector<Message> HistoryStore::messages(int64_t sessionId) const {
    std::lock_guard lock(m_impl->mutex);
    return detail::loadMessages(m_impl->db, sessionId);
}

std::optional<Message> HistoryStore::message(int64_t id) const {
    std::lock_guard lock(m_impl->mutex);
    sql::Statement st(m_impl->db, std::string("SELECT ") + detail::kMessageColumns +
                                      " FROM messages WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return detail::readMessage(st);
}

namespace {

// Inserts at the end of the session; the caller holds the mutex and a transaction.
int64_t insertMessage(sql::Db& db, int64_t sessionId, Role role, std::string_view content,
                      MessageState state, int64_t now) {
    sql::Statement st(db, "INSERT INTO messages (session_id, ordinal, role, content, state, "
                          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, sessionId).bind(2, detail::nextOrdinal(db, sessionId)).bind(3, roleName(role));
    st.bind(4, content).bind(5, messageStateName(state)).bind(6, now).bind(7, now).run();
    const int64_t id = db.lastInsertId();
    detail::touchSession(db, sessionId, now);
    return id;
}

// Switches the connection to synchronous=FULL for one commit and back to NORMAL after,
// also when the commit throws. (The pragma cannot change inside a transaction, so this
// wraps the whole transaction.)
class FullSyncScope {
public:
    explicit FullSyncScope(sql::Db& db) : m_db(db) {
        m_db.exec("PRAGMA synchronous = FULL", "asking for a durable commit");
    }
    ~FullSyncScope() { m_db.tryExec("PRAGMA synchronous = NORMAL"); }
    FullSyncScope(const FullSyncScope&) = delete;
    FullSyncScope& operator=(const FullSyncScope&) = delete;

private:
    sql::Db& m_db;
};

} // namespace

int64_t HistoryStore::appendMessage(int64_t sessionId, Role role, std::string_view content,
                                    MessageState state) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, sessionId, false);
    // The user's words are the one thing that cannot be regenerated: make this commit
    // survive a power cut too (WAL fsync), not only an application crash.
    FullSyncScope durable(db);
    sql::Transaction tx(db);
    const int64_t id = insertMessage(db, sessionId, role, content, state, m_impl->now());
    if (role == Role::User) detail::refreshAutoTitle(db, sessionId);
    tx.commit();
    return id;
}

int64_t HistoryStore::beginAssistantMessage(int64_t sessionId) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, sessionId, false);
    sql::Transaction tx(db);
    const int64_t id =
        insertMessage(db, sessionId, Role::Assistant, "", MessageState::Streaming, m_impl->now());
    tx.commit();
    return id;
}

bool HistoryStore::updateStreamingMessage(int64_t messageId, std::string_view fullTextSoFar) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    // One autocommitted UPDATE: the index triggers skip streaming rows, so this costs one
    // row write and one WAL append however long the reply is.
    sql::Statement st(db, "UPDATE messages SET content = ?, updated_at = ? "
                          "WHERE id = ? AND state = 'streaming'");
    st.bind(1, fullTextSoFar).bind(2, m_impl->now()).bind(3, messageId).run();
    return db.changes() == 1;
}

bool HistoryStore::finishMessage(int64_t messageId, MessageState state, const MessageStats& stats,
                                 std::optional<std::string_view> finalContent) {
    if (state == MessageState::Streaming)
        throw StoreError(StoreErrorKind::InvalidArgument,
                         "finishMessage: the final state of message " + std::to_string(messageId) +
                             " must not be 'streaming'.");
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    const int64_t now = m_impl->now();
    sql::Transaction tx(db);
    sql::Statement st(db,
                      "UPDATE messages SET state = ?, content = COALESCE(?, content), "
                      "updated_at = ?, prompt_tokens = ?, generated_tokens = ?, ttft_ms = ?, "
                      "tokens_per_s = ?, finish_reason = ? WHERE id = ? AND state = 'streaming'");
    st.bind(1, messageStateName(state));
    if (finalContent)
        st.bind(2, *finalContent);
    else
        st.bindNull(2);
    st.bind(3, now).bind(4, stats.promptTokens).bind(5, stats.generatedTokens);
    st.bind(6, stats.ttftMs).bind(7, stats.tokensPerS).bind(8, stats.finishReason);
    st.bind(9, messageId).run();
    if (db.changes() != 1) return false;
    sql::Statement touch(db, "UPDATE sessions SET updated_at = ? "
                             "WHERE id = (SELECT session_id FROM messages WHERE id = ?)");
    touch.bind(1, now).bind(2, messageId).run();
    tx.commit();
    return true;
}

void HistoryStore::editMessage(int64_t messageId, std::string_view newContent) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    int64_t sessionId = 0;
    bool isUser = false;
    {
        sql::Statement find(db, "SELECT session_id, role FROM messages WHERE id = ?");
        find.bind(1, messageId);
        if (!find.step())
            throw StoreError(StoreErrorKind::NotFound,
                             "No message with id " + std::to_string(messageId) + ".");
        sessionId = find.columnInt(0);
        isUser = find.columnText(1) == roleName(Role::User);
    }
    const int64_t now = m_impl->now();
    sql::Transaction tx(db);
    sql::Statement st(db, "UPDATE messages SET content = ?, updated_at = ? WHERE id = ?");
    st.bind(1, newContent).bind(2, now).bind(3, messageId).run();
    detail::touchSession(db, sessionId, now);
    if (isUser) detail::refreshAutoTitle(db, sessionId);
    tx.commit();
}

int HistoryStore::truncateAfter(int64_t sessionId, int ordinal) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, sessionId, false);
    sql::Transaction tx(db);
    sql::Statement st(db, "DELETE FROM messages WHERE session_id = ? AND ordinal > ?");
    st.bind(1, sessionId).bind(2, ordinal).run();
    const int removed = db.changes();
    if (removed > 0) {
        detail::touchSession(db, sessionId, m_impl->now());
        detail::refreshAutoTitle(db, sessionId);
    }
    tx.commit();
    return removed;
}

} // namespace dw::store
