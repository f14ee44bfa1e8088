#include "html_item_delegate.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QPainter>
#include <QTextDocument>

#include <algorithm>
#include <cmath>

namespace dw {

namespace {

constexpr int kPadding = 6; // around the text, inside the row

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

// The document for a row, laid out at `width` pixels: text in `color`, class "meta" (a
// secondary line) halfway to `background`.
void prepare(QTextDocument& doc, const QString& html, const QFont& font, int width,
             const QColor& color, const QColor& background) {
    doc.setDefaultFont(font);
    doc.setDocumentMargin(0);
    doc.setDefaultStyleSheet(QStringLiteral("body { color: %1; } .meta { color: %2; }")
                                 .arg(color.name(), mix(color, background, 0.4).name()));
    doc.setHtml(QStringLiteral("<body>%1</body>").arg(html));
    doc.setTextWidth(std::max(40, width - 2 * kPadding));
}

} // namespace

HtmlItemDelegate::HtmlItemDelegate(int htmlRole, QObject* parent)
    : QStyledItemDelegate(parent), m_role(htmlRole) {}

void HtmlItemDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                             const QModelIndex& index) const {
    const QString html = index.data(m_role).toString();
    if (html.isEmpty()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear(); // the background, selection and focus frame only
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorGroup group =
        option.state & QStyle::State_Active ? QPalette::Active : QPalette::Inactive;
    QTextDocument doc;
    prepare(doc, html, option.font, option.rect.width(),
            option.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text),
            option.palette.color(group, selected ? QPalette::Highlight : QPalette::Base));
    painter->save();
    painter->translate(option.rect.topLeft() + QPoint(kPadding, kPadding));
    painter->setClipRect(
        QRect(0, 0, option.rect.width() - 2 * kPadding, option.rect.height() - 2 * kPadding));
    doc.drawContents(painter);
    painter->restore();
}

QSize HtmlItemDelegate::sizeHint(const QStyleOptionViewItem& option,
                                 const QModelIndex& index) const {
    const QString html = index.data(m_role).toString();
    if (html.isEmpty()) return QStyledItemDelegate::sizeHint(option, index);
    // The view's width: rows wrap to it (the view relayouts on resize, see HistoryPanel).
    int width = option.rect.width();
    if (const auto* view = qobject_cast<const QAbstractItemView*>(option.widget))
        width = view->viewport()->width();
    QTextDocument doc;
    prepare(doc, html, option.font, width, Qt::black, Qt::white);
    return QSize(width, int(std::ceil(doc.size().height())) + 2 * kPadding);
}

} // namespace dw
