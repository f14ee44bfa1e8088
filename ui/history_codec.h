#pragma once
// Conversions between the chat's values (ChatSession rows and settings) and the history
// store's (app/store). Pure functions, no I/O; GUI-independent.
//
// The sampling JSON kept with a session (store::SessionSettings::samplingJson):
//   {"preset":"balanced","temperature":0.8,"topK":40,"topP":0.95,"minP":0.05,
//    "repeatPenalty":1.0,"maxTokens":1024,"longContext":false}
// Unknown keys are ignored and missing ones take the defaults, so older and newer files load.
#include "chat_session.h"
#include "store/history_types.h"

#include <QString>

#include <string>

namespace dw {

QString toQString(const std::string& s);
std::string toStdString(const QString& s);

// The chat settings as the store keeps them (modelPath: the model the session runs with).
store::SessionSettings toStoreSettings(const SessionSettings& settings, const QString& modelPath);
// The chat settings of a stored session: `base` with every stored field replaced (fields the
// store does not keep, such as stop strings, stay as in `base`).
SessionSettings fromStoreSettings(const store::SessionSettings& stored, SessionSettings base);
QString samplingJson(const SessionSettings& settings);
// Applies the JSON onto `settings`; returns false (changing nothing) when it is not an object.
bool applySamplingJson(const QString& json, SessionSettings& settings);

// A finished reply: its state in the store and its statistics.
store::MessageState storeState(FinishReason reason);
store::MessageStats toStoreStats(FinishReason reason, const RequestTimings& timings);
// The timings shown under a reply, rebuilt from stored statistics (so the numbers shown
// after a restart equal the ones shown live).
RequestTimings fromStoreStats(const store::MessageStats& stats);

// A stored message as a chat row (an Interrupted reply gets ChatEntry::interrupted).
ChatEntry toChatEntry(const store::Message& message);

} // namespace dw
