// Screenshots of every panel in both languages, for the README (docs/screenshots/) and for
// people to judge: the real MainWindow with the real engine on the tiny synthetic model and a
// seeded history database. Per language: chat_<lang>.png (a finished reply), history_<lang>.png
// (a search with highlighted hits), monitor_<lang>.png (the GPU monitor during a reply, on the
// fake NVML library when it is built, else its no-driver state), model_manager_<lang>.png and
// first_run_<lang>.png, written to $DEEPWELL_SCREENSHOT_DIR. Each image is checked not blank.
#include "chat_input.h"
#include "chat_panel.h"
#include "chat_session.h"
#include "chat_view.h"
#include "deepwell/thread_guard.h"
#include "first_run.h"
#include "history_panel.h"
#include "history_startup.h"
#include "language.h"
#include "main_window.h"
#include "model_manager.h"
#include "monitor_panel.h"
#include "monitor_table_model.h"
#include "ui_test_util.h"

#include "app/store/store_test_util.h"

#include <QDockWidget>
#include <QHash>
#include <QImage>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QTranslator>
#include <QtTest>

using namespace dw;
using dw::store::Role;

namespace {

// Why `image` looks blank ("" when it does not): null, outside the expected size, too few
// distinct colours, or too few pixels that differ from the most common (background) colour.
QString blankReason(const QImage& image, QSize min, QSize max) {
    if (image.isNull()) return QStringLiteral("null image");
    if (image.width() < min.width() || image.height() < min.height() ||
        image.width() > max.width() || image.height() > max.height())
        return QStringLiteral("size %1x%2 outside %3x%4..%5x%6")
            .arg(image.width())
            .arg(image.height())
            .arg(min.width())
            .arg(min.height())
            .arg(max.width())
            .arg(max.height());
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    QHash<QRgb, qint64> counts;
    for (int y = 0; y < rgb.height(); ++y) {
        const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
        for (int x = 0; x < rgb.width(); ++x) ++counts[line[x]];
    }
    qint64 background = 0;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        background = qMax(background, it.value());
    const qint64 total = qint64(rgb.width()) * rgb.height();
    const double differing = double(total - background) / double(total);
    if (counts.size() < 32) return QStringLiteral("only %1 distinct colours").arg(counts.size());
    if (differing < 0.03)
        return QStringLiteral("only %1 % of pixels differ from the background")
            .arg(differing * 100.0);
    return {};
}

// Grabs `w` to <dir>/<name> and says why it failed (can't save, or blank); "" when fine.
QString shoot(QWidget* w, const QString& name, QSize min = {400, 300}, QSize max = {3000, 2000}) {
    QTest::qWait(150); // posted layout requests (tables that just grew) are handled first
    const QImage image = w->grab().toImage();
    const QString reason = blankReason(image, min, max);
    if (!reason.isEmpty()) return name + QStringLiteral(": ") + reason;
    const QString path = dwtest::screenshotDir() + QLatin1Char('/') + name;
    qInfo("screenshot: %s", qPrintable(path));
    return image.save(path) ? QString() : QStringLiteral("cannot save ") + path;
}

// Removes the translators installed for an earlier row (a QTranslator uninstalls itself when
// deleted), then installs those of `code`.
bool switchLanguage(const QString& code) {
    qDeleteAll(
        QCoreApplication::instance()->findChildren<QTranslator*>(Qt::FindDirectChildrenOnly));
    return installTranslators(QCoreApplication::instance(), code);
}

void seed(store::HistoryStore& s) {
    const qint64 lens = s.createSession();
    s.appendMessage(lens, Role::User, "Explain the Fresnel lens in two sentences.");
    s.appendMessage(
        lens, Role::Assistant,
        "A Fresnel lens is a flat lens cut into concentric rings, each a slice of a "
        "thick curved lens. It lets a lighthouse throw a strong beam with far less glass.");
    const qint64 tea = s.createSession();
    s.appendMessage(tea, Role::User, "用三句话介绍一下灯塔的历史。");
    s.appendMessage(
        tea, Role::Assistant,
        "最早的 lighthouse 是亚历山大灯塔。后来人们用油灯和反光镜。今天的灯塔大多自动运行。");
    const qint64 house = s.createSession();
    s.appendMessage(house, Role::User, "How do lighthouses work?");
    s.appendMessage(house, Role::Assistant,
                    "A **lighthouse** focuses one lamp into a beam with a lens, and turns it so "
                    "ships see a flash pattern that names the lighthouse.");
}

} // namespace

class TestScreenshots : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        markForbiddenThread();
        resetForbiddenWorkReport();
    }

    // The check itself: a plain image, one with a few specks, or one of the wrong size is blank.
    void blankCheckRejectsBlankImages() {
        QImage plain(800, 600, QImage::Format_RGB32);
        plain.fill(Qt::white);
        QVERIFY(blankReason(plain, {400, 300}, {3000, 2000}).contains(QStringLiteral("colours")));
        for (int i = 0; i < 64; ++i)
            plain.setPixel(i, 0, qRgb(i, 2 * i, 3 * i)); // 64 colours, few pixels
        QVERIFY(blankReason(plain, {400, 300}, {3000, 2000}).contains(QStringLiteral("differ")));
        QVERIFY(blankReason(QImage(), {400, 300}, {3000, 2000}).contains(QStringLiteral("null")));
        QVERIFY(blankReason(plain.copy(0, 0, 200, 100), {400, 300}, {3000, 2000})
                    .contains(QStringLiteral("size")));
        QImage busy(800, 600, QImage::Format_RGB32);
        for (int y = 0; y < busy.height(); ++y)
            for (int x = 0; x < busy.width(); ++x)
                busy.setPixel(x, y, qRgb(x % 256, y % 256, (x + y) % 256));
        QCOMPARE(blankReason(busy, {400, 300}, {3000, 2000}), QString());
    }

    void panels_data() {
        QTest::addColumn<QString>("lang");
        QTest::addColumn<QString>("prompt");
        QTest::newRow("en") << QStringLiteral("en")
                            << QStringLiteral("Tell me about lighthouses, in **bold**.");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN")
                               << QStringLiteral("你好！请用**粗体**介绍灯塔。");
    }

    void panels() {
        QFETCH(QString, lang);
        QFETCH(QString, prompt);
        QVERIFY(switchLanguage(lang)); // before any widget of this row is built
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // The models folder holds a tiny stand-in under the catalogue's default model's name,
        // so the model manager and the first-run screen show it installed.
        const QString modelsDir = dir.filePath(QStringLiteral("models"));
        QVERIFY(QDir().mkpath(modelsDir));
        const QString model = QDir(modelsDir).filePath(QStringLiteral("gemma-3-270m-q4_k_m.gguf"));
        dwtest::writeTinyModelFile(model.toStdString(), 2048);

        dw::store::test::FakeClock clock;
        HistoryStartup history = openHistory(dir.filePath(QStringLiteral("history.sqlite3")),
                                             dw::store::test::optionsWith(clock));
        QVERIFY2(history.store, qPrintable(history.failure));
        seed(*history.store);

        QSettings settings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        EngineBridge bridge;
        MainWindow w(&bridge, &settings, &history);
        w.setModelsDir(modelsDir);
#ifdef FAKE_NVML_PATH
        MonitorOptions mo;
        mo.nvml.libraryPath = FAKE_NVML_PATH;
        mo.sampler.periodSeconds = 0.1;
        mo.sampler.efficiencyGpu = 0; // the fake's GPU 1 reports no power
        mo.refreshMs = 100;
        w.monitorPanel()->reconfigure(mo);
#endif
        w.resize(1280, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.openModel(model, dwtest::testEngineOptions());
        ChatPanel* chat = w.chatPanel();
        QTRY_VERIFY_WITH_TIMEOUT(chat->isShowingChat(), 60000);

        // The chat: one message and its finished reply.
        SessionSettings st = w.session()->settings();
        st.generate.maxTokens = 60;
        st.generate.ignoreEos = true; // a random model could end at once; the picture wants text
        w.session()->setSettings(st);
        chat->input()->setPlainText(prompt);
        QTest::keyClick(chat->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->count() == 2 && w.session()->at(1).finished, 60000);
        chat->view()->renderNow();
        QString failure = shoot(&w, QStringLiteral("chat_%1.png").arg(lang));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));

        // History: a search with its hits highlighted.
        w.showHistorySearch();
        QTest::keyClicks(w.historyPanel()->searchEdit(), QStringLiteral("lighthouse"));
        QTRY_VERIFY(w.historyPanel()->isShowingResults());
        failure = shoot(&w, QStringLiteral("history_%1.png").arg(lang));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));

        // The GPU monitor during a longer reply (the timeline already has the first one), in a
        // taller window so the requests table shows; the History panel back to its list.
        w.historyPanel()->searchEdit()->clear();
        w.resize(1280, 1040);
        QDockWidget* monitorDock = w.dock(PanelId::GpuMonitor);
        QVERIFY(monitorDock);
        monitorDock->show();
        monitorDock->raise();
        st.generate.maxTokens = 1 << 20;
        st.longContext = true; // an endless reply, stopped once the picture is taken
        w.session()->setSettings(st);
        chat->input()->setPlainText(prompt);
        QTest::keyClick(chat->input(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(w.monitorPanel()->requestModel()->rowCount() == 1, 60000);
        QTest::qWait(1500); // a second and a half of samples on the charts
        failure = shoot(&w, QStringLiteral("monitor_%1.png").arg(lang));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        chat->stopButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(w.session()->at(w.session()->count() - 1).finished, 30000);
        w.resize(1280, 800);
        QDockWidget* chatDock = w.dock(PanelId::Chat);
        QVERIFY(chatDock);
        chatDock->raise(); // the first-run screen shows in the chat's place

        // The model manager window, the installed default model selected.
        w.showModelManager();
        ModelManager* manager = w.modelManager();
        QVERIFY(QTest::qWaitForWindowExposed(manager));
        manager->resize(1100, 720);
        QTRY_VERIFY_WITH_TIMEOUT(!manager->isInspecting(), 30000);
        manager->selectPath(model);
        QTRY_VERIFY_WITH_TIMEOUT(!manager->isInspecting(), 30000);
        failure = shoot(manager, QStringLiteral("model_manager_%1.png").arg(lang));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        manager->hide();

        // The first-run screen (as shown when no model is open yet).
        w.showFirstRun();
        QVERIFY(w.isShowingFirstRun());
        QVERIFY(w.firstRun()->isVisible());
        failure = shoot(&w, QStringLiteral("first_run_%1.png").arg(lang));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void noEngineWorkRanOnTheGuiThread() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, qPrintable(QString::fromStdString(r.firstWhere)));
    }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
