#pragma once
// A QChartView of the monitor's timeline that also draws, over the plot area, the event marks
// (vertical lines: model load, prefill, decode) and the threshold bands (a shaded range or a
// dashed limit line on one of the chart's value axes). Zoom: drag a horizontal rubber band,
// turn the wheel (x only, around the cursor), right-click to zoom out; each emits userZoomed()
// so the timeline can give its other charts the same time range. GUI thread only.
#include "deepwell/telemetry.h"

#include <QChartView>
#include <QList>
#include <QValueAxis>

#include <vector>

namespace dw {

struct ChartBand {
    QValueAxis* axis = nullptr; // the value axis lo and hi are on
    double lo = 0.0, hi = 0.0;  // lo == hi: a dashed limit line
    QColor color;
    QString label; // drawn at the band's right end
};

QColor markColor(TelemetryMarkKind kind);

class MonitorChartView : public QChartView {
    Q_OBJECT
public:
    // `chart` is taken over; `timeAxis` is its x axis.
    MonitorChartView(QChart* chart, QValueAxis* timeAxis, QWidget* parent = nullptr);

    void setMarks(std::vector<TelemetryMark> marks);
    void setBands(QList<ChartBand> bands);
    const std::vector<TelemetryMark>& marks() const { return m_marks; }
    const QList<ChartBand>& bands() const { return m_bands; }
    QValueAxis* timeAxis() const { return m_time; }

signals:
    void userZoomed();

protected:
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    void wheelEvent(QWheelEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    QRectF plotInScene() const;

    QValueAxis* m_time;
    std::vector<TelemetryMark> m_marks;
    QList<ChartBand> m_bands;
};

} // namespace dw
