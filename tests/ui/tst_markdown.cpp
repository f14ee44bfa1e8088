// Markdown rendering: the GFM extensions are on, code blocks keep their raw text and get one
// copy link each, raw HTML never passes through.
#include "markdown.h"

#include <QtTest>

using namespace dw;

class TestMarkdown : public QObject {
    Q_OBJECT
private slots:
    void extensions_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QStringList>("mustContain");
        QTest::addColumn<QStringList>("mustNotContain");
        QTest::newRow("table") << QStringLiteral("| a | b |\n|---|:-:|\n| 1 | 2 |\n")
                               << QStringList{"<table border=\"1\"", "<th>a</th>", "<td align=\"center\">2</td>"}
                               << QStringList{"| a |"};
        QTest::newRow("strikethrough") << QStringLiteral("keep ~~gone~~ keep")
                                       << QStringList{"<s>gone</s>"} << QStringList{"~~", "<del>"};
        QTest::newRow("single tilde is text") << QStringLiteral("about ~5 to ~10 minutes")
                                              << QStringList{"~5 to ~10"} << QStringList{"<del>"};
        QTest::newRow("autolink") << QStringLiteral("see https://example.org/x now")
                                  << QStringList{"<a href=\"https://example.org/x\">https://example.org/x</a>"}
                                  << QStringList{};
        QTest::newRow("emphasis and CJK") << QStringLiteral("中文 **粗体** _斜体_")
                                          << QStringList{"中文 <strong>粗体</strong> <em>斜体</em>"}
                                          << QStringList{};
        QTest::newRow("line breaks kept") << QStringLiteral("one\ntwo")
                                          << QStringList{"one<br />", "two"} << QStringList{};
        QTest::newRow("raw html omitted") << QStringLiteral("<script>alert(1)</script>\n\nx <b>y</b>")
                                          << QStringList{"raw HTML omitted"}
                                          << QStringList{"<script", "<b>"};
        QTest::newRow("literal pre escaped") << QStringLiteral("type `<pre>` or <pre>")
                                             << QStringList{"<code>&lt;pre&gt;</code>"}
                                             << QStringList{"<pre", "dw:copy"};
    }
    void extensions() {
        QFETCH(QString, source);
        QFETCH(QStringList, mustContain);
        QFETCH(QStringList, mustNotContain);
        const RenderedMarkdown md = renderMarkdown(source, {QStringLiteral("dw:copy/"), QStringLiteral("Copy"), QString()});
        for (const QString& s : mustContain) QVERIFY2(md.html.contains(s), qPrintable(md.html));
        for (const QString& s : mustNotContain) QVERIFY2(!md.html.contains(s), qPrintable(md.html));
    }

    void codeBlocks() {
        const QString src = QStringLiteral(
            "Intro\n\n```python\ndef f(x):\n    return x * 2  # <b>not html</b>\n```\n\n"
            "- item\n\n      indented code\n\n> ```\n> quoted\n> ```\n");
        const RenderedMarkdown md =
            renderMarkdown(src, {QStringLiteral("dw:copy-code/7/"), QStringLiteral("Copy code"), QString()});
        QCOMPARE(md.codeBlocks.size(), 3);
        QCOMPARE(md.codeBlocks[0], QStringLiteral("def f(x):\n    return x * 2  # <b>not html</b>"));
        QCOMPARE(md.codeBlocks[1], QStringLiteral("indented code"));
        QCOMPARE(md.codeBlocks[2], QStringLiteral("quoted"));
        // One link per block, each right before its <pre>, in order.
        QCOMPARE(md.html.count(QStringLiteral("<pre")), 3);
        for (int i = 0; i < 3; ++i) {
            const QString href = QStringLiteral("<a href=\"dw:copy-code/7/%1\">Copy code</a>").arg(i);
            const qsizetype at = md.html.indexOf(href);
            QVERIFY2(at >= 0, qPrintable(md.html));
            const qsizetype pre = md.html.indexOf(QStringLiteral("<pre"), at);
            QVERIFY(pre > at);
            if (i < 2) QVERIFY(pre < md.html.indexOf(QStringLiteral("dw:copy-code/7/%1").arg(i + 1)));
        }
        QVERIFY(md.html.contains(QStringLiteral("&lt;b&gt;not html&lt;/b&gt;")));
    }

    void boxedCodeBlocks() {
        MarkdownOptions o{QStringLiteral("dw:c/"), QStringLiteral("Copy"), QStringLiteral("#eeeeee")};
        const RenderedMarkdown md = renderMarkdown(QStringLiteral("a\n\n```\nx < y\n```\n\nb\n\n    z\n"), o);
        QCOMPARE(md.codeBlocks, (QStringList{QStringLiteral("x < y"), QStringLiteral("z")}));
        QCOMPARE(md.html.count(QStringLiteral("bgcolor=\"#eeeeee\"")), 2);
        QVERIFY2(md.html.contains(QStringLiteral("<a href=\"dw:c/0\">Copy</a></td></tr><tr><td><pre style=")),
                 qPrintable(md.html));
        QVERIFY(md.html.contains(QStringLiteral("x &lt; y</code></pre></td></tr></table>")));
        QVERIFY(md.html.contains(QStringLiteral("<p>b</p>")));
        QVERIFY(md.html.indexOf(QStringLiteral("dw:c/1")) > md.html.indexOf(QStringLiteral("<p>b</p>")));
    }

    void noLinksWithoutPrefix() {
        const RenderedMarkdown md = renderMarkdown(QStringLiteral("```\ncode\n```"));
        QCOMPARE(md.codeBlocks, QStringList{QStringLiteral("code")});
        QVERIFY(!md.html.contains(QStringLiteral("<a ")));
    }

    void unfinishedFenceWhileStreaming() {
        // Mid-stream a fence may be open: the rest renders as code, nothing is lost.
        const RenderedMarkdown md = renderMarkdown(QStringLiteral("text\n```cpp\nint x = 1;\nint y"));
        QCOMPARE(md.codeBlocks, QStringList{QStringLiteral("int x = 1;\nint y")});
    }

    void emptyAndOddInput() {
        QVERIFY(renderMarkdown(QString()).html.isEmpty());
        const QString odd = QString(QChar(0xD800)) + QString::fromUtf8("x\0y", 3); // lone surrogate, NUL
        const RenderedMarkdown md = renderMarkdown(odd);
        QVERIFY(md.html.contains(QLatin1Char('x')));
    }
};

QTEST_APPLESS_MAIN(TestMarkdown)
#include "tst_markdown.moc"
