// The model catalogue and the recent-models list: the shipped catalogue reads without an
// error; every kind of broken row is left out with an error naming the row and the field,
// and broken files give one error; the KV-cache size per token the catalogue works out
// equals the engine's estimate for the same shape; recent models keep most-recent-first
// order, a size limit, removal and pruning, and survive a restart.
#include "model_catalogue.h"
#include "model_test_util.h"
#include "recent_models.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace dw;

namespace {

QJsonObject validRow(const QString& id) {
    QJsonObject kv{{"layers", 2}, {"kvHeads", 2}, {"keyLength", 16}, {"valueLength", 16}};
    QJsonObject file{{"name", id + ".gguf"}, {"bytes", 1000}, {"estimate", false}};
    return QJsonObject{{"id", id},
                       {"name", "Model " + id},
                       {"architecture", "llama"},
                       {"parameters", 1000000},
                       {"activeParameters", 1000000},
                       {"quantization", "Q4_K_M"},
                       {"contextLength", 4096},
                       {"kvCache", kv},
                       {"file", file}};
}

QByteArray catalogue(const QJsonArray& rows) {
    return QJsonDocument(QJsonObject{{"format", "deepwell-model-catalogue"},
                                     {"version", 1},
                                     {"models", rows}})
        .toJson();
}

// Sets (or with "<remove>" removes) the field at a dotted path such as "file.bytes".
void setField(QJsonObject& row, const QString& path, const QString& literal) {
    const QStringList parts = path.split(QLatin1Char('.'));
    const bool remove = literal == QLatin1String("<remove>");
    const QJsonValue value =
        remove ? QJsonValue() : QJsonDocument::fromJson("[" + literal.toUtf8() + "]").array().at(0);
    if (parts.size() == 1) {
        if (remove)
            row.remove(parts[0]);
        else
            row[parts[0]] = value;
        return;
    }
    QJsonObject inner = row[parts[0]].toObject();
    if (remove)
        inner.remove(parts[1]);
    else
        inner[parts[1]] = value;
    row[parts[0]] = inner;
}

} // namespace

class TestModelCatalogue : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void shippedCatalogueReads() {
        const CatalogueParseResult r =
            ModelCatalogue::load(QString::fromLatin1(ModelCatalogue::kResourcePath));
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(QLatin1Char('\n'))));
        QVERIFY(r.entries.size() >= 6);
        const CatalogueEntry* d = ModelCatalogue::defaultEntry(r.entries);
        QVERIFY(d);
        QCOMPARE(d->fileName, QStringLiteral("gemma-3-270m-q4_k_m.gguf"));
        QCOMPARE(d->fileBytes, quint64(253113024));
        QCOMPARE(
            d->sha256,
            QStringLiteral("a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"));
        QVERIFY(d->sizeIsExact && !d->sizeIsEstimate);
        QCOMPARE(d->install, QStringLiteral("scripts/fetch_default_model.sh"));
        // Gemma 3 270M: 18 layers x 1 KV head x (256 + 256) x 4 bytes, as the engine's f32 cache.
        QCOMPARE(d->kvBytesPerToken(), quint64(18 * 512 * 4));
        QStringList archs;
        for (const CatalogueEntry& e : r.entries) {
            archs << e.architecture;
            QVERIFY2(e.kvBytesPerToken() > 0, qPrintable(e.id));
            QVERIFY2(!e.sources.isEmpty(), qPrintable(e.id));
            QCOMPARE(e.approximateMemory(1000), e.fileBytes + 1000 * e.kvBytesPerToken());
            if (e.sizeIsEstimate) // parameters x bits per weight, rounded to the byte
                QCOMPARE(double(e.fileBytes),
                         std::round(double(e.parameters) * e.bitsPerWeight / 8.0));
        }
        for (const char* a : {"deepseek2", "qwen3moe", "olmoe", "llama", "gemma3"})
            QVERIFY2(archs.contains(QLatin1String(a)), a);
    }

    // The catalogue's KV bytes per token, from the shape alone, equal what estimateMemory
    // reads from a file of that shape (attention with KV heads, and MLA).
    void kvPerTokenMatchesTheEngine_data() {
        QTest::addColumn<QString>("preset");
        QTest::newRow("gemma3") << "tiny-gemma3";
        QTest::newRow("qwen3moe") << "tiny-qwen3moe";
        QTest::newRow("deepseek2 (MLA)") << "tiny-deepseek2";
    }
    void kvPerTokenMatchesTheEngine() {
        QFETCH(QString, preset);
        const synth::SynthSpec s = synth::synthPreset(preset.toStdString());
        const QString path =
            dwtest::writeSynthModel(m_dir.path(), qPrintable(preset), preset + ".gguf");
        CatalogueEntry e;
        e.kvLayers = int(s.nLayer);
        if (s.kvLoraRank > 0) {
            e.kvLoraRank = int(s.kvLoraRank);
            e.ropeDim = int(s.qkRopeDim);
        } else {
            e.kvHeads = int(s.nHeadKv);
            e.keyLength = e.valueLength = int(s.headDimOrDefault());
        }
        QCOMPARE(e.kvBytesPerToken(), dwtest::estimateOffThread(path, 64).kvBytesPerToken);
    }

    void brokenRowIsLeftOutWithAClearError_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("id missing") << "id"
                                    << "<remove>"
                                    << "field \"id\" is missing; it must be a non-empty string";
        QTest::newRow("id with spaces") << "id"
                                        << "\"Bad Id\""
                                        << "field \"id\" is \"Bad Id\"; it must be lower-case";
        QTest::newRow("name empty") << "name"
                                    << "\"  \""
                                    << "field \"name\" is \"  \"; it must be a non-empty string";
        QTest::newRow("parameters negative")
            << "parameters"
            << "-5"
            << "field \"parameters\" is -5; it must be a whole number from 1 to 10000000000000";
        QTest::newRow("parameters fraction")
            << "parameters"
            << "1.5"
            << "field \"parameters\" is 1.5; it must be a whole number";
        QTest::newRow("parameters text") << "parameters"
                                         << "\"7B\""
                                         << "field \"parameters\" is \"7B\"";
        QTest::newRow("active > total") << "activeParameters"
                                        << "2000000"
                                        << "at most \"parameters\" (1000000)";
        QTest::newRow("experts top-k > experts")
            << "experts"
            << "{\"routed\": 8, \"shared\": 0, \"perToken\": 9}"
            << "field \"perToken\" is 9; it must be at most \"routed\" (8)";
        QTest::newRow("context 0") << "contextLength"
                                   << "0"
                                   << "field \"contextLength\" is 0";
        QTest::newRow("kvCache missing") << "kvCache"
                                         << "<remove>"
                                         << "field \"kvCache\" is missing; it must be an object";
        QTest::newRow("kvHeads missing") << "kvCache.kvHeads"
                                         << "<remove>"
                                         << "field \"kvHeads\" is missing";
        QTest::newRow("layers huge")
            << "kvCache.layers"
            << "100000"
            << "field \"layers\" is 100000; it must be a whole number from 1 to 1000";
        QTest::newRow("file in a folder") << "file.name"
                                          << "\"models/x.gguf\""
                                          << "a file name ending in .gguf, without folders";
        QTest::newRow("file not gguf") << "file.name"
                                       << "\"x.bin\""
                                       << "field \"name\" is \"x.bin\"";
        QTest::newRow("file bytes 0") << "file.bytes"
                                      << "0"
                                      << "field \"bytes\" is 0";
        QTest::newRow("estimate missing")
            << "file.estimate"
            << "<remove>"
            << "field \"estimate\" is missing; it must be true or false";
        QTest::newRow("estimate without bpw") << "file.estimate"
                                              << "true"
                                              << "field \"bitsPerWeight\" is missing";
        QTest::newRow("sha256 short") << "file.sha256"
                                      << "\"abc\""
                                      << "64 lower-case hex digits";
        QTest::newRow("default not bool")
            << "default"
            << "\"yes\""
            << "field \"default\" is \"yes\"; it must be true or false";
        QTest::newRow("sources not array")
            << "sources"
            << "\"x\""
            << "field \"sources\" is \"x\"; it must be an array of strings";
    }
    void brokenRowIsLeftOutWithAClearError() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        QJsonObject broken = validRow(QStringLiteral("second"));
        setField(broken, field, value);
        const CatalogueParseResult r =
            ModelCatalogue::parse(catalogue({validRow(QStringLiteral("first")), broken,
                                             validRow(QStringLiteral("third"))}),
                                  QStringLiteral("test.json"));
        QCOMPARE(int(r.entries.size()), 2);
        QCOMPARE(r.entries[0].id, QStringLiteral("first"));
        QCOMPARE(r.entries[1].id, QStringLiteral("third"));
        QCOMPARE(r.errors.size(), 1);
        QVERIFY2(r.errors[0].startsWith(QStringLiteral("test.json: model 2")),
                 qPrintable(r.errors[0]));
        QVERIFY2(r.errors[0].contains(expected), qPrintable(r.errors[0]));
    }

    void shaWithEstimateIsRejected() {
        QJsonObject row = validRow(QStringLiteral("x"));
        setField(row, QStringLiteral("file.sha256"),
                 QStringLiteral("\"%1\"").arg(QString(64, QLatin1Char('a'))));
        setField(row, QStringLiteral("file.estimate"), QStringLiteral("true"));
        setField(row, QStringLiteral("file.bitsPerWeight"), QStringLiteral("4.5"));
        const CatalogueParseResult r =
            ModelCatalogue::parse(catalogue({row}), QStringLiteral("t.json"));
        QVERIFY(r.entries.empty());
        QVERIFY2(r.errors.value(0).contains(QStringLiteral("\"estimate\" must be false")),
                 qPrintable(r.errors.value(0)));
    }

    void duplicateIdsAndTwoDefaults() {
        QJsonObject a = validRow(QStringLiteral("a")), b = validRow(QStringLiteral("b")),
                    a2 = validRow(QStringLiteral("a"));
        a[QStringLiteral("default")] = true;
        b[QStringLiteral("default")] = true;
        const CatalogueParseResult r =
            ModelCatalogue::parse(catalogue({a, b, a2}), QStringLiteral("t.json"));
        QCOMPARE(int(r.entries.size()), 1);
        QCOMPARE(r.errors.size(), 2);
        QVERIFY2(r.errors[0].contains(
                     QStringLiteral("model 2 (\"b\"): only one model can be the default")),
                 qPrintable(r.errors[0]));
        QVERIFY2(r.errors[1].contains(
                     QStringLiteral("model 3 (\"a\"): the id is used by an earlier model")),
                 qPrintable(r.errors[1]));
        QCOMPARE(ModelCatalogue::defaultEntry(r.entries)->id, QStringLiteral("a"));
    }

    void brokenFileGivesOneError_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not JSON") << QByteArray("{\"format\": ")
                                  << "t.json: not valid JSON at byte";
        QTest::newRow("array at top")
            << QByteArray("[]") << "t.json: the top level must be an object";
        QTest::newRow("other format")
            << QByteArray(R"({"format": "x", "version": 1, "models": []})")
            << "t.json: field \"format\" is \"x\"; it must be \"deepwell-model-catalogue\"";
        QTest::newRow("newer version")
            << QByteArray(R"({"format": "deepwell-model-catalogue", "version": 2, "models": []})")
            << "t.json: field \"version\" is 2; this program reads version 1";
        QTest::newRow("models not array")
            << QByteArray(R"({"format": "deepwell-model-catalogue", "version": 1, "models": {}})")
            << "t.json: field \"models\" is an object; it must be an array";
        QTest::newRow("row not object")
            << QByteArray(R"({"format": "deepwell-model-catalogue", "version": 1, "models": [3]})")
            << "t.json: model 1 is 3; it must be an object";
    }
    void brokenFileGivesOneError() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const CatalogueParseResult r = ModelCatalogue::parse(json, QStringLiteral("t.json"));
        QVERIFY(r.entries.empty());
        QCOMPARE(r.errors.size(), 1);
        QVERIFY2(r.errors[0].contains(expected), qPrintable(r.errors[0]));
    }

    void unreadableFileNamesThePath() {
        const QString missing = m_dir.filePath(QStringLiteral("none.json"));
        const CatalogueParseResult r = ModelCatalogue::load(missing);
        QCOMPARE(r.errors.size(), 1);
        QVERIFY(r.errors[0].startsWith(missing + QStringLiteral(": cannot be read")));
    }

    void recentModelsOrderLimitRemoveAndPrune() {
        QSettings settings(m_dir.filePath(QStringLiteral("recent.ini")), QSettings::IniFormat);
        QStringList files;
        for (int i = 0; i < RecentModels::kMaxEntries + 3; ++i) {
            const QString p = m_dir.filePath(QStringLiteral("m%1.gguf").arg(i));
            QVERIFY(!dwtest::writeBytes(p, "x").isEmpty());
            files << p;
        }
        {
            RecentModels recent(&settings);
            QSignalSpy changed(&recent, &RecentModels::changed);
            recent.add(files[0]);
            recent.add(files[1]);
            recent.add(files[2]);
            QCOMPARE(recent.paths(), (QStringList{files[2], files[1], files[0]}));
            recent.add(files[0]); // again: moves to the front, no duplicate
            QCOMPARE(recent.paths(), (QStringList{files[0], files[2], files[1]}));
            recent.add(m_dir.path() +
                       QStringLiteral("/./m2.gguf")); // the same file, spelled otherwise
            QCOMPARE(recent.paths(), (QStringList{files[2], files[0], files[1]}));
            QCOMPARE(changed.count(), 5);
            for (const QString& f : files) recent.add(f);
            QCOMPARE(recent.paths().size(), RecentModels::kMaxEntries);
            QCOMPARE(recent.paths().first(), files.last());
            QVERIFY(!recent.paths().contains(files[2])); // the oldest fell off
            QVERIFY(recent.remove(files.last()));
            QVERIFY(!recent.remove(files.last()));
            QVERIFY(QFile::remove(files[10]));
            QVERIFY(QFile::remove(files[11]));
            QCOMPARE(recent.pruneMissing(), 2);
            QCOMPARE(recent.paths().size(), RecentModels::kMaxEntries - 3);
            QCOMPARE(recent.pruneMissing(), 0);
        }
        RecentModels again(&settings); // a restart reads the same list
        QCOMPARE(again.paths().size(), RecentModels::kMaxEntries - 3);
        QCOMPARE(again.paths().first(), files[files.size() - 2]);
        // Whatever a damaged settings file holds comes back cleaned up.
        settings.setValue(QStringLiteral("models/recent"),
                          QStringList{QString(), files[0], files[0], files[1]});
        RecentModels cleaned(&settings);
        QCOMPARE(cleaned.paths(), (QStringList{files[0], files[1]}));
    }
};

QTEST_GUILESS_MAIN(TestModelCatalogue)
#include "tst_model_catalogue.moc"
