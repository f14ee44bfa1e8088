#include "history_codec.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace dw {

QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

std::string toStdString(const QString& s) {
    return s.toUtf8().toStdString();
}

QString samplingJson(const SessionSettings& s) {
    const SamplingParams& p = s.generate.sampling;
    QJsonObject o;
    o[QStringLiteral("preset")] = presetKey(s.preset);
    o[QStringLiteral("temperature")] = double(p.temperature);
    o[QStringLiteral("topK")] = p.topK;
    o[QStringLiteral("topP")] = double(p.topP);
    o[QStringLiteral("minP")] = double(p.minP);
    o[QStringLiteral("repeatPenalty")] = double(p.repeatPenalty);
    o[QStringLiteral("maxTokens")] = s.generate.maxTokens;
    o[QStringLiteral("longContext")] = s.longContext;
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

bool applySamplingJson(const QString& json, SessionSettings& s) {
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject()) return false;
    const QJsonObject o = doc.object();
    SamplingParams& p = s.generate.sampling;
    auto real = [&](const char* key, float& out) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isDouble()) out = float(v.toDouble());
    };
    auto integer = [&](const char* key, int& out) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isDouble()) out = v.toInt(out);
    };
    real("temperature", p.temperature);
    integer("topK", p.topK);
    real("topP", p.topP);
    real("minP", p.minP);
    real("repeatPenalty", p.repeatPenalty);
    integer("maxTokens", s.generate.maxTokens);
    if (o.value(QLatin1String("longContext")).isBool())
        s.longContext = o.value(QLatin1String("longContext")).toBool();
    SamplingPreset preset;
    // A named preset whose numbers were changed elsewhere is Custom: the numbers win.
    if (presetFromKey(o.value(QLatin1String("preset")).toString(), preset) &&
        (preset == SamplingPreset::Custom || matchPreset(p) == preset))
        s.preset = preset;
    else
        s.preset = matchPreset(p);
    return true;
}

store::SessionSettings toStoreSettings(const SessionSettings& s, const QString& modelPath) {
    store::SessionSettings out;
    out.systemPrompt = toStdString(s.systemPrompt);
    out.samplingJson = toStdString(samplingJson(s));
    out.modelPath = toStdString(modelPath);
    return out;
}

SessionSettings fromStoreSettings(const store::SessionSettings& stored, SessionSettings base) {
    // The stored fields start from a new session's values, so a field missing from the JSON
    // does not inherit the previous conversation's choice.
    const SessionSettings fresh = ChatSession().settings();
    base.systemPrompt = toQString(stored.systemPrompt);
    base.preset = fresh.preset;
    base.generate.sampling = fresh.generate.sampling;
    base.generate.maxTokens = fresh.generate.maxTokens;
    base.longContext = false;
    if (!stored.samplingJson.empty()) applySamplingJson(toQString(stored.samplingJson), base);
    return base;
}

store::MessageState storeState(FinishReason reason) {
    switch (reason) {
    case FinishReason::Stop:
    case FinishReason::Length:
        return store::MessageState::Complete;
    case FinishReason::Cancelled:
        return store::MessageState::Cancelled;
    case FinishReason::Error:
        return store::MessageState::Error;
    }
    return store::MessageState::Error;
}

store::MessageStats toStoreStats(FinishReason reason, const RequestTimings& t) {
    store::MessageStats s;
    s.finishReason = finishReasonName(reason);
    if (t.promptTokens > 0 || t.generatedTokens > 0) {
        s.promptTokens = t.promptTokens;
        s.generatedTokens = t.generatedTokens;
    }
    if (t.generatedTokens > 0) s.ttftMs = t.firstTokenSeconds * 1000.0;
    // The decode rate as the chat shows it: tokens after the first over the time after it.
    const double decode = t.totalSeconds - t.firstTokenSeconds;
    if (t.generatedTokens > 1 && decode > 0) s.tokensPerS = double(t.generatedTokens - 1) / decode;
    return s;
}

RequestTimings fromStoreStats(const store::MessageStats& s) {
    RequestTimings t;
    t.promptTokens = s.promptTokens.value_or(0);
    t.generatedTokens = s.generatedTokens.value_or(0);
    t.firstTokenSeconds = s.ttftMs.value_or(0.0) / 1000.0;
    t.totalSeconds = t.firstTokenSeconds;
    if (s.tokensPerS && *s.tokensPerS > 0 && t.generatedTokens > 1)
        t.totalSeconds += double(t.generatedTokens - 1) / *s.tokensPerS;
    return t;
}

ChatEntry toChatEntry(const store::Message& m) {
    ChatEntry e;
    e.role = m.role == store::Role::Assistant ? ChatRole::Assistant : ChatRole::User;
    e.text = toQString(m.content);
    if (m.role != store::Role::Assistant) return e;
    e.finished = true;
    e.timings = fromStoreStats(m.stats);
    switch (m.state) {
    case store::MessageState::Complete:
        e.finishReason =
            m.stats.finishReason == "length" ? FinishReason::Length : FinishReason::Stop;
        break;
    case store::MessageState::Cancelled:
        e.finishReason = FinishReason::Cancelled;
        break;
    case store::MessageState::Error:
        e.finishReason = FinishReason::Error;
        // The history keeps the state, not the engine's message.
        e.error = QCoreApplication::translate("dw::HistoryCodec",
                                              "the reply failed (details were not saved)");
        break;
    case store::MessageState::Streaming: // only while another process writes it
    case store::MessageState::Interrupted:
        e.finishReason = FinishReason::Cancelled;
        e.interrupted = true;
        break;
    }
    return e;
}

} // namespace dw
