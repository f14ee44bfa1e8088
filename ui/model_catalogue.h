#pragma once
// The catalogue of known models (models/catalogue.json, compiled into the program as the
// resource :/deepwell/catalogue.json): what each needs before anyone downloads it. Plain
// values and a parser, no widgets; the model manager shows them.
//
// Format (version 1): {"format": "deepwell-model-catalogue", "version": 1, "models": [row…]}.
// A row: id, name, architecture, parameters, activeParameters, quantization, contextLength,
// kvCache {layers + (kvHeads, keyLength, valueLength) or (kvLoraRank, ropeDim)},
// file {name?, bytes, estimate, sha256?, bitsPerWeight?}, and optionally default, experts
// {routed, shared, perToken}, install, notes, sources. A broken row is left out with an error
// naming the row and the field; a broken file (not JSON, another format or version) gives
// one error and no rows.
#include <QByteArray>
#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace dw {

struct CatalogueEntry {
    QString id; // unique, [a-z0-9._-]
    QString name;
    bool isDefault = false;
    QString architecture; // general.architecture of its GGUF file
    quint64 parameters = 0;
    quint64 activeParameters = 0; // per token; == parameters for a dense model
    int expertsRouted = 0;        // 0: dense
    int expertsShared = 0;
    int expertsPerToken = 0;
    QString quantization;     // e.g. "Q4_K_M"
    qint64 contextLength = 0; // the model's trained context

    // What the KV cache holds per token and layer (Deepwell caches f32).
    int kvLayers = 0;
    int kvHeads = 0, keyLength = 0, valueLength = 0; // attention with K/V heads
    int kvLoraRank = 0, ropeDim = 0;                 // multi-head latent attention
    bool isMla() const { return kvLoraRank > 0; }

    QString fileName; // "" when no single file is named (reference rows)
    quint64 fileBytes = 0;
    bool sizeIsEstimate = false; // parameters x bitsPerWeight, not a published size
    bool sizeIsExact = false;    // a file we know byte for byte (it has a SHA-256)
    double bitsPerWeight = 0.0;  // what an estimate used
    QString sha256;
    QString install; // the command that installs it ("" when the user downloads it)
    QString notes;
    QStringList sources;

    // KV-cache bytes per token of context, as Deepwell's f32 cache stores it.
    quint64 kvBytesPerToken() const;
    // File plus KV cache for `contextTokens` (activations are not known without the file).
    quint64 approximateMemory(qint64 contextTokens) const;
};

struct CatalogueParseResult {
    std::vector<CatalogueEntry> entries;
    QStringList errors; // one per broken row or for the whole file; each names the place
};

class ModelCatalogue {
    Q_DECLARE_TR_FUNCTIONS(dw::ModelCatalogue)
public:
    static constexpr int kFormatVersion = 1;
    static constexpr const char* kFormatName = "deepwell-model-catalogue";
    static constexpr const char* kResourcePath = ":/deepwell/catalogue.json";

    // `source` names the file in messages.
    static CatalogueParseResult parse(const QByteArray& json, const QString& source);
    static CatalogueParseResult load(const QString& path); // a file or a resource path

    // Where installed models live: $XDG_CACHE_HOME/deepwell/models, else ~/.cache/deepwell/models
    // (where scripts/fetch_default_model.sh puts the default model).
    static QString defaultModelsDir();

    // The entry marked default (nullptr when none).
    static const CatalogueEntry* defaultEntry(const std::vector<CatalogueEntry>& entries);
};

} // namespace dw
