#include "history_startup.h"

#include "history_codec.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStandardPaths>

namespace dw {

namespace {

// lupdate files tr() calls outside a class under the enclosing namespace, "dw".
QString tr(const char* s, const char* disambiguation = nullptr, int n = -1) {
    return QCoreApplication::translate("dw", s, disambiguation, n);
}

// The report in the user's language; the store's own sentence for anything else it says.
QString describe(const store::OpenReport& r) {
    QStringList parts;
    if (r.outcome == store::OpenReport::Outcome::RecoveredFromCorruption)
        parts << tr("The chat history was damaged (%1). The damaged file was kept as %2 — nothing "
                    "was deleted — and a new, empty history was started.")
                     .arg(toQString(r.problem), toQString(r.movedTo));
    if (r.interruptedMessages > 0)
        parts << tr("%n reply(s) were cut off when Deepwell last stopped; the text received "
                    "until then is kept and marked as interrupted.",
                    nullptr, r.interruptedMessages);
    if (parts.isEmpty() && r.outcome == store::OpenReport::Outcome::Opened)
        return toQString(r.message); // e.g. a file system without write-ahead logging
    return parts.join(QLatin1Char(' '));
}

} // namespace

QString defaultHistoryPath() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/history.sqlite3");
}

HistoryStartup openHistory(const QString& path, store::OpenOptions options) {
    HistoryStartup out;
    out.path = path;
    const auto clock = options.clock;
    try {
        out.store = store::HistoryStore::open(toStdString(path), std::move(options));
    } catch (const std::exception& e) {
        out.failure = tr("History is not being saved: %1 Conversations in this window are lost "
                         "when Deepwell closes.")
                          .arg(QString::fromUtf8(e.what()));
        return out;
    }
    const store::OpenReport& r = out.store->openReport();
    out.notice = describe(r);
    out.noticeIsWarning = r.outcome == store::OpenReport::Outcome::RecoveredFromCorruption;
    const qint64 now = clock ? clock() : QDateTime::currentMSecsSinceEpoch();
    try {
        out.purged = out.store->purgeDeleted(now - qint64(kKeepDeletedDays) * 24 * 3600 * 1000);
    } catch (const std::exception&) {
        // Not purging only keeps deleted sessions longer; the next start tries again.
    }
    return out;
}

} // namespace dw
