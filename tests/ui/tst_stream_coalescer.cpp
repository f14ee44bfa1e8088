// StreamCoalescer: text appended from another thread arrives complete and in order, in far
// fewer GUI updates than appends.
#include "stream_coalescer.h"

#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <map>
#include <thread>

using namespace dw;

class TestStreamCoalescer : public QObject {
    Q_OBJECT
private slots:
    void coalescesAcrossThreads() {
        StreamCoalescer c(30);
        std::map<quint64, QString> text;
        std::map<quint64, int> tokens;
        int signals_ = 0;
        connect(&c, &StreamCoalescer::textReady, this, [&](quint64 key, const QString& t, int n) {
            QVERIFY(QThread::currentThread() == thread());
            text[key] += t;
            tokens[key] += n;
            ++signals_;
        });
        constexpr int kPieces = 3000;
        std::atomic<bool> done{false};
        std::thread producer([&] {
            for (int i = 0; i < kPieces; ++i) {
                const std::string piece = std::to_string(i % 10);
                c.append(1, piece, 1);
                if (i % 3 == 0) c.append(2, "é", 2); // two tokens, one character
                if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(40));
            }
            done.store(true);
        });
        QTRY_VERIFY_WITH_TIMEOUT(done.load() && tokens[1] == kPieces, 60000);
        producer.join();
        QTRY_COMPARE(tokens[2], 2 * ((kPieces + 2) / 3));
        QString expected;
        for (int i = 0; i < kPieces; ++i) expected += QString::number(i % 10);
        QCOMPARE(text[1], expected);
        QCOMPARE(text[2], QString(tokens[2] / 2, QChar(0xE9)));
        QCOMPARE(c.updatesDelivered(), qint64(signals_));
        QCOMPARE(c.tokensDelivered(), qint64(kPieces + tokens[2]));
        QVERIFY2(c.updatesDelivered() < kPieces / 10, qPrintable(QString::number(c.updatesDelivered())));
    }

    void flushNowDeliversImmediately() {
        StreamCoalescer c(10000); // the timer would not fire within this test
        QSignalSpy spy(&c, &StreamCoalescer::textReady);
        c.append(5, "ab", 1);
        c.append(5, "c", 1);
        c.flushNow();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toULongLong(), 5ull);
        QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("abc"));
        QCOMPARE(spy.at(0).at(2).toInt(), 2);
        c.flushNow(); // nothing pending: no signal
        QCOMPARE(spy.count(), 1);
        QTest::qWait(20); // the queued timer start runs; still nothing to deliver
        QCOMPARE(spy.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestStreamCoalescer)
#include "tst_stream_coalescer.moc"
