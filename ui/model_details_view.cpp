#include "model_details_view.h"

#include <QScrollBar>

namespace dw {

namespace {

QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

// Rows of a two-column table; empty values are left out.
class Table {
public:
    void add(const QString& label, const QString& value) {
        if (value.isEmpty()) return;
        m_html +=
            QStringLiteral("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>")
                .arg(esc(label), esc(value));
    }
    void addLines(const QString& label, const QStringList& lines) { // one value per line
        if (lines.isEmpty()) return;
        QStringList escaped;
        for (const QString& l : lines) escaped << esc(l);
        m_html +=
            QStringLiteral(
                "<tr><td style='padding-right:16px' valign='top'><b>%1</b></td><td>%2</td></tr>")
                .arg(esc(label), escaped.join(QStringLiteral("<br>")));
    }
    void add(const QString& label, qint64 value) {
        if (value > 0) add(label, QString::number(value));
    }
    QString html() const {
        return m_html.isEmpty() ? QString()
                                : QStringLiteral("<table cellspacing='2'>%1</table>").arg(m_html);
    }

private:
    QString m_html;
};

QString section(const QString& title, const QString& body) {
    if (body.isEmpty()) return {};
    return QStringLiteral("<h3>%1</h3>%2").arg(esc(title), body);
}

QString memorySection(const ModelListModel& model, int row) {
    Table t;
    const qint64 ctx = model.contextTokens();
    if (const FileFacts* f = model.facts(row)) {
        const MemoryEstimate& e = f->estimate;
        t.add(ModelDetailsView::tr("Weights (mapped from the file)"),
              ModelText::bytes(e.weightBytes));
        t.add(ModelDetailsView::tr("KV cache (%1 tokens, %2 per token)")
                  .arg(ctx)
                  .arg(ModelText::bytes(e.kvBytesPerToken)),
              ModelText::bytes(e.kvCacheBytes));
        t.add(ModelDetailsView::tr("Activations"), ModelText::bytes(e.activationBytes));
        t.add(ModelDetailsView::tr("Total"), ModelText::bytes(e.totalBytes()));
        t.add(ModelDetailsView::tr("Weights read per token"),
              ModelText::bytes(e.weightBytesPerToken));
    } else if (const CatalogueEntry* c = model.entry(row)) {
        t.add(ModelDetailsView::tr("File (weights)"),
              (c->sizeIsExact ? QString() : QStringLiteral("≈ ")) + ModelText::bytes(c->fileBytes));
        t.add(ModelDetailsView::tr("KV cache (%1 tokens, %2 per token)")
                  .arg(ctx)
                  .arg(ModelText::bytes(c->kvBytesPerToken())),
              ModelText::bytes(c->kvBytesPerToken() * quint64(ctx)));
        t.add(ModelDetailsView::tr("Total, without activations"),
              QStringLiteral("≈ ") + ModelText::bytes(c->approximateMemory(ctx)));
    }
    const MachineMemory& m = model.machine();
    if (m.ramTotal)
        t.add(ModelDetailsView::tr("Free memory (RAM)"),
              ModelDetailsView::tr("%1 of %2")
                  .arg(ModelText::bytes(m.ramAvailable), ModelText::bytes(m.ramTotal)));
    t.add(ModelDetailsView::tr("GPU"),
          m.gpu.available
              ? ModelDetailsView::tr("%1: %2 free of %3")
                    .arg(QString::fromStdString(m.gpu.name), ModelText::bytes(m.gpu.freeMemory),
                         ModelText::bytes(m.gpu.totalMemory))
              : QString::fromStdString(m.gpu.reason));
    const auto st = model.status(row);
    const bool bad = st == ModelListModel::Status::WontFit ||
                     st == ModelListModel::Status::Unreadable ||
                     st == ModelListModel::Status::Missing;
    const QString sentence = QStringLiteral("<p%1>%2</p>")
                                 .arg(bad ? QStringLiteral(" style='color:#b01e1e'") : QString(),
                                      esc(model.fitSentence(row)));
    return section(st == ModelListModel::Status::Unreadable || st == ModelListModel::Status::Missing
                       ? ModelDetailsView::tr("Problem")
                       : ModelDetailsView::tr("Memory"),
                   sentence + t.html());
}

QString loadedSection(const ModelInfo& info, const LedgerSnapshot* memory) {
    const LedgerDeviceUsage* host = memory ? memory->device(MemoryDevice::host()) : nullptr;
    Table t;
    if (host) {
        // Activations are taken at the first reply and given back after it: peak says more.
        const auto now = [&](LedgerCategory c) {
            return ModelDetailsView::tr("%1 (peak %2)")
                .arg(ModelText::bytes((*host)[c].current), ModelText::bytes((*host)[c].peak));
        };
        t.add(ModelDetailsView::tr("Weights"), now(LedgerCategory::Weights));
        t.add(ModelDetailsView::tr("KV cache"), now(LedgerCategory::KvCache));
        t.add(ModelDetailsView::tr("Activations"), now(LedgerCategory::Activations));
        t.add(ModelDetailsView::tr("Scratch"),
              (*host)[LedgerCategory::Scratch].peak ? now(LedgerCategory::Scratch) : QString());
        t.add(ModelDetailsView::tr("Total"),
              ModelDetailsView::tr("%1 (peak %2)")
                  .arg(ModelText::bytes(host->totalBytes), ModelText::bytes(host->peakTotalBytes)));
    } else {
        t.add(ModelDetailsView::tr("Weights"), ModelText::bytes(info.weightBytes));
        t.add(ModelDetailsView::tr("KV cache"), ModelText::bytes(info.kvCacheBytes));
    }
    t.add(ModelDetailsView::tr("Context per reply"), info.contextLimit);
    return section(ModelDetailsView::tr("Loaded now (the engine's memory ledger)"), t.html());
}

QString fileSections(const FileFacts& f) {
    Table arch;
    arch.add(ModelDetailsView::tr("Architecture"), f.architecture);
    arch.add(ModelDetailsView::tr("Parameters"), ModelText::count(f.estimate.parameters));
    arch.add(ModelDetailsView::tr("Quantization"), f.quantization);
    arch.add(ModelDetailsView::tr("Layers"), f.layers);
    arch.add(ModelDetailsView::tr("Embedding width"), f.embedding);
    arch.add(ModelDetailsView::tr("Feed-forward width"), f.feedForward);
    arch.add(ModelDetailsView::tr("Attention heads (query)"), f.heads);
    arch.add(ModelDetailsView::tr("Attention heads (key/value)"), f.kvHeads);
    if (f.keyLength || f.valueLength)
        arch.add(ModelDetailsView::tr("Head width (key / value)"),
                 QStringLiteral("%1 / %2").arg(f.keyLength).arg(f.valueLength));
    arch.add(ModelDetailsView::tr("Latent KV width (MLA)"), f.kvLoraRank);
    arch.add(ModelDetailsView::tr("Experts"), f.experts);
    arch.add(ModelDetailsView::tr("Experts per token"), f.expertsUsed);
    arch.add(ModelDetailsView::tr("Shared experts"), f.expertsShared);
    arch.add(ModelDetailsView::tr("Expert feed-forward width"), f.expertFeedForward);
    arch.add(ModelDetailsView::tr("Trained context"), f.contextLength);
    arch.add(ModelDetailsView::tr("Sliding window"), f.slidingWindow);
    arch.add(ModelDetailsView::tr("RoPE dimensions"), f.ropeDimensions);
    if (f.ropeBase > 0)
        arch.add(ModelDetailsView::tr("RoPE base"), QString::number(f.ropeBase, 'g', 8));
    arch.add(ModelDetailsView::tr("GGUF version"), qint64(f.ggufVersion));
    arch.add(ModelDetailsView::tr("Tensors"), f.tensorCount);

    Table tok;
    tok.add(ModelDetailsView::tr("Model / pre-tokenizer"),
            f.tokenizerPre.isEmpty()
                ? f.tokenizerModel
                : QStringLiteral("%1 / %2").arg(f.tokenizerModel, f.tokenizerPre));
    tok.add(ModelDetailsView::tr("Vocabulary"), f.vocabSize);
    if (f.bosId >= 0)
        tok.add(ModelDetailsView::tr("Begin / end of text ids"),
                QStringLiteral("%1 / %2").arg(f.bosId).arg(f.eosId));
    tok.add(ModelDetailsView::tr("Chat template"),
            f.hasChatTemplate ? ModelDetailsView::tr("in the file")
                              : ModelDetailsView::tr("none (a plain transcript is used)"));

    QString types =
        QStringLiteral(
            "<table cellspacing='2'><tr><th align='left'>%1</th><th align='right'>%2</th>"
            "<th align='right'>%3</th><th align='right'>%4</th><th align='right'>%5</th></tr>")
            .arg(esc(ModelDetailsView::tr("Type")), esc(ModelDetailsView::tr("Tensors")),
                 esc(ModelDetailsView::tr("Parameters")), esc(ModelDetailsView::tr("Bytes")),
                 esc(ModelDetailsView::tr("Share")));
    quint64 total = 0;
    for (const TensorTypeShare& s : f.types) total += s.bytes;
    for (const TensorTypeShare& s : f.types)
        types += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3</td>"
                                "<td align='right'>%4</td><td align='right'>%5%</td></tr>")
                     .arg(esc(s.type))
                     .arg(s.tensors)
                     .arg(esc(ModelText::count(s.elements)), esc(ModelText::bytes(s.bytes)))
                     .arg(total ? 100.0 * double(s.bytes) / double(total) : 0.0, 0, 'f', 1);
    types += QStringLiteral("</table>");

    QString keys = QStringLiteral("<table cellspacing='2'>");
    for (const MetadataItem& m : f.metadata)
        keys += QStringLiteral("<tr><td style='padding-right:12px'><tt>%1</tt></td><td "
                               "style='padding-right:12px'>%2</td>"
                               "<td><tt>%3</tt></td></tr>")
                    .arg(esc(m.key), esc(m.type), esc(m.value));
    keys += QStringLiteral("</table>");

    return section(ModelDetailsView::tr("Architecture and hyper-parameters"), arch.html()) +
           section(ModelDetailsView::tr("Tokenizer"), tok.html()) +
           section(ModelDetailsView::tr("Tensor types"), types) +
           section(ModelDetailsView::tr("Metadata keys (%1)").arg(f.metadata.size()), keys);
}

QString catalogueSection(const CatalogueEntry& e) {
    Table t;
    t.add(ModelDetailsView::tr("Architecture"), e.architecture);
    t.add(ModelDetailsView::tr("Parameters"), ModelText::count(e.parameters));
    if (e.activeParameters != e.parameters)
        t.add(ModelDetailsView::tr("Active per token"), ModelText::count(e.activeParameters));
    if (e.expertsRouted)
        t.add(ModelDetailsView::tr("Experts"),
              ModelDetailsView::tr("%1 routed, %2 shared, %3 per token")
                  .arg(e.expertsRouted)
                  .arg(e.expertsShared)
                  .arg(e.expertsPerToken));
    t.add(ModelDetailsView::tr("Quantization"), e.quantization);
    t.add(ModelDetailsView::tr("Trained context"), e.contextLength);
    t.add(ModelDetailsView::tr("Layers"), e.kvLayers);
    t.add(ModelDetailsView::tr("File"), e.fileName);
    const QString size =
        e.sizeIsExact ? ModelDetailsView::tr("%1 (%2 bytes)")
                            .arg(ModelText::bytes(e.fileBytes))
                            .arg(e.fileBytes)
        : e.sizeIsEstimate
            ? ModelDetailsView::tr("≈ %1 (estimated: parameters × %2 bits per weight)")
                  .arg(ModelText::bytes(e.fileBytes))
                  .arg(e.bitsPerWeight)
            : ModelDetailsView::tr("≈ %1 (%2 as published)")
                  .arg(ModelText::bytes(e.fileBytes), ModelText::decimalBytes(e.fileBytes));
    t.add(ModelDetailsView::tr("File size"), size);
    t.add(ModelDetailsView::tr("SHA-256"), e.sha256);
    t.add(ModelDetailsView::tr("Install"), e.install);
    t.add(ModelDetailsView::tr("Notes"), e.notes);
    t.addLines(ModelDetailsView::tr("Sources"), e.sources);
    return section(ModelDetailsView::tr("Catalogue"), t.html());
}

} // namespace

ModelDetailsView::ModelDetailsView(QWidget* parent) : QTextBrowser(parent) {
    setAccessibleName(tr("Model details"));
    setOpenLinks(false);
    showNothing();
}

void ModelDetailsView::showNothing() {
    setHtml(QStringLiteral("<p>%1</p>")
                .arg(esc(tr(
                    "Choose a model in the list to see what it needs and what is in its file."))));
}

void ModelDetailsView::showRow(const ModelListModel& model, int row, const ModelInfo* loaded,
                               const LedgerSnapshot* memory) {
    const int scroll = verticalScrollBar()->value(); // a refresh keeps the reader's place
    setHtml(html(model, row, loaded, memory));
    verticalScrollBar()->setValue(scroll);
}

QString ModelDetailsView::html(const ModelListModel& model, int row, const ModelInfo* loaded,
                               const LedgerSnapshot* memory) {
    const QString title = model.data(model.index(row, ModelListModel::NameColumn)).toString();
    const QString path = model.rowAt(row).path;
    QString out = QStringLiteral("<h2>%1</h2>").arg(esc(title));
    if (!path.isEmpty()) out += QStringLiteral("<p><tt>%1</tt></p>").arg(esc(path));
    out += memorySection(model, row);
    if (loaded) out += loadedSection(*loaded, memory);
    if (const FileFacts* f = model.facts(row)) out += fileSections(*f);
    if (const CatalogueEntry* e = model.entry(row)) out += catalogueSection(*e);
    return out;
}

} // namespace dw
