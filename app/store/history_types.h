#pragma once
// Plain values the history store reads and writes. Strings are UTF-8; ids are SQLite rowids;
// times are Unix milliseconds (UTC).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dw::store {

// Stored as the lower-case names below (never renumbered: the database holds the text).
enum class Role { User, Assistant, System };
enum class MessageState {
    Complete,    // finished normally (or a user/system message)
    Streaming,   // a reply being generated right now
    Interrupted, // was streaming when the app died; content is what reached the disk
    Error,       // generation failed; content is what was produced before the failure
    Cancelled,   // the user pressed stop; content is what was produced
};

const char* roleName(Role role); // "user", "assistant", "system"
std::optional<Role> roleFromName(std::string_view name);
const char* messageStateName(MessageState state); // "complete", "streaming", ...
std::optional<MessageState> messageStateFromName(std::string_view name);

// What a chat is run with. samplingJson is opaque to the store (the UI owns its format).
struct SessionSettings {
    std::string systemPrompt;
    std::string samplingJson;
    std::string modelPath;
    bool operator==(const SessionSettings&) const = default;
};

struct Session {
    int64_t id = 0;
    std::string title;          // "" until the first user message (the UI shows a placeholder)
    bool titleIsCustom = false; // renamed by the user: messages no longer change the title
    int64_t createdAt = 0;
    int64_t updatedAt = 0; // last message activity; lists are ordered by it, newest first
    SessionSettings settings;
    std::optional<int64_t> deletedAt; // set while soft-deleted (undo possible until purged)
};

// Generation statistics of an assistant reply; absent values are stored as NULL.
struct MessageStats {
    std::optional<int64_t> promptTokens;
    std::optional<int64_t> generatedTokens;
    std::optional<double> ttftMs;
    std::optional<double> tokensPerS;
    std::string finishReason; // e.g. "stop", "length", "cancelled"; "" when unknown
    bool operator==(const MessageStats&) const = default;
};

struct Message {
    int64_t id = 0;
    int64_t sessionId = 0;
    int ordinal = 0; // 0, 1, 2, ... within its session
    Role role = Role::User;
    std::string content;
    MessageState state = MessageState::Complete;
    int64_t createdAt = 0;
    int64_t updatedAt = 0;
    MessageStats stats;
};

struct SearchOptions {
    int limit = 50;
    // Wrapped around every matched term in SearchHit::snippet (e.g. "<b>" / "</b>").
    std::string highlightOpen = "[";
    std::string highlightClose = "]";
};

struct SearchHit {
    int64_t sessionId = 0;
    int64_t messageId = 0;
    std::string sessionTitle;
    Role role = Role::User;
    // One line (line breaks shown as spaces) of about 80 characters around the first match,
    // matches wrapped in the highlight markers, "…" where text was left out.
    std::string snippet;
};

struct OpenOptions {
    // Unix ms now; defaults to the system clock. Tests pass a fake one.
    std::function<int64_t()> clock;
    int busyTimeoutMs = 5000;
    // PRAGMA max_page_count: caps the database size (tests use it to simulate a full disk).
    std::optional<int64_t> maxPageCount;
};

// What open() did, for the UI to tell the user (message is a complete English sentence).
struct OpenReport {
    enum class Outcome {
        Opened,                  // an existing history was opened
        Created,                 // no history existed (or the file was empty): a fresh one
        RecoveredFromCorruption, // the old file was damaged: moved aside, a fresh one created
    };
    Outcome outcome = Outcome::Opened;
    int fromVersion = 0;         // schema version found (0 for a new file)
    int toVersion = 0;           // schema version now
    int interruptedMessages = 0; // replies left streaming by a crash, now Interrupted
    std::string movedTo;         // where the damaged file now is (RecoveredFromCorruption only)
    std::string problem;         // what was wrong with it (RecoveredFromCorruption only)
    std::string message;         // "" for a plain open
};

} // namespace dw::store
