#pragma once
// The model manager's metadata view of one row: the memory it needs against what is free,
// the figures the engine recorded once it is loaded, then architecture and hyper-parameters,
// tokenizer, tensor type mix and every metadata key of the file (or, for a catalogue model
// that is not installed, what the catalogue knows). Read-only rich text. GUI thread.
#include "engine_bridge.h"
#include "model_list_model.h"

#include <QTextBrowser>

namespace dw {

class ModelDetailsView : public QTextBrowser {
    Q_OBJECT
public:
    explicit ModelDetailsView(QWidget* parent = nullptr);

    // `loaded`: the serving model when this row is it, with its engine's memory ledger now
    // (current and peak bytes per category are shown).
    void showRow(const ModelListModel& model, int row, const ModelInfo* loaded = nullptr,
                 const LedgerSnapshot* memory = nullptr);
    void showNothing();

    // The HTML of a row, for tests and the view.
    static QString html(const ModelListModel& model, int row, const ModelInfo* loaded,
                        const LedgerSnapshot* memory);
};

} // namespace dw
