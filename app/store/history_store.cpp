#include "store/schema.h"
#include "store/store_internal.h"
#include "store/title.h"

#include <chrono>

namespace dw::store {
namespace detail {

const char* const kSessionColumns = "id, title, title_is_custom, created_at, updated_at, "
                                    "system_prompt, sampling_json, model_path, deleted_at";
const char* const kMessageColumns =
    "id, session_id, ordinal, role, content, state, created_at, updated_at, prompt_tokens, "
    "generated_tokens, ttft_ms, tokens_per_s, finish_reason";

Session readSession(const sql::Statement& st) {
    Session s;
    s.id = st.columnInt(0);
    s.title = st.columnText(1);
    s.titleIsCustom = st.columnInt(2) != 0;
    s.createdAt = st.columnInt(3);
    s.updatedAt = st.columnInt(4);
    s.settings.systemPrompt = st.columnText(5);
    s.settings.samplingJson = st.columnText(6);
    s.settings.modelPath = st.columnText(7);
    s.deletedAt = st.columnOptInt(8);
    return s;
}

Message readMessage(const sql::Statement& st) {
    Message m;
    m.id = st.columnInt(0);
    m.sessionId = st.columnInt(1);
    m.ordinal = static_cast<int>(st.columnInt(2));
    // The CHECK constraints admit only known names; anything else is a damaged file.
    const std::string role = st.columnText(3), state = st.columnText(5);
    const auto r = roleFromName(role);
    const auto s = messageStateFromName(state);
    if (!r || !s)
        throw StoreError(StoreErrorKind::Corrupt, "Message " + std::to_string(m.id) +
                                                      " has an unknown role '" + role +
                                                      "' or state '" + state + "'.");
    m.role = *r;
    m.state = *s;
    m.content = st.columnText(4);
    m.createdAt = st.columnInt(6);
    m.updatedAt = st.columnInt(7);
    m.stats.promptTokens = st.columnOptInt(8);
    m.stats.generatedTokens = st.columnOptInt(9);
    m.stats.ttftMs = st.columnOptDouble(10);
    m.stats.tokensPerS = st.columnOptDouble(11);
    m.stats.finishReason = st.columnText(12);
    return m;
}

std::optional<Session> loadSession(sql::Db& db, int64_t id) {
    sql::Statement st(db, std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readSession(st);
}

std::vector<Message> loadMessages(sql::Db& db, int64_t sessionId) {
    sql::Statement st(db, std::string("SELECT ") + kMessageColumns +
                              " FROM messages WHERE session_id = ? ORDER BY ordinal");
    st.bind(1, sessionId);
    std::vector<Message> out;
    while (st.step()) out.push_back(readMessage(st));
    return out;
}

Session requireSession(sql::Db& db, int64_t id, bool allowDeleted) {
    auto s = loadSession(db, id);
    if (!s)
        throw StoreError(StoreErrorKind::NotFound,
                         "No session with id " + std::to_string(id) + ".");
    if (s->deletedAt && !allowDeleted)
        throw StoreError(StoreErrorKind::NotFound,
                         "Session " + std::to_string(id) + " is deleted (undo the delete first).");
    return *s;
}

void refreshAutoTitle(sql::Db& db, int64_t sessionId) {
    sql::Statement first(db, "SELECT content FROM messages WHERE session_id = ? AND role = 'user' "
                             "ORDER BY ordinal LIMIT 1");
    first.bind(1, sessionId);
    const std::string title = first.step() ? deriveTitle(first.columnText(0)) : std::string();
    first.reset();
    sql::Statement upd(db, "UPDATE sessions SET title = ? WHERE id = ? AND title_is_custom = 0 "
                           "AND title <> ?");
    upd.bind(1, title).bind(2, sessionId).bind(3, title).run();
}

int nextOrdinal(sql::Db& db, int64_t sessionId) {
    sql::Statement st(db,
                      "SELECT COALESCE(MAX(ordinal) + 1, 0) FROM messages WHERE session_id = ?");
    st.bind(1, sessionId);
    st.step();
    return static_cast<int>(st.columnInt(0));
}

void touchSession(sql::Db& db, int64_t sessionId, int64_t now) {
    sql::Statement st(db, "UPDATE sessions SET updated_at = ? WHERE id = ?");
    st.bind(1, now).bind(2, sessionId).run();
}

} // namespace detail

std::unique_ptr<HistoryStore> HistoryStore::open(const std::string& path, OpenOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->clock = options.clock ? std::move(options.clock) : [] {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
    auto opened = detail::openHistoryDatabase(path, options, impl->clock());
    impl->db = std::move(opened.db);
    impl->report = std::move(opened.report);
    return std::unique_ptr<HistoryStore>(new HistoryStore(std::move(impl)));
}

HistoryStore::HistoryStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HistoryStore::~HistoryStore() = default;

const OpenReport& HistoryStore::openReport() const {
    return m_impl->report;
}
const std::string& HistoryStore::path() const {
    return m_impl->path;
}
int HistoryStore::schemaVersion() {
    return latestSchemaVersion();
}

} // namespace dw::store
