#pragma once
// GitHub-flavoured Markdown (cmark-gfm with the table, strikethrough and autolink extensions)
// rendered to the HTML subset QTextDocument understands. Raw HTML in the source is never
// passed through (cmark's safe mode): model output cannot inject markup.
#include <QString>
#include <QStringList>

namespace dw {

struct RenderedMarkdown {
    QString html;           // a fragment (no <html>/<body>), ready for QTextBrowser
    QStringList codeBlocks; // the raw text of each fenced or indented code block, in order
};

struct MarkdownOptions {
    // Each code block is preceded by a link whose href is copyHrefPrefix + the block's index
    // (e.g. "dw:copy-code/3/" + "0"); empty: no links.
    QString copyHrefPrefix;
    QString copyLabel;      // the link's text (translated by the caller)
    // Non-empty: each code block sits in a padded box of this colour ("#rrggbb"), with the
    // copy link in the box's top right corner. (QTextDocument has no padding on <pre>.)
    QString codeBackground;
};

// Never throws; text that is not Markdown comes back as paragraphs. Single newlines are line
// breaks (chat text is typed line by line), tables get visible borders, <del> becomes <s>
// (QTextDocument knows only the latter).
RenderedMarkdown renderMarkdown(const QString& text, const MarkdownOptions& options = {});

} // namespace dw
