// The program's language: English or Simplified Chinese, chosen in View › Language (kept in
// the settings under "ui/language": "system", "en" or "zh_CN") or by --language. The
// translations are compiled into the program as :/i18n/deepwell_<code>.qm.
#pragma once

#include <QString>
#include <QStringList>

class QCoreApplication;
class QSettings;
class QTranslator;

namespace dw {

inline constexpr char kLanguageKey[] = "ui/language";

// The language codes the program ships: "en", "zh_CN".
QStringList availableLanguages();

// "en" or "zh_CN" for a setting value: "system" (or empty/unknown) follows the system locale,
// Chinese → "zh_CN", anything else → "en".
QString resolveLanguage(const QString& setting);

// The settings' choice ("system" when unset).
QString languageSetting(const QSettings& settings);

// Loads Deepwell's translator for `code` (and Qt's own qtbase one when the system has it) and
// installs them on the application. The translators are children of `app`. Returns false when
// Deepwell's .qm for `code` cannot be loaded (English needs none of its texts, only plurals).
bool installTranslators(QCoreApplication* app, const QString& code);

} // namespace dw
