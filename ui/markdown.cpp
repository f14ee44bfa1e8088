// cmark-gfm to QTextDocument HTML. Code blocks are found twice: in the syntax tree (for their
// raw text) and as "<pre" in the rendered HTML (to add the copy link to each). In safe
// mode every "<pre" of the output comes from a code block — a literal "<pre" typed in the
// text is escaped to "&lt;pre" and raw HTML blocks are omitted — and both walks run in
// document order, so the i-th "<pre" is the i-th code block.
#include "markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <cstdlib>
#include <memory>

namespace dw {

namespace {

void ensureExtensionsRegistered() {
    static const bool registered = [] {
        cmark_gfm_core_extensions_ensure_registered();
        return true;
    }();
    (void)registered;
}

struct ParserDeleter {
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
    void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

QStringList collectCodeBlocks(cmark_node* document) {
    QStringList blocks;
    std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(document));
    for (cmark_event_type ev = cmark_iter_next(iter.get()); ev != CMARK_EVENT_DONE;
         ev = cmark_iter_next(iter.get())) {
        cmark_node* node = cmark_iter_get_node(iter.get());
        if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK) {
            const char* literal = cmark_node_get_literal(node);
            QString text = QString::fromUtf8(literal ? literal : "");
            if (text.endsWith(QLatin1Char('\n'))) text.chop(1); // cmark keeps the final newline
            blocks << text;
        }
    }
    return blocks;
}

// QTextDocument draws no table borders unless asked (cmark writes a bare <table>), and knows
// <s> but not <del>.
QString adaptTags(QString html) {
    html.replace(QStringLiteral("<table>"),
                 QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" "
                                "style=\"border-collapse: collapse; border-color: #9a9a9a;\">"));
    html.replace(QStringLiteral("<del>"), QStringLiteral("<s>"));
    html.replace(QStringLiteral("</del>"), QStringLiteral("</s>"));
    // cmark ends code with a newline, which QTextDocument shows as an empty last line.
    html.replace(QStringLiteral("\n</code></pre>"), QStringLiteral("</code></pre>"));
    return html;
}

// The i-th "<pre" ... "</pre>" gets the copy link (and, with a background, a padded box).
QString decorateCodeBlocks(const QString& html, int nBlocks, const MarkdownOptions& o) {
    const bool links = !o.copyHrefPrefix.isEmpty();
    const bool boxed = !o.codeBackground.isEmpty();
    if ((!links && !boxed) || nBlocks == 0) return html;
    static const QString kEnd = QStringLiteral("</pre>");
    QString out;
    out.reserve(html.size() + nBlocks * 256);
    qsizetype from = 0;
    for (int i = 0; i < nBlocks; ++i) {
        const qsizetype at = html.indexOf(QStringLiteral("<pre"), from);
        const qsizetype end = at < 0 ? -1 : html.indexOf(kEnd, at);
        if (end < 0) break;
        out += QStringView(html).mid(from, at - from);
        const QString link = links ? QStringLiteral("<a href=\"%1%2\">%3</a>")
                                         .arg(o.copyHrefPrefix.toHtmlEscaped())
                                         .arg(i)
                                         .arg(o.copyLabel.toHtmlEscaped())
                                   : QString();
        const QStringView pre = QStringView(html).mid(at, end + kEnd.size() - at);
        if (boxed) {
            out += QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"6\" "
                                  "bgcolor=\"%1\" style=\"margin-top: 4px; margin-bottom: 8px;\">")
                       .arg(o.codeBackground);
            if (links) out += QStringLiteral("<tr><td align=\"right\" class=\"codebar\">%1</td></tr>").arg(link);
            out += QStringLiteral("<tr><td>");
            out += QStringLiteral("<pre style=\"margin-top: 0px; margin-bottom: 0px;\"");
            out += pre.mid(4); // after "<pre"
            out += QStringLiteral("</td></tr></table>");
        } else {
            out += QStringLiteral("<p class=\"codebar\" align=\"right\">%1</p>").arg(link);
            out += pre;
        }
        from = end + kEnd.size();
    }
    out += QStringView(html).mid(from);
    return out;
}

} // namespace

RenderedMarkdown renderMarkdown(const QString& text, const MarkdownOptions& options) {
    ensureExtensionsRegistered();
    const int cmarkOptions = CMARK_OPT_DEFAULT | CMARK_OPT_HARDBREAKS |
                             CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE | CMARK_OPT_VALIDATE_UTF8;
    std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(cmarkOptions));
    for (const char* name : {"table", "strikethrough", "autolink"}) {
        if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
            cmark_parser_attach_syntax_extension(parser.get(), ext);
    }
    const QByteArray utf8 = text.toUtf8();
    cmark_parser_feed(parser.get(), utf8.constData(), size_t(utf8.size()));
    std::unique_ptr<cmark_node, NodeDeleter> document(cmark_parser_finish(parser.get()));

    RenderedMarkdown out;
    if (!document) { // only on allocation failure inside cmark
        out.html = QStringLiteral("<p>%1</p>").arg(text.toHtmlEscaped());
        return out;
    }
    out.codeBlocks = collectCodeBlocks(document.get());
    char* raw = cmark_render_html(document.get(), cmarkOptions,
                                  cmark_parser_get_syntax_extensions(parser.get()));
    QString html = QString::fromUtf8(raw ? raw : "");
    std::free(raw); // cmark's default allocator is malloc
    out.html = decorateCodeBlocks(adaptTags(html), int(out.codeBlocks.size()), options);
    return out;
}

} // namespace dw
