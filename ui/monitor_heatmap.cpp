#include "monitor_heatmap.h"

#include "monitor_format.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace dw {

namespace {

constexpr int kPad = 6;
constexpr int kScaleWidth = 14;

// Sequential blue ramp (light = rarely chosen, dark = often), t in [0, 1].
QColor rampColor(double t) {
    t = std::clamp(t, 0.0, 1.0);
    const QColor lo(0xe8, 0xf1, 0xfa), hi(0x08, 0x30, 0x6b);
    return QColor::fromRgbF(float(lo.redF() + (hi.redF() - lo.redF()) * t),
                            float(lo.greenF() + (hi.greenF() - lo.greenF()) * t),
                            float(lo.blueF() + (hi.blueF() - lo.blueF()) * t));
}

} // namespace

ExpertHeatmap::ExpertHeatmap(QWidget* parent) : QWidget(parent) {
    setAccessibleName(tr("Expert selection heatmap"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ExpertHeatmap::setCounts(std::vector<std::vector<uint64_t>> counts) {
    if (counts == m_counts) return;
    m_counts = std::move(counts);
    m_layerTotals.assign(m_counts.size(), 0);
    m_experts = 0;
    for (size_t l = 0; l < m_counts.size(); ++l) {
        for (uint64_t v : m_counts[l]) m_layerTotals[l] += v;
        m_experts = std::max(m_experts, int(m_counts[l].size()));
    }
    updateGeometry();
    update();
}

double ExpertHeatmap::share(int layer, int expert) const {
    if (layer < 0 || layer >= layerCount() || expert < 0 ||
        expert >= int(m_counts[size_t(layer)].size()))
        return 0.0;
    const uint64_t total = m_layerTotals[size_t(layer)];
    return total ? double(m_counts[size_t(layer)][size_t(expert)]) / double(total) : 0.0;
}

int ExpertHeatmap::nonZeroCells() const {
    int n = 0;
    for (const auto& layer : m_counts)
        n += int(std::count_if(layer.begin(), layer.end(), [](uint64_t v) { return v > 0; }));
    return n;
}

uint64_t ExpertHeatmap::totalSelections() const {
    uint64_t n = 0;
    for (uint64_t t : m_layerTotals) n += t;
    return n;
}

double ExpertHeatmap::maxShare() const {
    double m = 0.0;
    for (int l = 0; l < layerCount(); ++l)
        for (int e = 0; e < int(m_counts[size_t(l)].size()); ++e) m = std::max(m, share(l, e));
    return m;
}

QSize ExpertHeatmap::sizeHint() const {
    return {640, std::clamp(40 + 14 * layerCount(), 160, 720)};
}
QSize ExpertHeatmap::minimumSizeHint() const {
    return {240, 120};
}

ExpertHeatmap::Geometry ExpertHeatmap::geometry() const {
    const QFontMetrics fm(font());
    const int labelW =
        fm.horizontalAdvance(tr("Layer %1").arg(std::max(0, layerCount() - 1))) + kPad;
    const int scaleLabelW = fm.horizontalAdvance(MonitorFormat::percent(100.0)) + kPad;
    const int top = fm.height() + kPad; // expert numbers
    Geometry g;
    const double w = width() - labelW - kPad - kScaleWidth - scaleLabelW - 2 * kPad;
    const double h = height() - top - kPad - fm.height() - kPad; // caption below
    if (m_experts == 0 || layerCount() == 0 || w <= 0 || h <= 0) return g;
    g.cellW = w / m_experts;
    g.cellH = std::min(h / layerCount(), std::max(g.cellW, 18.0)); // no stretched bars
    g.grid = QRectF(labelW, top, g.cellW * m_experts, g.cellH * layerCount());
    g.scale = QRectF(g.grid.right() + 2 * kPad, top, kScaleWidth, std::max(g.grid.height(), 60.0));
    return g;
}

void ExpertHeatmap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().window());
    const Geometry g = geometry();
    if (g.grid.isEmpty()) return;
    const QFontMetrics fm(font());
    const double top = maxShare();

    for (int l = 0; l < layerCount(); ++l) {
        const auto& row = m_counts[size_t(l)];
        for (int e = 0; e < m_experts; ++e) {
            const QRectF cell(g.grid.left() + e * g.cellW, g.grid.top() + l * g.cellH, g.cellW,
                              g.cellH);
            if (e >= int(row.size())) { // a dense layer among MoE ones
                p.fillRect(cell, palette().window());
                continue;
            }
            const double s = share(l, e);
            p.fillRect(cell, row[size_t(e)] == 0 ? QColor(0xfa, 0xfa, 0xfa)
                                                 : rampColor(top > 0 ? s / top : 0.0));
        }
    }
    // Cell borders only while they are wide enough to see between.
    if (g.cellW >= 6 && g.cellH >= 6) {
        p.setPen(QPen(QColor(255, 255, 255), 1));
        for (int e = 1; e < m_experts; ++e)
            p.drawLine(QPointF(g.grid.left() + e * g.cellW, g.grid.top()),
                       QPointF(g.grid.left() + e * g.cellW, g.grid.bottom()));
        for (int l = 1; l < layerCount(); ++l)
            p.drawLine(QPointF(g.grid.left(), g.grid.top() + l * g.cellH),
                       QPointF(g.grid.right(), g.grid.top() + l * g.cellH));
    }
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(g.grid);

    // Layer labels every n rows and expert numbers every n columns, as room allows.
    p.setPen(palette().color(QPalette::Text));
    const int layerStep = std::max(1, int(std::ceil(fm.height() / std::max(1.0, g.cellH))));
    for (int l = 0; l < layerCount(); l += layerStep)
        p.drawText(QRectF(0, g.grid.top() + l * g.cellH, g.grid.left() - kPad, g.cellH),
                   Qt::AlignRight | Qt::AlignVCenter, tr("Layer %1").arg(l));
    const int digitW = fm.horizontalAdvance(QString::number(m_experts - 1)) + 4;
    const int expertStep = std::max(1, int(std::ceil(digitW / std::max(1.0, g.cellW))));
    for (int e = 0; e < m_experts; e += expertStep)
        p.drawText(QRectF(g.grid.left() + e * g.cellW - 20, 0, g.cellW + 40, g.grid.top() - 2),
                   Qt::AlignHCenter | Qt::AlignBottom, QString::number(e));

    // Colour bar: 0 at the bottom, the largest share at the top.
    QLinearGradient ramp(g.scale.bottomLeft(), g.scale.topLeft());
    for (int i = 0; i <= 10; ++i) ramp.setColorAt(i / 10.0, rampColor(i / 10.0));
    p.fillRect(g.scale, ramp);
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(g.scale);
    p.setPen(palette().color(QPalette::Text));
    const QRectF labels(g.scale.right() + 4, g.scale.top() - fm.height() / 2.0, width(),
                        g.scale.height() + fm.height());
    p.drawText(labels, Qt::AlignLeft | Qt::AlignTop, MonitorFormat::percent(100.0 * top));
    p.drawText(labels, Qt::AlignLeft | Qt::AlignBottom, MonitorFormat::percent(0.0));
    const double captionTop = std::max(g.grid.bottom(), g.scale.bottom()) + kPad;
    p.drawText(QRectF(g.grid.left(), captionTop, width() - g.grid.left(), fm.height() + 2),
               Qt::AlignLeft | Qt::AlignTop,
               tr("Experts →   colour: share of the layer's selections · %1 selections")
                   .arg(MonitorFormat::count(int64_t(totalSelections()))));
}

bool ExpertHeatmap::event(QEvent* event) {
    if (event->type() != QEvent::ToolTip) return QWidget::event(event);
    auto* help = static_cast<QHelpEvent*>(event);
    const Geometry g = geometry();
    if (!g.grid.contains(help->pos())) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    const int e = int((help->pos().x() - g.grid.left()) / g.cellW);
    const int l = int((help->pos().y() - g.grid.top()) / g.cellH);
    if (l >= layerCount() || e >= int(m_counts[size_t(l)].size())) {
        QToolTip::showText(help->globalPos(), tr("Layer %1: dense (no experts)").arg(l), this);
        return true;
    }
    QToolTip::showText(help->globalPos(),
                       tr("Layer %1, expert %2: %3 selections (%4 of the layer)")
                           .arg(l)
                           .arg(e)
                           .arg(MonitorFormat::count(int64_t(m_counts[size_t(l)][size_t(e)])),
                                MonitorFormat::percent(100.0 * share(l, e), 1)),
                       this);
    return true;
}

} // namespace dw
