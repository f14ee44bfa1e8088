#pragma once
// Short, translated texts about a reply, shared by the transcript and the status line.
#include "chat_session.h"

#include <QString>

namespace dw {

// "Stopped by you." / "Stopped at the length limit." / "Error: …" / "Interrupted: …" (a reply
// cut off when the app stopped, from the history); "" for a normal stop.
QString finishStateText(const ChatEntry& entry);
// "first token after 0.21 s · 35.2 tokens/s · 40 prompt tokens + 80 generated"; "" when empty.
QString replyStatsText(const RequestTimings& timings);

} // namespace dw
