#include "language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

namespace dw {

QStringList availableLanguages() {
    return {QStringLiteral("en"), QStringLiteral("zh_CN")};
}

QString resolveLanguage(const QString& setting) {
    if (availableLanguages().contains(setting)) return setting;
    return QLocale::system().language() == QLocale::Chinese ? QStringLiteral("zh_CN")
                                                             : QStringLiteral("en");
}

QString languageSetting(const QSettings& settings) {
    return settings.value(QLatin1String(kLanguageKey), QStringLiteral("system")).toString();
}

bool installTranslators(QCoreApplication* app, const QString& code) {
    // Qt's own texts (standard dialogs, context menus); absent on some systems, which is fine.
    auto* qt = new QTranslator(app);
    if (qt->load(QStringLiteral("qtbase_") + code,
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    else
        delete qt;
    auto* own = new QTranslator(app);
    if (!own->load(QStringLiteral(":/i18n/deepwell_") + code)) {
        delete own;
        return false;
    }
    QCoreApplication::installTranslator(own);
    return true;
}

} // namespace dw
