// deepwell-cli quantize as a user meets it: a synthetic F32 model to Q4_K_M, `inspect`
// showing the intended types, --dry-run's plan table, and bad input giving one clear line
// and a non-zero exit.
#include "deepwell/synth.h"

#include <QDir>
#include <QFile>
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

Result runCli(const QStringList& args) {
    QProcess p;
    p.start(DW_CLI_PATH, args);
    p.closeWriteChannel();
    p.waitForFinished(120000);
    return {p.exitCode(), p.exitStatus(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// The line of `inspect --tensors` (or of the dry-run table) that names the tensor.
QString lineOf(const QString& text, const QString& tensor) {
    for (const QString& l : text.split('\n'))
        if (l.trimmed().startsWith(tensor + " ")) return l;
    return {};
}

} // namespace

class TestCliQuantize : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

    QString path(const char* name) const { return m_dir.path() + "/" + name; }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        auto spec = dw::synth::synthPreset("tiny-llama");
        spec.nEmbd = 256; // K-quant rows
        spec.nLayer = 8;  // use_more_bits(i, 8): layers 0, 3, 6, 7
        spec.nFf = 512;
        m_model = path("f32.gguf");
        dw::synth::writeSynthModel(spec, m_model.toStdString());
    }

    void help() {
        const auto r = runCli({"quantize", "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("--type") && r.out.contains("Q4_K_M") &&
                r.out.contains("--dry-run"));
    }

    void quantizesAndInspectShowsTheTypes() {
        const QString out = path("q4km.gguf");
        const auto r =
            runCli({"quantize", "-m", m_model, "-o", out, "--type", "q4_k_m", "-t", "2"});
        QCOMPARE(r.status, QProcess::NormalExit);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("Q4_K_M") && r.out.contains("wrote"));
        QVERIFY(r.err.isEmpty()); // no progress bar when stderr is not a terminal

        const auto i = runCli({"inspect", "-m", out, "--tensors"});
        QCOMPARE(i.exitCode, 0);
        for (int il = 0; il < 8; ++il) {
            const bool more = il == 0 || il == 3 || il == 6 || il == 7;
            const QString down = lineOf(i.out, QString("blk.%1.ffn_down.weight").arg(il));
            QVERIFY2(down.contains(more ? " Q6_K " : " Q4_K "), qPrintable(down));
            QVERIFY(lineOf(i.out, QString("blk.%1.attn_q.weight").arg(il)).contains(" Q4_K "));
            QVERIFY(lineOf(i.out, QString("blk.%1.attn_norm.weight").arg(il)).contains(" F32 "));
        }
        QVERIFY(lineOf(i.out, "output.weight").contains(" Q6_K "));
        QVERIFY(i.out.contains("architecture         llama")); // and it loads as a model

        // The quantized model runs.
        const auto run = runCli({"run", "-m", out, "-p", "hello", "-n", "4", "--temp", "0"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith("hello"));
    }

    void dryRunPrintsThePlanAndWritesNothing() {
        const QStringList before = QDir(m_dir.path()).entryList(QDir::Files);
        const auto r = runCli({"quantize", "-m", m_model, "--type", "Q5_K_M", "--dry-run"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(lineOf(r.out, "blk.0.ffn_down.weight").contains("Q6_K"));
        QVERIFY(lineOf(r.out, "blk.0.ffn_down.weight").contains("more bits"));
        QVERIFY(lineOf(r.out, "blk.1.attn_v.weight").contains("Q5_K"));
        QVERIFY(lineOf(r.out, "output_norm.weight").contains("kept: norm"));
        QVERIFY(r.out.contains("bits per weight"));
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files), before);
    }

    void badInput_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown type")
            << QStringList{"--type", "Q3_K", "-o", "OUT"} << "--type 'Q3_K'";
        QTest::newRow("no output") << QStringList{"--type", "Q8_0"} << "-o/--output";
        QTest::newRow("no type") << QStringList{"-o", "OUT"} << "--type";
        QTest::newRow("output is input")
            << QStringList{"--type", "Q8_0", "-o", "MODEL"} << "is the input file";
        QTest::newRow("too many threads")
            << QStringList{"--type", "Q8_0", "-o", "OUT", "-t", "99999"} << "--threads";
    }
    void badInput() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        for (QString& a : args) {
            if (a == "OUT") a = path("bad.gguf");
            if (a == "MODEL") a = m_model;
        }
        const auto r = runCli(QStringList{"quantize", "-m", m_model} + args);
        QCOMPARE(r.status, QProcess::NormalExit);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0); // one line
        QVERIFY(!QFile::exists(path("bad.gguf")));
    }

    void alreadyQuantizedInputIsRefused() {
        const QString q = path("q4km.gguf"); // written by quantizesAndInspectShowsTheTypes
        QVERIFY(QFile::exists(q));
        const auto r = runCli({"quantize", "-m", q, "-o", path("again.gguf"), "--type", "Q4_0"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("already") && r.err.contains("F32/F16/BF16 original"),
                 qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        QVERIFY(!QFile::exists(path("again.gguf")));
    }
};

QTEST_APPLESS_MAIN(TestCliQuantize)
#include "tst_cli_quantize.moc"
