#include "chat_format.h"

#include <QCoreApplication>
#include <QStringList>

namespace dw {

namespace {
QString tr(const char* s) { return QCoreApplication::translate("dw", s); }
} // namespace

QString finishStateText(const ChatEntry& e) {
    if (e.interrupted)
        return tr("Interrupted: Deepwell stopped before this reply was finished. The text "
                  "received until then is kept; regenerate it or continue the conversation.");
    if (!e.finished) return {};
    switch (e.finishReason) {
    case FinishReason::Stop: return {};
    case FinishReason::Length: return tr("Stopped at the length limit.");
    case FinishReason::Cancelled: return tr("Stopped by you.");
    case FinishReason::Error: return tr("Error: %1").arg(e.error);
    }
    return {};
}

QString replyStatsText(const RequestTimings& t) {
    QStringList parts;
    if (t.generatedTokens > 0) {
        parts << tr("first token after %1 s").arg(t.firstTokenSeconds, 0, 'f', 2);
        // The decode rate: tokens after the first over the time after the first.
        const double decode = t.totalSeconds - t.firstTokenSeconds;
        if (t.generatedTokens > 1 && decode > 0)
            parts << tr("%1 tokens/s").arg(double(t.generatedTokens - 1) / decode, 0, 'f', 1);
    }
    if (t.promptTokens > 0 || t.generatedTokens > 0) {
        const QString prompt =
            t.cachedPromptTokens > 0
                ? tr("%1 prompt tokens (%2 cached)").arg(t.promptTokens).arg(t.cachedPromptTokens)
                : tr("%1 prompt tokens").arg(t.promptTokens);
        parts << tr("%1 + %2 generated").arg(prompt).arg(t.generatedTokens);
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace dw
