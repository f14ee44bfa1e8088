// deepwell: the desktop program. Builds the parts (settings, chat history, engine bridge, main
// window) and passes them in; opens the model given by --model or the default one.
//
// Automation (tests, scripted demos): --send TEXT sends TEXT as the first message once the
// model is loaded; --max-tokens, --ignore-eos and --long-context shape that reply. With
// --send, a line "deepwell: reply text saved <message id> <characters>" goes to standard
// output each time the streamed reply's text reaches the history database.
#include "deepwell/engine.h"
#include "deepwell/thread_guard.h"
#include "chat_controller.h"
#include "chat_session.h"
#include "engine_bridge.h"
#include "history_controller.h"
#include "history_startup.h"
#include "language.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>

#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Deepwell"));
    QCoreApplication::setApplicationName(QStringLiteral("deepwell"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DW_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Deepwell"));
    QGuiApplication::setDesktopFileName(QStringLiteral("deepwell"));

    // The language comes first so that --help is translated too: --language en|zh_CN (read
    // before the parser, which uses it), else the setting View › Language saved.
    QString language = dw::resolveLanguage(dw::languageSetting(QSettings()));
    const QStringList rawArgs = app.arguments();
    for (qsizetype i = 1; i < rawArgs.size(); ++i) {
        if (rawArgs[i] == QLatin1String("--language") && i + 1 < rawArgs.size())
            language = rawArgs[i + 1];
        else if (rawArgs[i].startsWith(QLatin1String("--language=")))
            language = rawArgs[i].mid(11);
    }
    if (!dw::availableLanguages().contains(language)) {
        std::fprintf(stderr, "deepwell: --language takes one of %s, not '%s'\n",
                     qPrintable(dw::availableLanguages().join(QLatin1String(", "))),
                     qPrintable(language));
        return 2;
    }
    dw::installTranslators(&app, language);

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Local LLM workstation"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(
        QStringLiteral("model"), QCoreApplication::translate("main", "The GGUF model to open."),
        QCoreApplication::translate("main", "PATH"));
    parser.addOption(modelOption);
    const QCommandLineOption sendOption(
        QStringLiteral("send"),
        QCoreApplication::translate("main",
                                    "Send TEXT as a message once the model is loaded (automation)."),
        QCoreApplication::translate("main", "TEXT"));
    const QCommandLineOption maxTokensOption(
        QStringLiteral("max-tokens"),
        QCoreApplication::translate("main", "Limit replies to N tokens."),
        QCoreApplication::translate("main", "N"));
    const QCommandLineOption ignoreEosOption(
        QStringLiteral("ignore-eos"),
        QCoreApplication::translate("main", "Keep generating past end-of-reply tokens (testing)."));
    const QCommandLineOption longContextOption(
        QStringLiteral("long-context"),
        QCoreApplication::translate(
            "main", "Start in long-context mode (a sliding window instead of a context limit)."));
    const QCommandLineOption historyOption(
        QStringLiteral("history"),
        QCoreApplication::translate(
            "main", "Keep the chat history in FILE instead of the user's data folder."),
        QCoreApplication::translate("main", "FILE"));
    const QCommandLineOption languageOption(
        QStringLiteral("language"),
        QCoreApplication::translate("main", "Show the program in LANG (en or zh_CN) this time."),
        QCoreApplication::translate("main", "LANG"));
    parser.addOptions(
        {languageOption, sendOption, maxTokensOption, ignoreEosOption, longContextOption, historyOption});
    parser.process(app);
    bool maxTokensOk = true;
    const int maxTokens =
        parser.isSet(maxTokensOption) ? parser.value(maxTokensOption).toInt(&maxTokensOk) : 0;
    if (parser.isSet(maxTokensOption) && (!maxTokensOk || maxTokens < 1)) {
        std::fprintf(stderr, "deepwell: --max-tokens takes a whole number >= 1, not '%s'\n",
                     qPrintable(parser.value(maxTokensOption)));
        return 2;
    }

    // No engine work may ever run on this thread (loading, tokenizing, forward passes).
    dw::markForbiddenThread();

    QSettings settings;
    // Declared before the window, which uses it until it is gone.
    dw::HistoryStartup history = dw::openHistory(
        parser.isSet(historyOption) ? parser.value(historyOption) : dw::defaultHistoryPath());
    dw::EngineBridge bridge;
    dw::MainWindow window(&bridge, &settings, &history);
    window.show();

    dw::SessionSettings chat = window.session()->settings();
    if (maxTokens > 0) chat.generate.maxTokens = maxTokens;
    if (parser.isSet(ignoreEosOption)) chat.generate.ignoreEos = true;
    if (parser.isSet(longContextOption)) chat.longContext = true;
    window.session()->setSettings(chat);
    if (parser.isSet(sendOption)) {
        const QString text = parser.value(sendOption);
        QObject::connect(&bridge, &dw::EngineBridge::modelLoaded, &window,
                         [&window, text] { window.controller()->send(text); },
                         Qt::SingleShotConnection);
        QObject::connect(window.history(), &dw::HistoryController::replyTextSaved, &window,
                         [](qint64 id, int characters) {
                             std::printf("deepwell: reply text saved %lld %d\n",
                                         static_cast<long long>(id), characters);
                             std::fflush(stdout);
                         });
    }

    dw::EngineOptions options;
    options.kvTokens = 8192; // ~300 MB of f32 KV cache for Gemma 3 270M
    window.setEngineOptions(options);
    // --model PATH, else the catalogue's default model when it is installed; without either
    // the window shows its first-run screen (what Deepwell is, how to get the default model).
    const QString path = parser.isSet(modelOption) ? parser.value(modelOption) : window.defaultModelPath();
    if (QFileInfo(path).isFile()) window.openModel(path, options);
    else if (parser.isSet(modelOption)) window.showMissingModel(path);
    return app.exec();
}
