// Real chat templates (tests/data/templates/*.jinja) rendered by dw::ChatTemplate and compared
// byte for byte with jinja2's rendering of the same inputs (tests/data/templates/expected/,
// written by tests/data/templates/tools/render_expected.py from the cases in cases.json).
#include "deepwell/chat_template.h"
#include "deepwell/error.h"

#include <QtTest>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace dw;

namespace {

QString templatesDir() {
    return QStringLiteral(DW_TEST_DATA_DIR "/templates");
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return QByteArray();
    return f.readAll();
}

QJsonArray loadCases() {
    const QJsonDocument doc = QJsonDocument::fromJson(readFile(templatesDir() + "/cases.json"));
    return doc.object().value("cases").toArray();
}

} // namespace

class TestChatTemplateGolden : public QObject {
    Q_OBJECT
private slots:
    void casesPresent() {
        const QJsonArray cases = loadCases();
        QVERIFY2(cases.size() >= 100, "tests/data/templates/cases.json is missing or truncated");
        // Every stored template is exercised, and has its provenance recorded.
        const QByteArray sources = readFile(templatesDir() + "/SOURCES.md");
        const QStringList files = QDir(templatesDir()).entryList({"*.jinja"}, QDir::Files);
        QVERIFY(files.size() >= 10);
        for (const QString& file : files) {
            const QString name = file.chopped(6);
            bool used = false;
            for (const auto& c : cases)
                used = used || c.toObject().value("template").toString() == name;
            QVERIFY2(used, qPrintable(name + " has no case in cases.json"));
            QVERIFY2(sources.contains(file.toUtf8()),
                     qPrintable(file + " is not listed in SOURCES.md"));
        }
    }

    void render_data() {
        QTest::addColumn<QJsonObject>("c");
        for (const auto& v : loadCases()) {
            const QJsonObject c = v.toObject();
            const QString name = c.value("template").toString() + "." + c.value("case").toString();
            QTest::newRow(qPrintable(name)) << c;
        }
    }

    void render() {
        QFETCH(QJsonObject, c);
        const QString name = c.value("template").toString();
        const QString caseName = c.value("case").toString();
        const QByteArray source = readFile(templatesDir() + "/" + name + ".jinja");
        QVERIFY(!source.isEmpty());

        std::vector<ChatMessage> messages;
        for (const auto& m : c.value("messages").toArray()) {
            const QJsonObject o = m.toObject();
            messages.push_back({o.value("role").toString().toStdString(),
                                o.value("content").toString().toStdString(),
                                o.value("reasoning_content").toString().toStdString()});
        }
        ChatTemplateOptions options;
        options.addGenerationPrompt = c.value("add_generation_prompt").toBool();
        options.bosToken = c.value("bos_token").toString().toStdString();
        options.eosToken = c.value("eos_token").toString().toStdString();
        options.dateString = c.value("date_string").toString().toStdString();
        if (c.contains("enable_thinking"))
            options.enableThinking = c.value("enable_thinking").toBool();

        const ChatTemplate tmpl(source.toStdString());
        const QString stem = templatesDir() + "/expected/" + name + "." + caseName;
        if (c.value("result").toString() == "expected") {
            const QByteArray expected = readFile(stem + ".expected");
            const std::string out = tmpl.render(messages, options);
            QCOMPARE(QByteArray::fromStdString(out), expected);
        } else {
            const QByteArray expected = readFile(stem + ".error");
            QVERIFY(!expected.isEmpty());
            try {
                tmpl.render(messages, options);
                QFAIL("rendering succeeded where jinja2 raised");
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::Template);
                QVERIFY2(QByteArray(e.what()).contains(expected), e.what());
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestChatTemplateGolden)
#include "tst_chat_template_golden.moc"
