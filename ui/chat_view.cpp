#include "chat_view.h"

#include "chat_format.h"
#include "chat_session.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QElapsedTimer>
#include <QEvent>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QScrollBar>
#include <QTextCursor>
#include <QTimer>

#include <algorithm>

namespace dw {

namespace {

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

QString link(const QString& href, const QString& label) {
    return QStringLiteral("<a href=\"%1\">%2</a>").arg(href, label.toHtmlEscaped());
}

} // namespace

ChatView::ChatView(QWidget* parent) : QTextBrowser(parent) {
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setReadOnly(true);
    setTextInteractionFlags(Qt::TextBrowserInteraction);
    // Always on: a scroll bar that comes and goes changes the width, which re-wraps the text,
    // which can change the height back — a layout loop when the height sits at the edge.
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    setAccessibleName(tr("Conversation"));
    setAccessibleDescription(tr("The messages of this chat. Links copy a message or a code block, "
                                "edit a message or regenerate the last reply."));
    m_assistantName = tr("Assistant");
    connect(this, &QTextBrowser::anchorClicked, this, &ChatView::onAnchor);
    m_renderTimer.setSingleShot(true);
    connect(&m_renderTimer, &QTimer::timeout, this, &ChatView::renderNow);
    updateStyleSheet();
}

void ChatView::setSession(ChatSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_cache.assign(size_t(session ? session->count() : 0), {});
    if (session) {
        // Rows are only appended at the end, removed from some row to the end, or all replaced.
        connect(session, &ChatSession::messageAppended, this, [this](int) {
            m_cache.resize(size_t(m_session->count()));
            scheduleRebuild();
        });
        connect(session, &ChatSession::messageUpdated, this, &ChatView::invalidate);
        connect(session, &ChatSession::messagesRemoved, this, [this](int) {
            m_cache.resize(size_t(m_session->count()));
            scheduleRebuild();
        });
        connect(session, &ChatSession::cleared, this, [this] {
            m_cache.clear();
            m_cache.resize(size_t(m_session->count())); // replaceAll() brings rows of its own
            scheduleRebuild();
        });
        connect(session, &ChatSession::firstInContextChanged, this, &ChatView::scheduleRebuild);
    }
    scheduleRebuild();
}

void ChatView::setActionsEnabled(bool enabled) {
    if (enabled == m_actionsEnabled) return;
    m_actionsEnabled = enabled;
    scheduleRebuild();
}

void ChatView::setAssistantName(const QString& name) {
    m_assistantName = name.isEmpty() ? tr("Assistant") : name;
    scheduleRebuild();
}

QString ChatView::codeBlock(int row, int block) const {
    if (row < 0 || size_t(row) >= m_cache.size() || !m_cache[size_t(row)].valid) return {};
    const QStringList& blocks = m_cache[size_t(row)].md.codeBlocks;
    return block >= 0 && block < blocks.size() ? blocks[block] : QString();
}

int ChatView::codeBlockCount(int row) const {
    if (row < 0 || size_t(row) >= m_cache.size() || !m_cache[size_t(row)].valid) return 0;
    return int(m_cache[size_t(row)].md.codeBlocks.size());
}

void ChatView::invalidate(int row) {
    if (row >= 0 && size_t(row) < m_cache.size()) m_cache[size_t(row)].valid = false;
    if (m_session && row == m_session->count() - 1 && m_tailStart >= 0) {
        // The streaming case: only the last message is replaced (see rebuildTail()).
        // A long reply costs more to lay out: wait three times the last render's time (at
        // most 250 ms), so rendering never takes more than about a quarter of the GUI thread.
        m_tailPending = true;
        if (!m_rebuildPending) {
            m_rebuildPending = true;
            m_renderTimer.start(int(std::min<qint64>(250, 3 * m_lastRenderMs)));
        }
        return;
    }
    scheduleRebuild();
}

void ChatView::invalidateAll() {
    for (RowCache& c : m_cache) c.valid = false;
    scheduleRebuild();
}

void ChatView::scheduleRebuild() {
    m_fullPending = true;
    m_rebuildPending = true;
    m_renderTimer.start(0); // structural changes show at once, even over a delayed tail update
}

void ChatView::renderNow() {
    if (!m_rebuildPending) return;
    m_rebuildPending = false;
    m_renderTimer.stop();
    QElapsedTimer timer;
    timer.start();
    if (m_fullPending) rebuild();
    else if (m_tailPending) rebuildTail();
    m_fullPending = m_tailPending = false;
    m_lastRenderMs = timer.elapsed();
}

void ChatView::changeEvent(QEvent* event) {
    QTextBrowser::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        updateStyleSheet();
        invalidateAll(); // the stylesheet applies when the HTML is parsed
    }
}

QColor ChatView::codeBackground() const {
    return mix(palette().color(QPalette::Base), palette().color(QPalette::Text), 0.07);
}

void ChatView::updateStyleSheet() {
    const QColor base = palette().color(QPalette::Base), text = palette().color(QPalette::Text);
    const QString fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont).family();
    document()->setDefaultStyleSheet(
        QStringLiteral("pre { font-family: '%2', monospace; margin-top: 0px; margin-bottom: 0px; }"
                       "code { font-family: '%2', monospace; background-color: %1; }"
                       ".codebar { font-size: small; }"
                       ".meta { color: %3; font-size: small; }"
                       "th { background-color: %1; }")
            .arg(codeBackground().name(), fixed, mix(text, base, 0.45).name()));
}

const RenderedMarkdown& ChatView::rendered(int row) {
    RowCache& c = m_cache[size_t(row)];
    if (!c.valid) {
        MarkdownOptions o;
        o.copyHrefPrefix = QStringLiteral("dw:copy-code/%1/").arg(row);
        o.copyLabel = tr("Copy code");
        o.codeBackground = codeBackground().name();
        c.md = renderMarkdown(m_session->at(row).text, o);
        c.valid = true;
    }
    return c.md;
}

QString ChatView::footerHtml(int row) const {
    const ChatEntry& e = m_session->at(row);
    if (e.role != ChatRole::Assistant) return {};
    if (e.streaming) return QStringLiteral("<p class=\"meta\">%1</p>").arg(tr("Generating…"));
    QString html;
    const QString state = finishStateText(e);
    if (!state.isEmpty()) html += QStringLiteral("<p class=\"meta\"><b>%1</b></p>").arg(state.toHtmlEscaped());
    const QString stats = e.finished ? replyStatsText(e.timings) : QString();
    if (!stats.isEmpty()) html += QStringLiteral("<p class=\"meta\">%1</p>").arg(stats.toHtmlEscaped());
    return html;
}

QString ChatView::rowHtml(int row) {
    const ChatEntry& e = m_session->at(row);
    const bool user = e.role == ChatRole::User;
    const bool last = row == m_session->count() - 1;
    const QPalette p = palette();
    const QColor base = p.color(QPalette::Base);
    const QColor bg = user ? mix(base, p.color(QPalette::Highlight), 0.10)
                           : mix(base, p.color(QPalette::Text), 0.03);
    QStringList actions{link(QStringLiteral("dw:copy/%1").arg(row), tr("Copy"))};
    if (m_actionsEnabled && user) actions << link(QStringLiteral("dw:edit/%1").arg(row), tr("Edit"));
    if (m_actionsEnabled && !user && last && !e.streaming)
        actions << link(QStringLiteral("dw:regenerate"), tr("Regenerate"));
    const QString who = (user ? tr("You") : m_assistantName).toHtmlEscaped();
    QString body = rendered(row).html;
    if (body.trimmed().isEmpty() && e.streaming) body = QStringLiteral("<p>…</p>");
    return QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"10\" bgcolor=\"%1\" "
                          "style=\"margin-bottom: 8px;\"><tr><td>"
                          "<p style=\"margin: 0px;\"><b>%2</b>&nbsp;&nbsp;&nbsp;<span class=\"meta\">%3</span></p>"
                          "%4%5</td></tr></table>")
        .arg(bg.name(), who, actions.join(QStringLiteral(" · ")), body, footerHtml(row));
}

// The document is all rows but the last set as HTML, then the last row inserted at the end;
// m_tailStart remembers where it begins, so a streamed update replaces just that part
// instead of re-parsing and re-laying-out the whole conversation 25 times a second.
void ChatView::rebuild() {
    ++m_rebuilds;
    QScrollBar* bar = verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 4;
    const int oldValue = bar->value();
    QString html;
    const int n = m_session ? m_session->count() : 0;
    if (n == 0) {
        html = QStringLiteral("<p class=\"meta\" align=\"center\"><br/>%1</p>")
                   .arg(tr("Type a message below. Enter sends, Shift+Enter starts a new line, "
                           "Esc stops a reply.").toHtmlEscaped());
    }
    for (int row = 0; row < n; ++row) {
        if (row == m_session->firstInContext() && row > 0)
            html += QStringLiteral("<p class=\"meta\" align=\"center\">— %1 —</p>")
                        .arg(tr("The messages above are no longer sent to the model").toHtmlEscaped());
        if (row < n - 1) html += rowHtml(row);
    }
    setHtml(html);
    m_tailStart = -1;
    if (n > 0) {
        QTextCursor c(document());
        c.movePosition(QTextCursor::End);
        m_tailStart = c.position();
        c.insertHtml(rowHtml(n - 1));
    }
    bar->setValue(atBottom ? bar->maximum() : oldValue);
}

void ChatView::rebuildTail() {
    ++m_tailRebuilds;
    QScrollBar* bar = verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 4;
    const int oldValue = bar->value();
    QTextCursor c(document());
    c.setPosition(m_tailStart);
    c.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    c.beginEditBlock();
    c.removeSelectedText();
    c.insertHtml(rowHtml(m_session->count() - 1));
    c.endEditBlock();
    bar->setValue(atBottom ? bar->maximum() : oldValue);
}

void ChatView::onAnchor(const QUrl& url) {
    if (url.scheme() != QLatin1String("dw")) {
        if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https") ||
            url.scheme() == QLatin1String("mailto"))
            QDesktopServices::openUrl(url);
        return;
    }
    const QStringList parts = url.path().split(QLatin1Char('/'));
    const QString action = parts.value(0);
    const int row = parts.value(1).toInt();
    const bool rowOk = m_session && parts.size() >= 2 && row >= 0 && row < m_session->count();
    if (action == QLatin1String("copy") && rowOk) {
        QGuiApplication::clipboard()->setText(m_session->at(row).text);
        emit copied(tr("Message copied to the clipboard."));
    } else if (action == QLatin1String("copy-code") && rowOk && parts.size() >= 3) {
        const int block = parts.value(2).toInt();
        if (block >= 0 && block < codeBlockCount(row)) {
            QGuiApplication::clipboard()->setText(codeBlock(row, block));
            emit copied(tr("Code copied to the clipboard."));
        }
    } else if (action == QLatin1String("edit") && rowOk) {
        emit editRequested(row);
    } else if (action == QLatin1String("regenerate")) {
        emit regenerateRequested();
    }
}

} // namespace dw
