#pragma once
// Paints a list item's rich text (an item-data role holding HTML, e.g. a search hit with its
// matches in bold) word-wrapped to the view's width, in the palette's colours (selected rows
// in the highlight colours). Rows without HTML fall back to the plain delegate. GUI thread.
#include <QStyledItemDelegate>

namespace dw {

class HtmlItemDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    HtmlItemDelegate(int htmlRole, QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_role;
};

} // namespace dw
