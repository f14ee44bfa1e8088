// deepwell-cli as a user meets it: every command on a synthetic model, --help everywhere,
// and bad arguments or files giving one clear line and a non-zero exit, never a crash.
#include "deepwell/synth.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Result {
    int exitCode = -1;
    QProcess::ExitStatus status = QProcess::CrashExit;
    QString out;
    QString err;
};

Result runCli(const QStringList& args, const QByteArray& input = {}) {
    QProcess p;
    p.start(DW_CLI_PATH, args);
    if (!input.isEmpty()) p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(120000);
    Result r;
    r.exitCode = p.exitCode();
    r.status = p.exitStatus();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_model = m_dir.path() + "/tiny.gguf";
        dw::synth::writeSynthModel(dw::synth::synthPreset("tiny-qwen3"), m_model.toStdString());
    }

    void helpOnEveryCommand_data() {
        QTest::addColumn<QString>("command");
        for (const char* c : {"", "inspect", "run", "perplexity", "logits", "bench"}) QTest::newRow(*c ? c : "top") << c;
    }
    void helpOnEveryCommand() {
        QFETCH(QString, command);
        QStringList args;
        if (!command.isEmpty()) args << command;
        args << "--help";
        const auto r = runCli(args);
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("Usage") || r.out.contains("usage") || r.out.contains("OPTIONS"));
    }

    void inspectShowsTheModel() {
        const auto r = runCli({"inspect", "-m", m_model, "--tensors"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("qwen3"));
        QVERIFY(r.out.contains("blk.0.attn_q.weight"));
        QVERIFY(r.out.contains("quantization mix"));
        QVERIFY(r.out.contains("kv cache"));
    }

    void runGeneratesText() {
        const auto r = runCli({"run", "-m", m_model, "-p", "hello world", "-n", "8", "--temp", "0"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("hello world"));
        QVERIFY(r.out.size() > QString("hello world").size());
        // Greedy is deterministic.
        const auto again = runCli({"run", "-m", m_model, "-p", "hello world", "-n", "8", "--temp", "0"});
        QCOMPARE(again.out, r.out);
    }

    void chatRendersTheTemplate() {
        const auto r = runCli({"run", "-m", m_model, "--chat", "-p", "hi", "-n", "4", "--temp", "0"});
        QCOMPARE(r.exitCode, 0);
        // Interactive chat reads lines until EOF.
        const auto i = runCli({"run", "-m", m_model, "-n", "4", "--temp", "0"}, "hello\nagain\n");
        QCOMPARE(i.exitCode, 0);
    }

    void logitsAreJsonLines() {
        const auto r = runCli({"logits", "-m", m_model, "-p", "the cat", "--top-k", "3"});
        QCOMPARE(r.exitCode, 0);
        const auto lines = r.out.trimmed().split('\n');
        QVERIFY(lines.size() >= 2);
        const auto head = QJsonDocument::fromJson(lines[0].toUtf8()).object();
        const auto tokens = head["tokens"].toArray();
        QCOMPARE(lines.size(), tokens.size() + 1);
        for (int i = 1; i < lines.size(); ++i) {
            const auto o = QJsonDocument::fromJson(lines[i].toUtf8()).object();
            QCOMPARE(o["pos"].toInt(), i - 1);
            QCOMPARE(o["token"].toInt(), tokens[i - 1].toInt());
            const auto top = o["top"].toArray();
            QCOMPARE(top.size(), 3);
            QVERIFY(top[0].toArray()[1].toDouble() >= top[1].toArray()[1].toDouble());
        }
    }

    void perplexityAndBenchRun() {
        QFile text(m_dir.path() + "/t.txt");
        QVERIFY(text.open(QIODevice::WriteOnly));
        for (int i = 0; i < 200; ++i) text.write("the quick brown fox jumps over the lazy dog. ");
        text.close();
        auto r = runCli({"perplexity", "-m", m_model, "-f", text.fileName(), "-c", "64", "--chunks", "2"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("Final estimate: PPL = "));
        r = runCli({"bench", "-m", m_model, "-p", "16", "-n", "4", "-r", "1", "--json", "-t", "1"});
        QCOMPARE(r.exitCode, 0);
        const auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(o["decode_tps"].toDouble() > 0);
        // Sustained (all passes together) never exceeds the fastest pass, so the decode's share
        // of the sustained bound is at least its share of the peak bound.
        QVERIFY(o["read_bandwidth_gbs"].toDouble() > 0);
        QVERIFY(o["peak_read_bandwidth_gbs"].toDouble() >= o["read_bandwidth_gbs"].toDouble());
        QVERIFY(o["decode_pct_of_bound"].toDouble() >= o["decode_pct_of_peak_bound"].toDouble());
        QVERIFY(o["decode_pct_of_peak_bound"].toDouble() > 0);
    }

    void badInputGivesOneLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect");
        QTest::newRow("no command") << QStringList{} << "subcommand";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "frobnicate";
        QTest::newRow("missing model") << QStringList{"run", "-m", "/nonexistent.gguf", "-p", "x"} << "/nonexistent.gguf";
        QTest::newRow("bad number") << QStringList{"run", "-m", "MODEL", "-n", "many"} << "many";
        QTest::newRow("negative temp") << QStringList{"run", "-m", "MODEL", "--temp", "-1", "-p", "x"} << "temp";
        QTest::newRow("not gguf") << QStringList{"inspect", "-m", "TEXT"} << "magic";
        QTest::newRow("truncated gguf") << QStringList{"run", "-m", "TRUNC", "-p", "x"} << "TRUNC";
        QTest::newRow("context too small") << QStringList{"run", "-m", "MODEL", "-c", "2", "-p", "a b c d e f g"} << "context";
    }
    void badInputGivesOneLine() {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        const QString text = m_dir.path() + "/not.gguf";
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a model\n");
        f.close();
        const QString trunc = m_dir.path() + "/trunc.gguf";
        QFile::remove(trunc);
        QVERIFY(QFile::copy(m_model, trunc));
        QFile t(trunc);
        QVERIFY(t.resize(t.size() / 2));
        for (auto& a : args) {
            if (a == "MODEL") a = m_model;
            if (a == "TEXT") a = text;
            if (a == "TRUNC") a = trunc;
        }
        if (expect == "TRUNC") expect = "trunc.gguf";
        const auto r = runCli(args);
        QCOMPARE(r.status, QProcess::NormalExit); // never a crash
        QVERIFY(r.exitCode != 0);
        const auto lines = r.err.trimmed().split('\n');
        QVERIFY2(lines.size() == 1, qPrintable(r.err));
        QVERIFY2(r.err.contains(expect, Qt::CaseInsensitive), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
