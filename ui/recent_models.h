#pragma once
// The models the user opened, most recent first, remembered in QSettings (key
// "models/recent", a list of absolute paths). Files that have gone missing stay listed (the
// model manager marks them) until pruned or removed. GUI thread.
#include <QObject>
#include <QStringList>

class QSettings;

namespace dw {

class RecentModels : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxEntries = 12;
    // settings is not owned and must outlive this object.
    explicit RecentModels(QSettings* settings, QObject* parent = nullptr);

    QStringList paths() const { return m_paths; }
    // Moves `path` (made absolute) to the front; the oldest beyond kMaxEntries drop off.
    void add(const QString& path);
    bool remove(const QString& path); // false when it was not listed
    int pruneMissing();               // removes the entries whose file is gone; returns how many
    void clear();

signals:
    void changed();

private:
    void store();

    QSettings* m_settings;
    QStringList m_paths;
};

} // namespace dw
