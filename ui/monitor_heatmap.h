#pragma once
// The MoE view: how often each expert of each layer was chosen, as a heatmap of layers (rows)
// × experts (columns), coloured by the expert's share of its layer's selections. Counts come
// from Engine::expertSelectionCounts() (one count per token and chosen expert); dense layers
// are empty rows and are drawn as such. GUI thread only.
#include <QWidget>

#include <cstdint>
#include <vector>

namespace dw {

class ExpertHeatmap : public QWidget {
    Q_OBJECT
public:
    explicit ExpertHeatmap(QWidget* parent = nullptr);

    // counts[layer][expert]; repaints only when they changed.
    void setCounts(std::vector<std::vector<uint64_t>> counts);
    const std::vector<std::vector<uint64_t>>& counts() const { return m_counts; }

    int layerCount() const { return int(m_counts.size()); }
    int expertCount() const { return m_experts; } // the widest layer
    // The expert's share of its layer's selections, 0..1 (0 for a layer with none).
    double share(int layer, int expert) const;
    int nonZeroCells() const;
    uint64_t totalSelections() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override; // tool tips: layer, expert, count, share

private:
    struct Geometry {
        QRectF grid; // the cells
        double cellW = 0.0, cellH = 0.0;
        QRectF scale; // the colour bar
    };
    Geometry geometry() const;
    double maxShare() const;

    std::vector<std::vector<uint64_t>> m_counts;
    std::vector<uint64_t> m_layerTotals;
    int m_experts = 0;
};

} // namespace dw
