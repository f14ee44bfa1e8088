// ChatSession as a list model (under QAbstractItemModelTester), its signals, the prompt it
// builds, and the sampling presets.
#include "chat_session.h"
#include "sampling_presets.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace dw;

class TestChatSession : public QObject {
    Q_OBJECT
private slots:
    void modelContract() {
        ChatSession s;
        QAbstractItemModelTester tester(&s, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy appended(&s, &ChatSession::messageAppended);
        QSignalSpy updated(&s, &ChatSession::messageUpdated);
        QSignalSpy finished(&s, &ChatSession::messageFinished);
        QSignalSpy removed(&s, &ChatSession::messagesRemoved);

        QCOMPARE(s.append(ChatRole::User, QStringLiteral("hi")), 0);
        const int reply = s.append(ChatRole::Assistant, QString(), true);
        QCOMPARE(reply, 1);
        QCOMPARE(appended.count(), 2);
        QVERIFY(s.data(s.index(1), ChatSession::StreamingRole).toBool());
        s.appendText(reply, QStringLiteral("Hel"));
        s.appendText(reply, QString()); // nothing to add: no signal
        s.appendText(reply, QStringLiteral("lo"));
        QCOMPARE(updated.count(), 2);
        QCOMPARE(s.data(s.index(1)).toString(), QStringLiteral("Hello"));
        RequestTimings t;
        t.generatedTokens = 2;
        s.finish(reply, FinishReason::Cancelled, QString(), t);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(0).toInt(), 1);
        QVERIFY(!s.at(1).streaming);
        QCOMPARE(s.data(s.index(1), ChatSession::FinishReasonRole).toInt(), int(FinishReason::Cancelled));
        QCOMPARE(s.at(1).timings.generatedTokens, 2);

        const quint64 firstId = s.at(0).id;
        QVERIFY(firstId != s.at(1).id);
        QCOMPARE(s.rowOfId(s.at(1).id), 1);
        s.append(ChatRole::User, QStringLiteral("again"));
        s.append(ChatRole::Assistant, QStringLiteral("reply"));
        s.setFirstInContext(2);
        QVERIFY(!s.data(s.index(0), ChatSession::InContextRole).toBool());
        QVERIFY(s.data(s.index(2), ChatSession::InContextRole).toBool());
        s.removeFrom(1);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(s.count(), 1);
        QCOMPARE(s.firstInContext(), 1); // clamped to the rows left
        QCOMPARE(s.at(0).id, firstId);
        s.removeFrom(1); // nothing after the last row: no change
        QCOMPARE(removed.count(), 1);
        s.clear();
        QCOMPARE(s.count(), 0);
        QCOMPARE(s.firstInContext(), 0);
        QVERIFY(!s.data(s.index(0)).isValid());
        QVERIFY(s.roleNames().values().contains("finishReason"));
    }

    void promptMessages() {
        ChatSession s;
        s.append(ChatRole::User, QStringLiteral("q1"));
        s.append(ChatRole::Assistant, QStringLiteral("a1"));
        s.append(ChatRole::User, QStringLiteral("q2"));
        auto m = s.promptMessages(3);
        QCOMPARE(m.size(), size_t(3));
        QCOMPARE(m[0].role, std::string("user"));
        QCOMPARE(m[1].content, std::string("a1"));
        SessionSettings st = s.settings();
        st.systemPrompt = QStringLiteral("Be brief. 简短");
        s.setSettings(st);
        s.setFirstInContext(2);
        m = s.promptMessages(3);
        QCOMPARE(m.size(), size_t(2));
        QCOMPARE(m[0].role, std::string("system"));
        QCOMPARE(m[0].content, std::string("Be brief. 简短"));
        QCOMPARE(m[1].content, std::string("q2"));
        st.systemPrompt = QStringLiteral("  \n");
        s.setSettings(st);
        QCOMPARE(s.promptMessages(3).size(), size_t(1)); // a blank system prompt is not sent
    }

    void clearResetsLongContext() {
        ChatSession s;
        SessionSettings st = s.settings();
        st.longContext = true;
        st.systemPrompt = QStringLiteral("kept");
        s.setSettings(st);
        QSignalSpy changed(&s, &ChatSession::settingsChanged);
        s.clear();
        QVERIFY(!s.settings().longContext);
        QCOMPARE(s.settings().systemPrompt, QStringLiteral("kept"));
        QCOMPARE(changed.count(), 1);
    }

    void presets_data() {
        QTest::addColumn<int>("preset");
        for (SamplingPreset p : kAllSamplingPresets)
            QTest::newRow(qPrintable(presetKey(p))) << int(p);
    }
    void presets() {
        QFETCH(int, preset);
        const auto p = SamplingPreset(preset);
        SamplingPreset back;
        QVERIFY(presetFromKey(presetKey(p), back));
        QCOMPARE(back, p);
        QVERIFY(!presetDisplayName(p).isEmpty());
        if (p != SamplingPreset::Custom) QCOMPARE(matchPreset(presetParams(p)), p);
    }
    void presetsDiffer() {
        QVERIFY(presetParams(SamplingPreset::Precise).temperature <
                presetParams(SamplingPreset::Balanced).temperature);
        QVERIFY(presetParams(SamplingPreset::Balanced).temperature <
                presetParams(SamplingPreset::Creative).temperature);
        SamplingParams edited = presetParams(SamplingPreset::Balanced);
        edited.topK = 7;
        QCOMPARE(matchPreset(edited), SamplingPreset::Custom);
        SamplingPreset out;
        QVERIFY(!presetFromKey(QStringLiteral("wild"), out));
    }
};

QTEST_GUILESS_MAIN(TestChatSession)
#include "tst_chat_session.moc"
