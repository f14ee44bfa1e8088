// The translations in translations/: every message of deepwell_zh_CN.ts is translated and
// finished, keeps the source's placeholders (%1..%9, %n), keyboard accelerator and HTML tags;
// the .ts is current (lupdate over the sources finds exactly its messages); the compiled .qm
// files embedded in dw_ui (:/i18n) give those translations; English plurals read naturally.
#include "language.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTranslator>
#include <QXmlStreamReader>
#include <QtTest>

#include <vector>

namespace {

struct TsMessage {
    QString context, source, comment;
    QStringList forms; // one entry, or one per numerus form
    bool numerus = false;
    QString type;      // the translation's type attribute: "", "unfinished", "obsolete", ...
};

std::vector<TsMessage> readTs(const QString& path, QString* error) {
    std::vector<TsMessage> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open ") + path;
        return out;
    }
    QXmlStreamReader xml(&f);
    QString context;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement) continue;
        const auto name = xml.name();
        if (name == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (name == QLatin1String("message")) {
            out.push_back({});
            out.back().context = context;
            out.back().numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
        } else if (name == QLatin1String("source")) {
            out.back().source = xml.readElementText();
        } else if (name == QLatin1String("comment")) {
            out.back().comment = xml.readElementText();
        } else if (name == QLatin1String("translation")) {
            out.back().type = xml.attributes().value(QLatin1String("type")).toString();
            if (!out.back().numerus) out.back().forms << xml.readElementText();
        } else if (name == QLatin1String("numerusform")) {
            out.back().forms << xml.readElementText();
        }
    }
    if (xml.hasError()) *error = xml.errorString();
    return out;
}

QSet<QString> placeholders(const QString& s) {
    static const QRegularExpression re(QStringLiteral("%(\\d|n)"));
    QSet<QString> out;
    for (auto it = re.globalMatch(s); it.hasNext();) out.insert(it.next().captured(0));
    return out;
}

QStringList htmlTags(const QString& s) {
    static const QRegularExpression re(QStringLiteral("</?[a-zA-Z][^>]*>|&[a-z]+;"));
    QStringList out;
    for (auto it = re.globalMatch(s); it.hasNext();) out << it.next().captured(0);
    out.sort();
    return out;
}

// A keyboard accelerator: '&' before a letter or digit, not an HTML entity such as &nbsp;.
bool hasAccelerator(const QString& s) {
    static const QRegularExpression re(QStringLiteral("&(?![a-z]+;)[\\p{L}\\p{N}]"));
    return s.contains(re);
}

QString key(const TsMessage& m) { return m.context + QLatin1Char('|') + m.source; }

const QString kTs = QStringLiteral(DW_TRANSLATIONS_DIR "/deepwell_zh_CN.ts");

} // namespace

class TestTranslations : public QObject {
    Q_OBJECT
    std::vector<TsMessage> m_zh;

private slots:
    void initTestCase() {
        QString error;
        m_zh = readTs(kTs, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(m_zh.size() > 500); // every visible string of the program
    }

    void everyMessageIsTranslatedAndFinished() {
        for (const TsMessage& m : m_zh) {
            const QByteArray where = (m.context + QStringLiteral(": ") + m.source).toUtf8();
            QVERIFY2(m.type.isEmpty(), where.constData()); // not unfinished, obsolete, vanished
            QVERIFY2(!m.forms.isEmpty(), where.constData());
            if (m.numerus) QCOMPARE(m.forms.size(), 1); // Chinese has one plural form
            for (const QString& t : m.forms) {
                QVERIFY2(!t.trimmed().isEmpty(), where.constData());
                QVERIFY2(placeholders(t) == placeholders(m.source), where.constData());
                QVERIFY2(htmlTags(t) == htmlTags(m.source), where.constData());
                QCOMPARE(hasAccelerator(t), hasAccelerator(m.source));
            }
        }
    }

    // Words a user reads are in Chinese: a translation may equal its source only for names,
    // units and format strings (no lower-case English word of four or more letters, except in
    // file-type filters and sentences around the name Deepwell).
    void translationsAreChinese() {
        static const QRegularExpression englishWord(QStringLiteral("[a-z]{4,}"));
        int same = 0;
        for (const TsMessage& m : m_zh) {
            if (m.forms.value(0) != m.source) continue;
            ++same;
            QVERIFY2(!m.source.contains(englishWord) || m.source.contains(QLatin1String("Deepwell")) ||
                         m.source.contains(QLatin1String("(*.")),
                     qPrintable(m.source));
        }
        QVERIFY(same < 80);
    }

    void tsIsCurrentWithTheSources() {
        const QString lupdate = QStringLiteral(DW_LUPDATE);
        if (!QFile::exists(lupdate)) QSKIP("lupdate is not installed; the .ts currency is not checked");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("current.ts"));
        QProcess p;
        p.start(lupdate, {QStringLiteral(DW_UI_DIR), QStringLiteral(DW_MAIN_GUI), QStringLiteral("-silent"),
                          QStringLiteral("-locations"), QStringLiteral("none"), QStringLiteral("-ts"), out});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QString error;
        const std::vector<TsMessage> current = readTs(out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QSet<QString> inSources, inTs;
        for (const TsMessage& m : current) inSources.insert(key(m));
        for (const TsMessage& m : m_zh) inTs.insert(key(m));
        const QStringList missing = QSet<QString>(inSources).subtract(inTs).values();
        const QStringList stale = QSet<QString>(inTs).subtract(inSources).values();
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("not in the .ts (run the dw_ui_lupdate target): ") +
                                              missing.join(QStringLiteral(" / "))));
        QVERIFY2(stale.isEmpty(), qPrintable(QStringLiteral("no longer in the sources: ") +
                                            stale.join(QStringLiteral(" / "))));
    }

    // The embedded .qm gives each translation of the .ts, as the program asks for it.
    void compiledTranslatorMatchesTheTs() {
        QTranslator t;
        QVERIFY(t.load(QStringLiteral(":/i18n/deepwell_zh_CN")));
        for (const TsMessage& m : m_zh) {
            const QByteArray c = m.context.toUtf8(), s = m.source.toUtf8(), d = m.comment.toUtf8();
            const QString got = t.translate(c.constData(), s.constData(),
                                            d.isEmpty() ? nullptr : d.constData(), m.numerus ? 3 : -1);
            QCOMPARE(got, m.forms.value(0));
        }
    }

    void englishPlurals() {
        QVERIFY(dw::installTranslators(QCoreApplication::instance(), QStringLiteral("en")));
        const char* found = "%n message(s) found.";
        QCOMPARE(QCoreApplication::translate("dw::HistoryPanel", found, nullptr, 1), QStringLiteral("1 message found."));
        QCOMPARE(QCoreApplication::translate("dw::HistoryPanel", found, nullptr, 4), QStringLiteral("4 messages found."));
        QCOMPARE(QCoreApplication::translate("dw::HistoryPanel", "Imported %n conversation(s).", nullptr, 1),
                 QStringLiteral("Imported 1 conversation."));
        QCOMPARE(QCoreApplication::translate("dw::ChatController",
                                             "%n earlier message(s) are no longer sent to the model.", nullptr, 2),
                 QStringLiteral("2 earlier messages are no longer sent to the model."));
        // Every numerus message of the sources has its two English forms.
        QString error;
        const auto en = readTs(QStringLiteral(DW_TRANSLATIONS_DIR "/deepwell_en.ts"), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        int numerus = 0;
        for (const TsMessage& m : m_zh) numerus += m.numerus;
        QCOMPARE(int(en.size()), numerus);
        for (const TsMessage& m : en) {
            QVERIFY(m.type.isEmpty());
            QCOMPARE(m.forms.size(), 2);
            for (const QString& f : m.forms) QVERIFY2(f.contains(QLatin1String("%n")), qPrintable(f));
        }
    }

    void languageSettingResolves() {
        QCOMPARE(dw::resolveLanguage(QStringLiteral("en")), QStringLiteral("en"));
        QCOMPARE(dw::resolveLanguage(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        const QString system = dw::resolveLanguage(QStringLiteral("system"));
        QCOMPARE(system, QLocale::system().language() == QLocale::Chinese ? QStringLiteral("zh_CN")
                                                                           : QStringLiteral("en"));
        QCOMPARE(dw::resolveLanguage(QStringLiteral("klingon")), system);
        QVERIFY(!dw::installTranslators(QCoreApplication::instance(), QStringLiteral("xx")));
    }
};

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
