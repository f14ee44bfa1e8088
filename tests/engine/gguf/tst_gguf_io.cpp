// Files on disk: File::open errors, the writer's temporary-file discipline and write errors,
// and the real Gemma 3 270M model (read, then rewritten through the streaming writer).
#include "raw_gguf.h"

#include <QtTest>

#include <csignal>
#include <cstdlib>
#include <sys/resource.h>

using namespace dw;
using namespace dw::gguf;

namespace {

struct Caught {
    QString message;
    ErrorCode code = ErrorCode::Internal;
    bool thrown = false;
};

template <typename F> Caught catchError(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return {QString::fromStdString(e.what()), e.code(), true};
    }
    return {};
}

QStringList entries(const QTemporaryDir& dir) {
    return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

Writer smallWriter(size_t tensorBytes) {
    Writer w;
    w.set("general.name", Value::string("io test"));
    w.addTensor("big", DType::I8, {int64_t(tensorBytes)},
                [tensorBytes](uint8_t* dst) { std::memset(dst, 0x2a, tensorBytes); });
    return w;
}

// Lowers RLIMIT_FSIZE for the scope: writes past the limit fail with EFBIG, the same error path
// as a full disk (ENOSPC), which a test cannot cause without mounting a small file system.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &m_old);
        m_oldHandler = std::signal(SIGXFSZ, SIG_IGN); // else the process is killed
        rlimit lim = m_old;
        lim.rlim_cur = bytes;
        m_ok = setrlimit(RLIMIT_FSIZE, &lim) == 0;
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &m_old);
        std::signal(SIGXFSZ, m_oldHandler);
    }
    bool ok() const { return m_ok; }

private:
    rlimit m_old{};
    void (*m_oldHandler)(int) = nullptr;
    bool m_ok = false;
};

} // namespace

class TestGgufIo : public QObject {
    Q_OBJECT
private slots:
    void openMissing() {
        const auto c = catchError([] { File::open("/nonexistent/dir/model.gguf"); });
        QVERIFY(c.thrown);
        QCOMPARE(c.code, ErrorCode::Io);
        QVERIFY2(c.message.contains("'/nonexistent/dir/model.gguf'") &&
                     c.message.contains("No such file or directory"),
                 qPrintable(c.message));
    }

    void openDirectory() {
        QTemporaryDir dir;
        const auto c = catchError([&] { File::open(dir.path().toStdString()); });
        QCOMPARE(c.code, ErrorCode::Io);
        QVERIFY2(c.message.contains(dir.path()) && c.message.contains("is a directory"),
                 qPrintable(c.message));
    }

    void openDevice() {
        const auto c = catchError([] { File::open("/dev/null"); });
        QCOMPARE(c.code, ErrorCode::Io);
        QVERIFY2(c.message.contains("'/dev/null'") && c.message.contains("not a regular file"),
                 qPrintable(c.message));
    }

    void openEmptyAndTruncated() {
        QTemporaryDir dir;
        const QString empty = dir.filePath("empty.gguf");
        QFile(empty).open(QIODevice::WriteOnly);
        auto c = catchError([&] { File::open(empty.toStdString()); });
        QCOMPARE(c.code, ErrorCode::Format);
        QVERIFY2(c.message.startsWith(empty + ": ") && c.message.contains("empty"),
                 qPrintable(c.message));

        const std::string cut = dir.filePath("cut.gguf").toStdString();
        Writer w;
        w.set("general.name", Value::string("will be cut"));
        w.write(cut);
        QVERIFY(QFile::resize(QString::fromStdString(cut), 60));
        c = catchError([&] { File::open(cut); });
        QCOMPARE(c.code, ErrorCode::Format);
        QVERIFY2(c.message.startsWith(QString::fromStdString(cut) +
                                      ": metadata key #0 ('general.name')"),
                 qPrintable(c.message));
    }

    void writeReplacesAtomically() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.gguf").toStdString();
        smallWriter(100).write(path);
        smallWriter(300).write(path); // replaces the existing file
        QCOMPARE(File::open(path)->findTensor("big")->nBytes, uint64_t(300));
        QCOMPARE(entries(dir), QStringList{"m.gguf"}); // no temporary file left behind
    }

    void writeIntoMissingDirectory() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("no/such/dir/m.gguf").toStdString();
        const auto c = catchError([&] { smallWriter(10).write(path); });
        QCOMPARE(c.code, ErrorCode::Io);
        QVERIFY2(c.message.contains(QString::fromStdString("'" + path + "'")) &&
                     c.message.contains("No such file or directory"),
                 qPrintable(c.message));
        QVERIFY(entries(dir).isEmpty());
    }

    void writeOntoDirectory() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("taken"));
        const std::string path = dir.filePath("taken").toStdString();
        const auto c = catchError([&] { smallWriter(10).write(path); });
        QCOMPARE(c.code, ErrorCode::Io);
        QVERIFY2(c.message.contains("rename") && c.message.contains("Is a directory"),
                 qPrintable(c.message));
        QCOMPARE(entries(dir), QStringList()); // the temporary file was removed
    }

    // A write that fails part-way (here: the file-size limit, standing in for a full disk)
    // throws Io naming the path and the cause, removes the temporary file and leaves the
    // previous file as it was.
    void writeFailsPartWay() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.gguf").toStdString();
        smallWriter(64).write(path);
        const QByteArray before = [&] {
            QFile f(QString::fromStdString(path));
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        Caught c;
        {
            FileSizeLimit limit(256 * 1024);
            QVERIFY(limit.ok());
            c = catchError([&] { smallWriter(4 << 20).write(path); });
        }
        QCOMPARE(c.code, ErrorCode::Io);
        QVERIFY2(c.message.contains(QString::fromStdString("'" + path + "'")) &&
                     c.message.contains("File too large"),
                 qPrintable(c.message));
        QCOMPARE(entries(dir), QStringList{"m.gguf"});
        QFile f(QString::fromStdString(path));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
    }

    void fillThatThrowsLeavesNothing() {
        QTemporaryDir dir;
        Writer w;
        w.addTensor("t", DType::F32, {4}, [](uint8_t*) { throw std::runtime_error("cancelled"); });
        const std::string path = dir.filePath("m.gguf").toStdString();
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, w.write(path));
        QVERIFY(entries(dir).isEmpty());
    }

    // The real model: every record validates, the facts we rely on hold, and rewriting it
    // through the streaming writer gives a file with identical metadata and tensor bytes.
    void realModel() {
        const QByteArray env = qgetenv("DEEPWELL_MODEL");
        const QString path =
            env.isEmpty() ? QDir::homePath() + "/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf"
                          : QString::fromLocal8Bit(env);
        if (!QFile::exists(path)) {
            if (qgetenv("DEEPWELL_REQUIRE_MODEL") == "1")
                QFAIL(qPrintable("model missing: " + path));
            QSKIP(qPrintable("model not found at " + path + " (set DEEPWELL_MODEL)"));
        }
        auto f = File::open(path.toStdString());
        QCOMPARE(f->getString("general.architecture").value(), std::string("gemma3"));
        QVERIFY(f->tensors().size() > 100);
        const TensorInfo* embd = f->findTensor("token_embd.weight");
        QVERIFY(embd);
        QCOMPARE(embd->ne[0], f->getInt("gemma3.embedding_length").value());
        QCOMPARE(int64_t(f->find("tokenizer.ggml.tokens")->size()), embd->ne[1]);
        QCOMPARE(f->find("tokenizer.ggml.scores")->size(),
                 f->find("tokenizer.ggml.tokens")->size());
        for (const TensorInfo& t : f->tensors())
            QCOMPARE(t.nBytes, uint64_t(rowBytes(t.type, t.ne[0]) * t.nRows()));

        Writer w(f->alignment());
        for (const auto& [key, value] : f->metadata()) w.set(key, value);
        for (const TensorInfo& t : f->tensors()) {
            const std::vector<int64_t> ne(t.ne.begin(), t.ne.begin() + t.nDims);
            w.addTensor(t.name, t.type, ne,
                        [&t](uint8_t* dst) { std::memcpy(dst, t.data, t.nBytes); });
        }
        QTemporaryDir dir;
        const std::string copyPath = dir.filePath("copy.gguf").toStdString();
        size_t lastDone = 0;
        w.write(copyPath, [&](size_t done, size_t total) {
            QCOMPARE(total, f->tensors().size());
            lastDone = done;
        });
        QCOMPARE(lastDone, f->tensors().size());
        auto g = File::open(copyPath);
        QCOMPARE(g->metadata().size(), f->metadata().size());
        for (const auto& [key, value] : f->metadata()) {
            const Value* other = g->find(key);
            QVERIFY2(other && *other == value, key.c_str());
        }
        QCOMPARE(g->tensors().size(), f->tensors().size());
        for (size_t i = 0; i < f->tensors().size(); ++i) {
            const TensorInfo& a = f->tensors()[i];
            const TensorInfo& b = g->tensors()[i];
            QCOMPARE(b.name, a.name);
            QCOMPARE(b.ne, a.ne);
            QCOMPARE(b.offset, a.offset); // same alignment and order give the same layout
            QVERIFY2(std::memcmp(a.data, b.data, a.nBytes) == 0, a.name.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestGgufIo)
#include "tst_gguf_io.moc"
