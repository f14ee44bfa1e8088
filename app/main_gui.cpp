// deepwell: the desktop program. Builds the parts (settings, engine bridge, main window) and
// passes them in; opens the model given by --model or the default one.
#include "deepwell/engine.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Deepwell"));
    QCoreApplication::setApplicationName(QStringLiteral("deepwell"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DW_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Deepwell"));
    QGuiApplication::setDesktopFileName(QStringLiteral("deepwell"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Local LLM workstation"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(
        QStringLiteral("model"), QCoreApplication::translate("main", "The GGUF model to open."),
        QCoreApplication::translate("main", "PATH"));
    parser.addOption(modelOption);
    parser.process(app);

    // No engine work may ever run on this thread (loading, tokenizing, forward passes).
    dw::markForbiddenThread();

    QSettings settings;
    dw::EngineBridge bridge;
    dw::MainWindow window(&bridge, &settings);
    window.show();

    const QString path = parser.isSet(modelOption)
                             ? parser.value(modelOption)
                             : QDir::homePath() + QStringLiteral("/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf");
    dw::EngineOptions options;
    options.kvTokens = 8192; // ~300 MB of f32 KV cache for Gemma 3 270M
    if (QFileInfo(path).isFile()) window.openModel(path, options);
    else window.showMissingModel(path);
    return app.exec();
}
