// HistoryStore::importJson: reads the exportJson() format (store_export.cpp). The whole
// document is checked before anything is written; the writes are one transaction. Every
// problem is reported with its JSON path, e.g. "sessions[2].messages[0].role".
#include "store/store_internal.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace dw::store {
namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw StoreError(StoreErrorKind::BadImport,
                     "Cannot import the chat history: " + (path.empty() ? "" : path + ": ") + what +
                         ". Nothing was imported.");
}

std::string found(const Json& j) {
    return std::string("found ") + j.type_name();
}

// The member `key` of `obj`, or nullptr when absent (an error when required).
const Json* member(const Json& obj, const std::string& path, const char* key, bool required) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) bad(path + key, "missing");
        return nullptr;
    }
    return &*it;
}

std::string text(const Json& obj, const std::string& path, const char* key, bool required) {
    const Json* j = member(obj, path, key, required);
    if (!j) return {};
    if (!j->is_string()) bad(path + key, "expected a string, " + found(*j));
    return j->get<std::string>();
}

std::optional<int64_t> integer(const Json& obj, const std::string& path, const char* key) {
    const Json* j = member(obj, path, key, false);
    if (!j || j->is_null()) return std::nullopt;
    if (j->is_number_unsigned() &&
        j->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        bad(path + key, "the number is too large");
    if (!j->is_number_integer()) bad(path + key, "expected an integer, " + found(*j));
    return j->get<int64_t>();
}

std::optional<double> number(const Json& obj, const std::string& path, const char* key) {
    const Json* j = member(obj, path, key, false);
    if (!j || j->is_null()) return std::nullopt;
    if (!j->is_number()) bad(path + key, "expected a number, " + found(*j));
    return j->get<double>();
}

bool boolean(const Json& obj, const std::string& path, const char* key) {
    const Json* j = member(obj, path, key, false);
    if (!j) return false;
    if (!j->is_boolean()) bad(path + key, "expected true or false, " + found(*j));
    return j->get<bool>();
}

struct ImportedSession {
    Session session;
    std::vector<Message> messages;
};

Message readMessage(const Json& j, const std::string& at, int64_t fallbackTime) {
    if (!j.is_object()) bad(at, "expected an object, " + found(j));
    const std::string p = at + ".";
    Message m;
    const std::string role = text(j, p, "role", true);
    const auto r = roleFromName(role);
    if (!r) bad(p + "role", "\"" + role + "\" is not one of user, assistant, system");
    m.role = *r;
    m.content = text(j, p, "content", true);
    if (member(j, p, "state", false)) {
        const std::string state = text(j, p, "state", false);
        const auto s = messageStateFromName(state);
        if (!s)
            bad(p + "state", "\"" + state +
                                 "\" is not one of complete, streaming, interrupted, error, "
                                 "cancelled");
        // Nothing is streaming into an imported reply.
        m.state = *s == MessageState::Streaming ? MessageState::Interrupted : *s;
    }
    m.createdAt = integer(j, p, "createdAt").value_or(fallbackTime);
    m.updatedAt = integer(j, p, "updatedAt").value_or(m.createdAt);
    m.stats.promptTokens = integer(j, p, "promptTokens");
    m.stats.generatedTokens = integer(j, p, "generatedTokens");
    m.stats.ttftMs = number(j, p, "ttftMs");
    m.stats.tokensPerS = number(j, p, "tokensPerS");
    m.stats.finishReason = text(j, p, "finishReason", false);
    return m;
}

std::vector<ImportedSession> parseDocument(std::string_view textIn, int64_t now) {
    Json doc;
    try {
        doc = Json::parse(textIn);
    } catch (const Json::parse_error& e) {
        // e.what() = "[json.exception.parse_error.101] parse error at line 1, ...": drop the tag.
        std::string what = e.what();
        if (const size_t cut = what.find("] "); cut != std::string::npos)
            what = what.substr(cut + 2);
        bad("", "the file is not valid JSON (" + what + ")");
    }
    if (!doc.is_object()) bad("", "expected a JSON object at the top level, " + found(doc));
    const Json* format = member(doc, "", "format", false);
    if (!format) bad("format", "missing (this is not a Deepwell history export)");
    if (!format->is_string() || format->get<std::string>() != "deepwell-history")
        bad("format", "expected \"deepwell-history\", found " + format->dump() +
                          " (this is not a Deepwell history export)");
    const std::optional<int64_t> version = integer(doc, "", "version");
    if (!version) bad("version", "missing");
    if (*version > 1)
        bad("version", std::to_string(*version) +
                           " is newer than this Deepwell can read (1); update Deepwell");
    if (*version != 1) bad("version", std::to_string(*version) + " is not a known version");
    const Json* sessions = member(doc, "", "sessions", true);
    if (!sessions->is_array()) bad("sessions", "expected an array, " + found(*sessions));

    std::vector<ImportedSession> out;
    for (size_t i = 0; i < sessions->size(); ++i) {
        const Json& js = (*sessions)[i];
        const std::string at = "sessions[" + std::to_string(i) + "]";
        if (!js.is_object()) bad(at, "expected an object, " + found(js));
        const std::string p = at + ".";
        ImportedSession is;
        Session& s = is.session;
        s.title = text(js, p, "title", true);
        s.titleIsCustom = boolean(js, p, "titleIsCustom");
        s.createdAt = integer(js, p, "createdAt").value_or(now);
        s.updatedAt = integer(js, p, "updatedAt").value_or(s.createdAt);
        s.settings.systemPrompt = text(js, p, "systemPrompt", false);
        s.settings.samplingJson = text(js, p, "samplingJson", false);
        s.settings.modelPath = text(js, p, "modelPath", false);
        const Json* msgs = member(js, p, "messages", true);
        if (!msgs->is_array()) bad(p + "messages", "expected an array, " + found(*msgs));
        for (size_t k = 0; k < msgs->size(); ++k)
            is.messages.push_back(
                readMessage((*msgs)[k], p + "messages[" + std::to_string(k) + "]", s.createdAt));
        out.push_back(std::move(is));
    }
    return out;
}

} // namespace

std::vector<int64_t> HistoryStore::importJson(std::string_view json) {
    std::lock_guard lock(m_impl->mutex);
    const std::vector<ImportedSession> parsed = parseDocument(json, m_impl->now());
    sql::Db& db = m_impl->db;
    std::vector<int64_t> ids;
    sql::Transaction tx(db);
    sql::Statement insSession(db, "INSERT INTO sessions (title, title_is_custom, created_at, "
                                  "updated_at, system_prompt, sampling_json, model_path) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)");
    sql::Statement insMessage(db, "INSERT INTO messages (session_id, ordinal, role, content, "
                                  "state, created_at, updated_at, prompt_tokens, "
                                  "generated_tokens, ttft_ms, tokens_per_s, finish_reason) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const ImportedSession& is : parsed) {
        const Session& s = is.session;
        insSession.reset();
        insSession.bind(1, s.title).bind(2, s.titleIsCustom ? 1 : 0).bind(3, s.createdAt);
        insSession.bind(4, s.updatedAt).bind(5, s.settings.systemPrompt);
        insSession.bind(6, s.settings.samplingJson).bind(7, s.settings.modelPath).run();
        const int64_t id = db.lastInsertId();
        int ordinal = 0;
        for (const Message& m : is.messages) {
            insMessage.reset();
            insMessage.bind(1, id).bind(2, ordinal++).bind(3, roleName(m.role));
            insMessage.bind(4, m.content).bind(5, messageStateName(m.state));
            insMessage.bind(6, m.createdAt).bind(7, m.updatedAt);
            insMessage.bind(8, m.stats.promptTokens).bind(9, m.stats.generatedTokens);
            insMessage.bind(10, m.stats.ttftMs).bind(11, m.stats.tokensPerS);
            insMessage.bind(12, m.stats.finishReason).run();
        }
        // An automatic title follows this store's rule for the imported messages.
        if (!s.titleIsCustom) detail::refreshAutoTitle(db, id);
        ids.push_back(id);
    }
    tx.commit();
    return ids;
}

} // namespace dw::store
