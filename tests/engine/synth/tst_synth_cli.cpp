// `deepwell-cli synth` as a user meets it: listing presets, writing a preset (byte-identical
// to the library's output) that `deepwell-cli inspect` reads back, explicit hyper-parameters,
// and one clear error line for bad arguments, never a crash or a half-written file.
#include "deepwell/gguf.h"
#include "deepwell/synth.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace dw;

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
    Result r;
    r.exitCode = p.exitCode();
    r.status = p.exitStatus();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestSynthCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void listShowsEveryPreset() {
        const Result r = runCli({"synth", "--list"});
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exitCode, 0);
        for (const std::string& name : synth::synthPresetNames())
            QVERIFY2(r.out.contains(QString::fromStdString(name)), name.c_str());
        QVERIFY(r.out.contains("[benchmark]"));
        QVERIFY(r.out.contains("MiB")); // sizes
    }

    void writesAPresetThatInspectReads() {
        const QString path = m_dir.filePath("ds2.gguf");
        const Result w = runCli(
            {"synth", "--preset", "tiny-deepseek2", "--type", "Q8_0", "--seed", "3", "-o", path});
        QCOMPARE(w.status, QProcess::NormalExit);
        QVERIFY2(w.exitCode == 0, qPrintable(w.err));
        QVERIFY(w.out.contains("tiny-deepseek2"));
        // The very bytes the library writes for that spec.
        synth::SynthSpec spec = synth::synthPreset("tiny-deepseek2");
        spec.weightType = DType::Q8_0;
        spec.seed = 3;
        const std::vector<uint8_t> expected = synth::synthModelBytes(spec);
        const QByteArray got = readAll(path);
        QCOMPARE(qsizetype(expected.size()), got.size());
        QVERIFY(std::memcmp(expected.data(), got.constData(), expected.size()) == 0);

        const Result i = runCli({"inspect", "-m", path, "--tensors"});
        QCOMPARE(i.status, QProcess::NormalExit);
        QVERIFY2(i.exitCode == 0, qPrintable(i.err));
        QVERIFY(i.out.contains("blk.1.ffn_gate_exps.weight"));
        QVERIFY(i.out.contains("blk.0.attn_k_b.weight"));
        QVERIFY(i.out.contains("Q8_0"));
    }

    void explicitHyperParameters() {
        const QString path = m_dir.filePath("q3.gguf");
        const Result w = runCli({"synth", "--arch", "qwen3moe", "--layers", "3", "--experts", "8",
                                 "--experts-used", "2", "--expert-ff", "64", "--vocab", "600",
                                 "--type", "F16", "-o", path});
        QVERIFY2(w.exitCode == 0, qPrintable(w.err));
        const auto f = gguf::File::open(path.toStdString());
        QCOMPARE(f->getString("general.architecture"), std::optional<std::string>("qwen3moe"));
        QCOMPARE(f->getInt("qwen3moe.block_count"), std::optional<int64_t>(3));
        QCOMPARE(f->getInt("qwen3moe.expert_count"), std::optional<int64_t>(8));
        QCOMPARE(f->getInt("qwen3moe.expert_used_count"), std::optional<int64_t>(2));
        QCOMPARE(f->getInt("qwen3moe.expert_feed_forward_length"), std::optional<int64_t>(64));
        QCOMPARE(qint64(f->find("tokenizer.ggml.tokens")->size()), qint64(600));
        const gguf::TensorInfo* e = f->findTensor("blk.2.ffn_up_exps.weight");
        QVERIFY(e);
        QCOMPARE(e->type, DType::F16);
        QCOMPARE(e->ne[1], int64_t(64));
        QCOMPARE(e->ne[2], int64_t(8));
        // The legacy MLA layout through the flag.
        const QString legacy = m_dir.filePath("legacy.gguf");
        QCOMPARE(
            runCli({"synth", "--preset", "tiny-deepseek2", "--mla-layout", "joint", "-o", legacy})
                .exitCode,
            0);
        QVERIFY(gguf::File::open(legacy.toStdString())->findTensor("blk.0.attn_kv_b.weight"));
    }

    void badArguments_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString out = "bad.gguf";
        QTest::newRow("unknown preset") << QStringList{"--preset", "huge", "-o", out} << "huge";
        QTest::newRow("unknown type")
            << QStringList{"--preset", "tiny-llama", "--type", "Q9_9", "-o", out} << "Q9_9";
        QTest::newRow("no output") << QStringList{"--preset", "tiny-llama"} << "--output";
        QTest::newRow("nothing to write") << QStringList{"-o", out} << "--preset";
        QTest::newRow("unknown arch") << QStringList{"--arch", "gpt5", "-o", out} << "gpt5";
        QTest::newRow("too many used experts")
            << QStringList{"--arch", "deepseek2", "--experts-used", "99", "-o", out}
            << "nExpertUsed";
        QTest::newRow("type the quantizer cannot make")
            << QStringList{"--preset", "tiny-llama", "--type", "I32", "-o", out} << "I32";
        QTest::newRow("contradiction")
            << QStringList{"--preset", "tiny-qwen3moe", "--arch", "olmoe", "-o", out} << "olmoe";
    }

    void badArguments() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        QStringList full{"synth"};
        for (const QString& a : args) full << (a == "bad.gguf" ? dir.filePath(a) : a);
        const Result r = runCli(full);
        QCOMPARE(r.status, QProcess::NormalExit);
        QVERIFY(r.exitCode != 0);
        QCOMPARE(r.err.trimmed().count('\n'), 0); // one line
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath("bad.gguf")));
    }
};

QTEST_APPLESS_MAIN(TestSynthCli)
#include "tst_synth_cli.moc"
