#include "monitor_chart_view.h"

#include <QMouseEvent>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace dw {

QColor markColor(TelemetryMarkKind kind) {
    switch (kind) {
    case TelemetryMarkKind::ModelLoad:
        return QColor(0x7b, 0x1f, 0xa2);
    case TelemetryMarkKind::ModelUnload:
        return QColor(0x61, 0x61, 0x61);
    case TelemetryMarkKind::Prefill:
        return QColor(0xef, 0x6c, 0x00);
    case TelemetryMarkKind::Decode:
        return QColor(0x2e, 0x7d, 0x32);
    case TelemetryMarkKind::Other:
        return QColor(0x9e, 0x9e, 0x9e);
    }
    return Qt::gray;
}

MonitorChartView::MonitorChartView(QChart* chart, QValueAxis* timeAxis, QWidget* parent)
    : QChartView(chart, parent), m_time(timeAxis) {
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::HorizontalRubberBand);
    // The marks and bands are painted by drawForeground: repaint all of it on each change.
    setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
}

void MonitorChartView::setMarks(std::vector<TelemetryMark> marks) {
    m_marks = std::move(marks);
    viewport()->update();
}

void MonitorChartView::setBands(QList<ChartBand> bands) {
    m_bands = std::move(bands);
    viewport()->update();
}

QRectF MonitorChartView::plotInScene() const {
    return chart()->mapRectToScene(chart()->plotArea());
}

void MonitorChartView::drawForeground(QPainter* painter, const QRectF& rect) {
    QChartView::drawForeground(painter, rect);
    const QRectF plot = plotInScene();
    if (plot.isEmpty() || m_time->max() <= m_time->min()) return;
    painter->save();
    painter->setClipRect(plot);
    const auto xAt = [&](double t) {
        return plot.left() + (t - m_time->min()) / (m_time->max() - m_time->min()) * plot.width();
    };
    for (const ChartBand& b : m_bands) {
        if (!b.axis || b.axis->max() <= b.axis->min()) continue;
        const auto yAt = [&](double v) {
            return plot.bottom() -
                   (v - b.axis->min()) / (b.axis->max() - b.axis->min()) * plot.height();
        };
        QColor line = b.color;
        if (b.lo == b.hi) {
            painter->setPen(QPen(line, 1.2, Qt::DashLine));
            painter->drawLine(QPointF(plot.left(), yAt(b.lo)), QPointF(plot.right(), yAt(b.lo)));
        } else {
            QColor fill = b.color;
            fill.setAlpha(38);
            const QRectF band(QPointF(plot.left(), yAt(b.hi)), QPointF(plot.right(), yAt(b.lo)));
            painter->fillRect(band, fill);
            painter->setPen(QPen(line, 0.8, Qt::DotLine));
            painter->drawLine(band.topLeft(), band.topRight());
            painter->drawLine(band.bottomLeft(), band.bottomRight());
        }
        if (!b.label.isEmpty()) {
            QFont f = painter->font();
            f.setPointSizeF(f.pointSizeF() * 0.85);
            painter->setFont(f);
            painter->setPen(line.darker(120));
            const QRectF text(plot.left(), yAt(std::max(b.lo, b.hi)) - 16, plot.width() - 4, 15);
            painter->drawText(text, Qt::AlignRight | Qt::AlignBottom, b.label);
        }
    }
    for (const TelemetryMark& m : m_marks) {
        if (m.seconds < m_time->min() || m.seconds > m_time->max()) continue;
        const double x = xAt(m.seconds);
        const QColor c = markColor(m.kind);
        painter->setPen(QPen(c, m.kind == TelemetryMarkKind::ModelLoad ? 1.6 : 1.0, Qt::DashLine));
        painter->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        // A small flag at the top says which kind without a label per line.
        QPolygonF flag;
        flag << QPointF(x, plot.top()) << QPointF(x + 6, plot.top() + 3)
             << QPointF(x, plot.top() + 6);
        painter->setBrush(c);
        painter->setPen(Qt::NoPen);
        painter->drawPolygon(flag);
    }
    painter->restore();
}

void MonitorChartView::wheelEvent(QWheelEvent* event) {
    const QRectF plot = plotInScene();
    const double span = m_time->max() - m_time->min();
    if (plot.isEmpty() || span <= 0 || event->angleDelta().y() == 0) {
        event->ignore();
        return;
    }
    // Zoom the time axis around the time under the cursor.
    const QPointF scene = mapToScene(event->position().toPoint());
    const double f = std::clamp((scene.x() - plot.left()) / plot.width(), 0.0, 1.0);
    const double at = m_time->min() + f * span;
    const double factor = std::pow(0.85, event->angleDelta().y() / 120.0);
    const double newSpan = std::max(2.0, span * factor);
    m_time->setRange(at - f * newSpan, at + (1.0 - f) * newSpan);
    event->accept();
    emit userZoomed();
}

void MonitorChartView::mouseReleaseEvent(QMouseEvent* event) {
    const double min = m_time->min(), max = m_time->max();
    QChartView::mouseReleaseEvent(event); // rubber band zoom in, right button zoom out
    if (m_time->min() != min || m_time->max() != max) emit userZoomed();
}

} // namespace dw
