#pragma once
// What the model manager shows about a GGUF file and the machine, as plain values built off
// the GUI thread (inspectModelFile maps and validates the whole header; for a big model with
// a 150k-token vocabulary that takes a moment), and the formatting shared by its views.
#include "deepwell/device_info.h"
#include "deepwell/memory_estimate.h"

#include <QCoreApplication>
#include <QMetaType>
#include <QString>

#include <vector>

namespace dw {

struct TensorTypeShare {
    QString type; // "Q4_K", "F32", ...
    int tensors = 0;
    quint64 elements = 0;
    quint64 bytes = 0;
};

struct MetadataItem {
    QString key;
    QString type;  // "u32", "string", "array of string", ...
    QString value; // short form; arrays show their first items
};

struct FileFacts {
    QString path;
    quint64 fileBytes = 0;
    quint32 ggufVersion = 0;
    QString name;
    QString architecture;
    QString quantization; // from general.file_type ("Q4_K_M"), else the dominant tensor type
    MemoryEstimate estimate;

    // Hyper-parameters as the file states them; 0 when the key is absent.
    qint64 contextLength = 0, embedding = 0, layers = 0, feedForward = 0;
    qint64 heads = 0, kvHeads = 0, keyLength = 0, valueLength = 0;
    qint64 experts = 0, expertsUsed = 0, expertsShared = 0, expertFeedForward = 0;
    qint64 kvLoraRank = 0, ropeDimensions = 0, slidingWindow = 0;
    double ropeBase = 0.0;

    QString tokenizerModel, tokenizerPre;
    qint64 vocabSize = 0;
    qint64 bosId = -1, eosId = -1;
    bool hasChatTemplate = false;

    std::vector<TensorTypeShare> types; // most bytes first
    std::vector<MetadataItem> metadata; // in file order
    int tensorCount = 0;
};

// Everything above for `path`, with the memory estimate for `contextTokens`. Throws dw::Error
// (Io, Format, Unsupported) like Model::load for a file it cannot use. Any thread but the GUI's.
FileFacts inspectModelFile(const QString& path, qint64 contextTokens);

struct MachineMemory {
    quint64 ramAvailable = 0; // bytes; 0 when unknown
    quint64 ramTotal = 0;
    GpuInfo gpu; // gpu.available false with a reason when there is none
};

// Reads /proc and asks the GPU backend; may take a moment the first time (driver start).
MachineMemory queryMachineMemory();

// "241.4 MiB", "10.4 GB" style texts and the fit sentence, translated.
class ModelText {
    Q_DECLARE_TR_FUNCTIONS(dw::ModelText)
public:
    static QString bytes(quint64 n);              // binary units: 253113024 -> "241.4 MiB"
    static QString decimalBytes(quint64 n);       // published sizes: 10400000000 -> "10.4 GB"
    static QString count(quint64 n);              // 268098176 -> "268.1 M", 6.71e11 -> "671 B"
    static QString fileTypeName(qint64 fileType); // general.file_type -> "Q4_K_M" ("" unknown)
};

} // namespace dw

Q_DECLARE_METATYPE(dw::FileFacts)
Q_DECLARE_METATYPE(dw::MachineMemory)
