// HistoryStore::exportMarkdown / exportJson. The JSON layout (version 1) is the contract
// importJson (store_import.cpp) reads:
//   {"format":"deepwell-history","version":1,"exportedAt":<ms>,
//    "sessions":[{"title","titleIsCustom","createdAt","updatedAt","systemPrompt",
//                 "samplingJson","modelPath",
//                 "messages":[{"role","content","state","createdAt","updatedAt",
//                              "promptTokens","generatedTokens","ttftMs","tokensPerS",
//                              "finishReason"}]}]}
// Ids are not exported (an import gets new ones); absent statistics are null.
#include "store/store_internal.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace dw::store {
namespace {

std::string utcTime(int64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tmv{};
    gmtime_r(&t, &tmv);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tmv);
    return buf;
}

const char* roleHeading(Role role) {
    switch (role) {
    case Role::User:
        return "User";
    case Role::Assistant:
        return "Assistant";
    case Role::System:
        return "System";
    }
    return "User";
}

template <class T> nlohmann::ordered_json optional(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

} // namespace

std::string HistoryStore::exportMarkdown(int64_t sessionId) const {
    std::lock_guard lock(m_impl->mutex);
    const Session s = detail::requireSession(m_impl->db, sessionId, true);
    const std::vector<Message> msgs = detail::loadMessages(m_impl->db, sessionId);

    std::string md = "# " + (s.title.empty() ? std::string("Untitled chat") : s.title) + "\n\n";
    md += "*Created " + utcTime(s.createdAt) + ", last updated " + utcTime(s.updatedAt);
    if (!s.settings.modelPath.empty()) md += ", model `" + s.settings.modelPath + "`";
    md += "*\n\n";
    if (!s.settings.systemPrompt.empty()) {
        md += "**System prompt:**\n\n";
        // Quoted line by line so the prompt's own Markdown stays inside the quote.
        size_t pos = 0;
        while (pos <= s.settings.systemPrompt.size()) {
            const size_t nl = s.settings.systemPrompt.find('\n', pos);
            const size_t end = nl == std::string::npos ? s.settings.systemPrompt.size() : nl;
            md += "> " + s.settings.systemPrompt.substr(pos, end - pos) + "\n";
            if (nl == std::string::npos) break;
            pos = nl + 1;
        }
        md += "\n";
    }
    for (const Message& m : msgs) {
        md += "## " + std::string(roleHeading(m.role)) + "\n\n" + m.content + "\n\n";
        if (m.state != MessageState::Complete)
            md += "*(" + std::string(messageStateName(m.state)) + ")*\n\n";
    }
    return md;
}

std::string HistoryStore::exportJson(const std::vector<int64_t>& sessionIds) const {
    using Json = nlohmann::ordered_json;
    std::lock_guard lock(m_impl->mutex);
    Json sessions = Json::array();
    for (int64_t id : sessionIds) {
        const Session s = detail::requireSession(m_impl->db, id, true);
        Json messages = Json::array();
        for (const Message& m : detail::loadMessages(m_impl->db, id)) {
            messages.push_back({{"role", roleName(m.role)},
                                {"content", m.content},
                                {"state", messageStateName(m.state)},
                                {"createdAt", m.createdAt},
                                {"updatedAt", m.updatedAt},
                                {"promptTokens", optional(m.stats.promptTokens)},
                                {"generatedTokens", optional(m.stats.generatedTokens)},
                                {"ttftMs", optional(m.stats.ttftMs)},
                                {"tokensPerS", optional(m.stats.tokensPerS)},
                                {"finishReason", m.stats.finishReason}});
        }
        sessions.push_back({{"title", s.title},
                            {"titleIsCustom", s.titleIsCustom},
                            {"createdAt", s.createdAt},
                            {"updatedAt", s.updatedAt},
                            {"systemPrompt", s.settings.systemPrompt},
                            {"samplingJson", s.settings.samplingJson},
                            {"modelPath", s.settings.modelPath},
                            {"messages", std::move(messages)}});
    }
    Json doc = {{"format", "deepwell-history"},
                {"version", 1},
                {"exportedAt", m_impl->now()},
                {"sessions", std::move(sessions)}};
    // replace: a stray invalid UTF-8 byte becomes U+FFFD instead of failing the export.
    return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace dw::store
