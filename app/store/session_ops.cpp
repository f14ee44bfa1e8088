// HistoryStore: sessions (create, list, rename, settings, delete/undo/purge, duplicate).
#include "store/store_internal.h"
#include "store/title.h"

namespace dw::store {

using detail::requireSession;

int64_t HistoryStore::createSession(const SessionSettings& settings) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    const int64_t now = m_impl->now();
    sql::Statement st(db, "INSERT INTO sessions (created_at, updated_at, system_prompt, "
                          "sampling_json, model_path) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, now).bind(2, now).bind(3, settings.systemPrompt).bind(4, settings.samplingJson);
    st.bind(5, settings.modelPath).run();
    return db.lastInsertId();
}

std::vector<Session> HistoryStore::listSessions() const {
    std::lock_guard lock(m_impl->mutex);
    sql::Statement st(m_impl->db, std::string("SELECT ") + detail::kSessionColumns +
                                      " FROM sessions WHERE deleted_at IS NULL "
                                      "ORDER BY updated_at DESC, id DESC");
    std::vector<Session> out;
    while (st.step()) out.push_back(detail::readSession(st));
    return out;
}

std::vector<Session> HistoryStore::listDeletedSessions() const {
    std::lock_guard lock(m_impl->mutex);
    sql::Statement st(m_impl->db, std::string("SELECT ") + detail::kSessionColumns +
                                      " FROM sessions WHERE deleted_at IS NOT NULL "
                                      "ORDER BY deleted_at DESC, id DESC");
    std::vector<Session> out;
    while (st.step()) out.push_back(detail::readSession(st));
    return out;
}

std::optional<Session> HistoryStore::session(int64_t id) const {
    std::lock_guard lock(m_impl->mutex);
    return detail::loadSession(m_impl->db, id);
}

void HistoryStore::renameSession(int64_t id, std::string_view title) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, id, true);
    // A title is one line: newlines and surrounding blanks from a paste are dropped.
    const std::string clean = deriveTitle(title, std::string_view::npos);
    sql::Transaction tx(db);
    sql::Statement st(db, "UPDATE sessions SET title = ?, title_is_custom = ? WHERE id = ?");
    st.bind(1, clean).bind(2, clean.empty() ? 0 : 1).bind(3, id).run();
    if (clean.empty()) detail::refreshAutoTitle(db, id);
    tx.commit();
}

void HistoryStore::setSessionSettings(int64_t id, const SessionSettings& settings) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, id, true);
    sql::Statement st(db, "UPDATE sessions SET system_prompt = ?, sampling_json = ?, "
                          "model_path = ? WHERE id = ?");
    st.bind(1, settings.systemPrompt).bind(2, settings.samplingJson);
    st.bind(3, settings.modelPath).bind(4, id).run();
}

void HistoryStore::deleteSession(int64_t id) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, id, true);
    sql::Statement st(db, "UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL");
    st.bind(1, m_impl->now()).bind(2, id).run();
}

void HistoryStore::undoDelete(int64_t id) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    requireSession(db, id, true);
    sql::Statement st(db, "UPDATE sessions SET deleted_at = NULL WHERE id = ?");
    st.bind(1, id).run();
}

int HistoryStore::purgeDeleted(int64_t deletedAtOrBefore) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    // Messages and their search entries go through ON DELETE CASCADE and the triggers.
    sql::Transaction tx(db);
    sql::Statement st(db, "DELETE FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at <= ?");
    st.bind(1, deletedAtOrBefore).run();
    const int removed = db.changes();
    tx.commit();
    return removed;
}

int64_t HistoryStore::duplicateSession(int64_t id) {
    std::lock_guard lock(m_impl->mutex);
    sql::Db& db = m_impl->db;
    const Session source = requireSession(db, id, false);
    const int64_t now = m_impl->now();
    const std::string title = source.title.empty() ? std::string() : source.title + " (copy)";
    sql::Transaction tx(db);
    sql::Statement ins(db,
                       "INSERT INTO sessions (title, title_is_custom, created_at, updated_at, "
                       "system_prompt, sampling_json, model_path) VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, title).bind(2, title.empty() ? 0 : 1).bind(3, now).bind(4, now);
    ins.bind(5, source.settings.systemPrompt).bind(6, source.settings.samplingJson);
    ins.bind(7, source.settings.modelPath).run();
    const int64_t copy = db.lastInsertId();
    sql::Statement msgs(
        db, "INSERT INTO messages (session_id, ordinal, role, content, state, created_at, "
            "updated_at, prompt_tokens, generated_tokens, ttft_ms, tokens_per_s, "
            "finish_reason) "
            "SELECT ?, ordinal, role, content, "
            "CASE state WHEN 'streaming' THEN 'interrupted' ELSE state END, "
            "created_at, updated_at, prompt_tokens, generated_tokens, ttft_ms, "
            "tokens_per_s, finish_reason FROM messages WHERE session_id = ? "
            "ORDER BY ordinal");
    msgs.bind(1, copy).bind(2, id).run();
    if (title.empty()) detail::refreshAutoTitle(db, copy);
    tx.commit();
    return copy;
}

} // namespace dw::store
