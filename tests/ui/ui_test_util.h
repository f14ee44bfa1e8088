#pragma once
// Shared by the UI tests: a tiny synthetic model file, engine options sized for the test
// machine, and where screenshots go.
#include "chat_session.h"
#include "deepwell/engine.h"
#include "deepwell/generate.h"

#include <QCoreApplication>
#include <QDir>
#include <QString>
#include <QTemporaryDir>
#include <QWidget>

#include <optional>
#include <string>
#include <thread>

namespace dwtest {

void writeTinyModelFile(const std::string& path, int64_t nCtxTrain); // tiny_model.cpp

// The tiny Gemma 3 preset (4 layers, F32, a Gemma chat template) written into `dir`.
inline QString writeTinyModel(const QTemporaryDir& dir, int64_t nCtxTrain = 2048) {
    const QString path = dir.path() + QStringLiteral("/tiny-gemma3.gguf");
    writeTinyModelFile(path.toStdString(), nCtxTrain);
    return path;
}

inline dw::EngineOptions testEngineOptions() {
    dw::EngineOptions o;
    o.nThreads = 2;
    o.kvTokens = 4096;
    o.blockSize = 16;
    o.stepTokenBudget = 64;
    return o;
}

// Prompt tokens of a conversation, counted on a helper thread: the test's GUI thread is
// marked, and tokenizing there would count as engine work on the GUI thread.
inline qint64 promptTokens(const dw::Model& model, const std::vector<dw::ChatMessage>& messages) {
    qint64 n = 0;
    std::thread t([&] { n = qint64(dw::chatPromptTokens(model, messages, true).size()); });
    t.join();
    return n;
}

// Text that, as a lone user message, makes a prompt of at least `tokens` tokens.
inline std::string textOfAtLeast(const dw::Model& model, qint64 tokens) {
    std::string s;
    for (int i = 0;; ++i) {
        s += "item" + std::to_string(i) + ", ";
        if (i % 8 == 7 && promptTokens(model, {{"user", s, {}}}) >= tokens) return s;
    }
}

inline std::shared_ptr<const dw::Model> loadOffThread(const QString& path) {
    std::shared_ptr<const dw::Model> model;
    std::thread([&] { model = dw::Model::load(path.toStdString()); }).join();
    return model;
}

// $DEEPWELL_SCREENSHOT_DIR, else <build>/screenshots.
inline QString screenshotDir() {
    QString dir = qEnvironmentVariable("DEEPWELL_SCREENSHOT_DIR");
    if (dir.isEmpty()) dir = QStringLiteral(DW_BUILD_DIR "/screenshots");
    QDir().mkpath(dir);
    return dir;
}

// Replies of at most maxTokens tokens that do not stop at an end token (a random model could
// end at once; the tests want text); `endless` given: long-context mode on or off (on, a
// reply never meets the end of the context), else left as it is.
inline void setTestReplies(dw::ChatSession* session, int maxTokens,
                           std::optional<bool> endless = std::nullopt) {
    dw::SessionSettings s = session->settings();
    s.generate.maxTokens = maxTokens;
    s.generate.ignoreEos = true;
    if (endless) s.longContext = *endless;
    session->setSettings(s);
}

// Saves a grab of w as screenshotDir()/name once the pending events (layout requests, a bar
// that was just hidden) are handled, as a user would see it; logs the path.
inline bool saveScreenshot(QWidget* w, const QString& name) {
    QCoreApplication::processEvents();
    const QString path = screenshotDir() + QLatin1Char('/') + name;
    qInfo("screenshot: %s", qPrintable(path));
    return w->grab().save(path);
}

} // namespace dwtest
