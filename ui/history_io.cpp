#include "history_io.h"

#include "history_codec.h"
#include "store/history_store.h"

#include <QCoreApplication>
#include <QFile>
#include <QSaveFile>

namespace dw {

namespace {

QString tr(const char* s) {
    return QCoreApplication::translate("dw", s);
}

// Import files beyond this are refused before reading (a history export is text: even
// thousands of long conversations stay far below it).
constexpr qint64 kMaxImportBytes = 256ll << 20;

} // namespace

QString exportSessionFile(const store::HistoryStore& store, qint64 id, const QString& path,
                          ExportFormat format) {
    std::string text;
    try {
        text = format == ExportFormat::Markdown ? store.exportMarkdown(id) : store.exportJson({id});
    } catch (const std::exception& e) {
        return tr("The conversation could not be exported: %1").arg(QString::fromUtf8(e.what()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit())
        return tr("Could not write %1: %2").arg(path, file.errorString());
    return {};
}

ImportResult importSessionsFile(store::HistoryStore& store, const QString& path) {
    ImportResult r;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        r.error = tr("Could not read %1: %2").arg(path, file.errorString());
        return r;
    }
    if (file.size() > kMaxImportBytes) {
        r.error = tr("%1 is %2 MB; an exported history is at most %3 MB.")
                      .arg(path)
                      .arg(file.size() >> 20)
                      .arg(kMaxImportBytes >> 20);
        return r;
    }
    const QByteArray bytes = file.readAll();
    try {
        for (int64_t id :
             store.importJson(std::string_view(bytes.constData(), size_t(bytes.size()))))
            r.sessionIds.push_back(id);
    } catch (const std::exception& e) {
        r.error = tr("%1 was not imported (nothing was added): %2")
                      .arg(path, QString::fromUtf8(e.what()));
    }
    return r;
}

QString exportFileName(const QString& title, ExportFormat format) {
    QString name = title.simplified();
    static const QString bad = QStringLiteral("/\\:*?\"<>|");
    for (QChar& c : name)
        if (bad.contains(c) || c.unicode() < 0x20) c = QLatin1Char('_');
    name = name.left(80).trimmed();
    if (name.isEmpty() || name.startsWith(QLatin1Char('.'))) name.prepend(tr("conversation"));
    return name +
           (format == ExportFormat::Markdown ? QStringLiteral(".md") : QStringLiteral(".json"));
}

} // namespace dw
