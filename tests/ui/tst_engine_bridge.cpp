// EngineBridge on a tiny synthetic model: loading (progress, failure, cancel) and prompt
// preparation run off the GUI thread, text arrives coalesced, stop works before and after the
// request reaches the engine, and the context-overflow check, trimming and long-context mode.
#include "deepwell/chat_template.h"
#include "deepwell/generate.h"
#include "deepwell/model.h"
#include "deepwell/thread_guard.h"
#include "engine_bridge.h"
#include "ui_test_util.h"

#include <QSignalSpy>
#include <QtTest>

using namespace dw;

namespace {

struct Reply {
    QString text;
    int textSignals = 0;
    bool finished = false;
    GenerationResult result;
    qint64 measured = -1;
    int trimmed = -1;
    bool overflowed = false;
    ContextOverflow overflow;
};

// Records everything the bridge says about one ticket.
void track(EngineBridge& b, const quint64& ticket, Reply& r) {
    QObject::connect(&b, &EngineBridge::textArrived, &b, [&](quint64 t, const QString& s) {
        if (t != ticket) return;
        r.text += s;
        ++r.textSignals;
    });
    QObject::connect(&b, &EngineBridge::finished, &b, [&](quint64 t, const GenerationResult& g) {
        if (t != ticket) return;
        QVERIFY(!r.finished);
        r.finished = true;
        r.result = g;
    });
    QObject::connect(&b, &EngineBridge::promptMeasured, &b, [&](quint64 t, qint64 n, qint64) {
        if (t == ticket) r.measured = n;
    });
    QObject::connect(&b, &EngineBridge::promptTrimmed, &b, [&](quint64 t, int n) {
        if (t == ticket) r.trimmed = n;
    });
    QObject::connect(&b, &EngineBridge::contextOverflow, &b, [&](quint64 t, const ContextOverflow& o) {
        if (t != ticket) return;
        r.overflowed = true;
        r.overflow = o;
    });
}

GenerationRequest chat(const std::vector<std::pair<std::string, std::string>>& turns, int maxTokens) {
    GenerationRequest r;
    for (const auto& [role, text] : turns) r.messages.push_back({role, text, {}});
    r.generate.maxTokens = maxTokens;
    r.generate.ignoreEos = true; // a random model may end at once; the tests want text
    return r;
}

bool load(EngineBridge& b, const QString& path, const EngineOptions& o) {
    QSignalSpy loaded(&b, &EngineBridge::modelLoaded);
    b.loadModel(path, o);
    return loaded.wait(60000) || loaded.count() == 1;
}

} // namespace

class TestEngineBridge : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_path;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_path = dwtest::writeTinyModel(m_dir);
        markForbiddenThread(); // this test's GUI thread
        resetForbiddenWorkReport();
    }

    void cleanup() {
        const ForbiddenWorkReport r = forbiddenWorkReport();
        QVERIFY2(r.count == 0, qPrintable(QString::fromStdString(r.firstWhere)));
    }

    void loadAndGenerate() {
        EngineBridge b;
        QSignalSpy progress(&b, &EngineBridge::loadProgress);
        QVERIFY(load(b, m_path, dwtest::testEngineOptions()));
        QVERIFY(b.isLoaded() && !b.isLoading());
        QCOMPARE(b.modelInfo().arch, QStringLiteral("gemma3"));
        QCOMPARE(b.modelInfo().contextLimit, qint64(2048));
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toDouble(), 1.0);

        quint64 ticket = 0;
        Reply r;
        track(b, ticket, r);
        ticket = b.generate(chat({{"user", "Hello there"}}, 48));
        QVERIFY(ticket != 0);
        QTRY_VERIFY_WITH_TIMEOUT(r.finished, 60000);
        QCOMPARE(r.result.reason, FinishReason::Length);
        QCOMPARE(r.result.timings.generatedTokens, qint64(48));
        QVERIFY(r.measured > 3);
        QCOMPARE(r.result.timings.promptTokens, r.measured);
        QVERIFY(!r.text.isEmpty());
        QVERIFY(r.textSignals >= 1);
        QCOMPARE(b.tokensDelivered(), qint64(48));
        QVERIFY2(b.updatesDelivered() < b.tokensDelivered(),
                 qPrintable(QStringLiteral("%1 updates").arg(b.updatesDelivered())));
    }

    void loadFailureNamesTheFile() {
        EngineBridge b;
        QSignalSpy failed(&b, &EngineBridge::loadFailed);
        const QString missing = m_dir.path() + QStringLiteral("/missing.gguf");
        b.loadModel(missing, dwtest::testEngineOptions());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("missing.gguf")),
                 qPrintable(failed.at(0).at(0).toString()));
        QCOMPARE(failed.at(0).at(1).toBool(), false);
        QVERIFY(!b.isLoaded() && !b.isLoading());

        quint64 ticket = 0;
        Reply r;
        track(b, ticket, r);
        ticket = b.generate(chat({{"user", "x"}}, 4));
        QTRY_VERIFY(r.finished);
        QCOMPARE(r.result.reason, FinishReason::Error);
    }

    void cancelLoad() {
        EngineBridge b;
        QSignalSpy failed(&b, &EngineBridge::loadFailed);
        b.loadModel(m_path, dwtest::testEngineOptions());
        b.cancelLoad(); // before the worker reaches the first cancellation point
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QCOMPARE(failed.at(0).at(1).toBool(), true);
        QVERIFY(!b.isLoaded());
    }

    void stopBeforeAndDuringGeneration() {
        EngineBridge b;
        QVERIFY(load(b, m_path, dwtest::testEngineOptions()));
        GenerationRequest endless = chat({{"user", "Tell me everything"}}, 1 << 30);
        endless.longContext = true; // never ends by itself

        quint64 first = 0;
        Reply early;
        track(b, first, early);
        first = b.generate(endless);
        b.stop(first); // most likely before the worker submitted it; either way it ends
        QTRY_VERIFY_WITH_TIMEOUT(early.finished, 30000);
        QCOMPARE(early.result.reason, FinishReason::Cancelled);

        quint64 second = 0;
        Reply mid;
        track(b, second, mid);
        second = b.generate(endless);
        QTRY_VERIFY_WITH_TIMEOUT(mid.textSignals >= 2, 60000);
        QVERIFY(!mid.finished);
        b.stop(second);
        b.stop(second);   // twice is harmless
        b.stop(999999);   // unknown tickets are ignored
        QTRY_VERIFY_WITH_TIMEOUT(mid.finished, 30000);
        QCOMPARE(mid.result.reason, FinishReason::Cancelled);
        QVERIFY(mid.result.timings.generatedTokens > 0);
    }

    void overflowTrimAndLongContext() {
        EngineOptions o = dwtest::testEngineOptions();
        o.maxContext = 256;
        EngineBridge b;
        QVERIFY(load(b, m_path, o));
        QCOMPARE(b.modelInfo().contextLimit, qint64(256));
        const auto model = dwtest::loadOffThread(m_path);
        const std::string huge = dwtest::textOfAtLeast(*model, 300); // over the context by itself
        const std::string large = dwtest::textOfAtLeast(*model, 120);
        const std::string small = dwtest::textOfAtLeast(*model, 16);

        quint64 t1 = 0;
        Reply over;
        track(b, t1, over);
        t1 = b.generate(chat({{"user", huge}}, 32));
        QTRY_VERIFY_WITH_TIMEOUT(over.overflowed, 30000);
        QVERIFY(!over.finished); // an overflow ends the ticket without a finish
        QCOMPARE(over.overflow.contextLimit, qint64(256));
        QCOMPARE(over.overflow.replyReserve, qint64(32));
        QCOMPARE(over.overflow.promptTokens, dwtest::promptTokens(*model, chat({{"user", huge}}, 32).messages));

        // Trimming drops the oldest turns (in pairs, the system prompt stays) until it fits.
        GenerationRequest trim = chat({{"system", "Be brief."},
                                       {"user", large}, {"assistant", large},
                                       {"user", small}, {"assistant", small},
                                       {"user", "And now?"}}, 32);
        QVERIFY(dwtest::promptTokens(*model, trim.messages) + 32 > 256);
        trim.trimToFit = true;
        quint64 t2 = 0;
        Reply trimmed;
        track(b, t2, trimmed);
        t2 = b.generate(trim);
        QTRY_VERIFY_WITH_TIMEOUT(trimmed.finished, 60000);
        QCOMPARE(trimmed.trimmed, 2);
        QCOMPARE(trimmed.result.reason, FinishReason::Length);
        QVERIFY(trimmed.measured + 32 <= 256);

        GenerationRequest alone = chat({{"user", huge}}, 32);
        alone.trimToFit = true;
        quint64 t3 = 0;
        Reply tooLong;
        track(b, t3, tooLong);
        t3 = b.generate(alone);
        QTRY_VERIFY_WITH_TIMEOUT(tooLong.finished, 30000);
        QCOMPARE(tooLong.result.reason, FinishReason::Error);
        QVERIFY(tooLong.result.error.contains(QStringLiteral("256")));

        GenerationRequest sliding = chat({{"user", huge}}, 32);
        sliding.longContext = true;
        quint64 t4 = 0;
        Reply longCtx;
        track(b, t4, longCtx);
        t4 = b.generate(sliding);
        QTRY_VERIFY_WITH_TIMEOUT(longCtx.finished, 60000);
        QVERIFY(!longCtx.overflowed);
        QCOMPARE(longCtx.result.reason, FinishReason::Length);
        QVERIFY(longCtx.measured >= 300);
    }

    void destroyWhileGenerating() {
        auto b = std::make_unique<EngineBridge>();
        QVERIFY(load(*b, m_path, dwtest::testEngineOptions()));
        GenerationRequest endless = chat({{"user", "go"}}, 1 << 30);
        endless.longContext = true;
        quint64 ticket = 0;
        Reply r;
        track(*b, ticket, r);
        ticket = b->generate(endless);
        QTRY_VERIFY_WITH_TIMEOUT(r.textSignals >= 1, 60000);
        b.reset(); // cancels, joins the engine and the worker; must not hang or crash
        QVERIFY(!r.finished); // its finish was never delivered: the bridge is gone
    }

    // Last: proves the check is live by doing engine work on the marked thread on purpose.
    void guardCatchesWorkOnTheGuiThread() {
        QCOMPARE(engineWorkOnForbiddenThread(), qint64(0));
        auto model = Model::load(m_path.toStdString());
        QVERIFY(engineWorkOnForbiddenThread() >= 1);
        QCOMPARE(forbiddenWorkReport().firstWhere, std::string("Model::load"));
        const qint64 before = engineWorkOnForbiddenThread();
        (void)model->tokenizer().encode("hello", true, false);
        QCOMPARE(engineWorkOnForbiddenThread(), before + 1);
        resetForbiddenWorkReport();
        std::thread other([&] { (void)model->tokenizer().encode("hello", true, false); });
        other.join();
        QCOMPARE(engineWorkOnForbiddenThread(), qint64(0)); // other threads are not marked
    }
};

QTEST_GUILESS_MAIN(TestEngineBridge)
#include "tst_engine_bridge.moc"
