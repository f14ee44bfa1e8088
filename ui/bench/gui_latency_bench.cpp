// deepwell_gui_bench: how responsive the GUI stays while the engine works. The real main
// window loads a model and generates a reply while a 2 ms timer ticks on the GUI thread; the
// program reports the largest gap between consecutive ticks (and the 99th percentile) during
// the load and during the generation, and how many updates carried the streamed text.
// A benchmark program, not a test: its figures go to docs/PERFORMANCE.md.
//
//   deepwell_gui_bench [--model PATH] [--tokens N] [--threads T]
//   (default: the default model in ~/.cache/deepwell/models, 256 tokens, all threads)
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "main_window.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace dw;

namespace {

// Gaps between the ticks of a 2 ms timer, in milliseconds, for as long as it is recording.
class TickRecorder {
public:
    TickRecorder() {
        m_timer.setInterval(2);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (m_last >= 0) m_gaps.push_back(double(now - m_last) / 1e6);
            m_last = now;
        });
    }
    void start() {
        m_gaps.clear();
        m_last = -1;
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    void report(const char* phase) const {
        std::vector<double> g = m_gaps;
        std::sort(g.begin(), g.end());
        if (g.empty()) {
            std::printf("%-12s no ticks\n", phase);
            return;
        }
        const double p99 = g[std::min(g.size() - 1, size_t(double(g.size()) * 0.99))];
        std::printf("%-12s %6zu ticks over %7.2f s: largest gap %7.2f ms, p99 %6.2f ms, median %5.2f ms\n",
                    phase, g.size(), double(m_clock.nsecsElapsed()) / 1e9, g.back(), p99, g[g.size() / 2]);
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    std::vector<double> m_gaps;
};

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QString model = QDir::homePath() + QStringLiteral("/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf");
    int tokens = 256, threads = 0;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--model")) model = args[i + 1];
        else if (args[i] == QLatin1String("--tokens")) tokens = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--threads")) threads = args[i + 1].toInt();
        else {
            std::fprintf(stderr, "usage: deepwell_gui_bench [--model PATH] [--tokens N] [--threads T]\n");
            return 2;
        }
    }
    markForbiddenThread();
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    EngineBridge bridge;
    MainWindow window(&bridge, &settings);
    window.show();
    ChatPanel* panel = window.chatPanel();
    ChatSession* session = window.session();

    TickRecorder ticks;
    EngineOptions options;
    options.nThreads = threads;
    options.kvTokens = std::max(4096, tokens + 512);
    ticks.start();
    window.openModel(model, options);
    if (!waitFor([&] { return panel->isShowingChat(); }, 300000)) {
        std::fprintf(stderr, "deepwell_gui_bench: %s did not load\n", qPrintable(model));
        return 1;
    }
    ticks.stop();
    std::printf("model        %s\n", qPrintable(model));
    ticks.report("loading");

    SessionSettings s = session->settings();
    s.generate.maxTokens = tokens;
    s.generate.ignoreEos = true;
    s.generate.stop.clear(); // the transcript format's "\nUser:" would end a base model's reply
    session->setSettings(s);
    int updates = 0;
    QObject::connect(&bridge, &EngineBridge::textArrived, [&] { ++updates; });
    ticks.start();
    panel->input()->setPlainText(QStringLiteral("Write a long story about a lighthouse keeper."));
    QTest::keyClick(panel->input(), Qt::Key_Return);
    const bool finished = waitFor(
        [&] { return session->count() >= 2 && !session->at(session->count() - 1).streaming; }, 600000);
    ticks.stop();
    if (!finished) {
        std::fprintf(stderr, "deepwell_gui_bench: the reply did not finish\n");
        return 1;
    }
    ticks.report("generating");
    const ChatEntry& reply = session->at(session->count() - 1);
    std::printf("reply        %lld tokens generated in %.2f s (%.1f tokens/s), %d text updates\n",
                (long long)reply.timings.generatedTokens, reply.timings.totalSeconds,
                reply.timings.totalSeconds > 0 ? double(reply.timings.generatedTokens) / reply.timings.totalSeconds : 0.0,
                updates);
    std::printf("engine work on the GUI thread: %lld calls\n", (long long)engineWorkOnForbiddenThread());
    return 0;
}
