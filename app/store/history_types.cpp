#include "store/history_types.h"

namespace dw::store {

const char* roleName(Role role) {
    switch (role) {
    case Role::User:
        return "user";
    case Role::Assistant:
        return "assistant";
    case Role::System:
        return "system";
    }
    return "user";
}

std::optional<Role> roleFromName(std::string_view name) {
    for (Role r : {Role::User, Role::Assistant, Role::System})
        if (name == roleName(r)) return r;
    return std::nullopt;
}

const char* messageStateName(MessageState state) {
    switch (state) {
    case MessageState::Complete:
        return "complete";
    case MessageState::Streaming:
        return "streaming";
    case MessageState::Interrupted:
        return "interrupted";
    case MessageState::Error:
        return "error";
    case MessageState::Cancelled:
        return "cancelled";
    }
    return "complete";
}

std::optional<MessageState> messageStateFromName(std::string_view name) {
    for (MessageState s : {MessageState::Complete, MessageState::Streaming,
                           MessageState::Interrupted, MessageState::Error, MessageState::Cancelled})
        if (name == messageStateName(s)) return s;
    return std::nullopt;
}

} // namespace dw::store
