#include "recent_models.h"

#include <QFileInfo>
#include <QSettings>

namespace dw {

namespace {
const char* kKey = "models/recent";

QString absolute(const QString& path) {
    return QFileInfo(path).absoluteFilePath();
}
} // namespace

RecentModels::RecentModels(QSettings* settings, QObject* parent)
    : QObject(parent), m_settings(settings) {
    // Whatever the file holds: strings only, absolute, no duplicates, at most kMaxEntries.
    for (const QString& p : m_settings->value(QLatin1String(kKey)).toStringList()) {
        if (p.isEmpty()) continue;
        const QString a = absolute(p);
        if (!m_paths.contains(a) && m_paths.size() < kMaxEntries) m_paths << a;
    }
}

void RecentModels::add(const QString& path) {
    const QString a = absolute(path);
    m_paths.removeAll(a);
    m_paths.prepend(a);
    while (m_paths.size() > kMaxEntries) m_paths.removeLast();
    store();
}

bool RecentModels::remove(const QString& path) {
    if (m_paths.removeAll(absolute(path)) == 0) return false;
    store();
    return true;
}

int RecentModels::pruneMissing() {
    const qsizetype before = m_paths.size();
    m_paths.removeIf([](const QString& p) { return !QFileInfo(p).isFile(); });
    const int removed = int(before - m_paths.size());
    if (removed > 0) store();
    return removed;
}

void RecentModels::clear() {
    if (m_paths.isEmpty()) return;
    m_paths.clear();
    store();
}

void RecentModels::store() {
    m_settings->setValue(QLatin1String(kKey), m_paths);
    emit changed();
}

} // namespace dw
