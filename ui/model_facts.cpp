#include "model_facts.h"

#include "deepwell/dtype.h"
#include "deepwell/gguf.h"
#include "deepwell/system.h"

#include <algorithm>
#include <map>

namespace dw {

namespace {

// An integer key, or the largest element of an integer array (some files store head counts
// per layer); 0 when absent or of another type. Never throws: this is a viewer.
qint64 intOrMax(const gguf::File& f, const std::string& key) {
    const gguf::Value* v = f.find(key);
    if (!v) return 0;
    if (auto i = v->toInt()) return *i;
    if (auto a = v->toIntArray(); a && !a->empty()) return *std::max_element(a->begin(), a->end());
    return 0;
}

QString fromStd(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

} // namespace

FileFacts inspectModelFile(const QString& path, qint64 contextTokens) {
    const std::string p = path.toStdString();
    FileFacts facts;
    facts.path = path;
    facts.estimate = estimateMemory(p, contextTokens); // validates like Model::load does
    const auto file = gguf::File::open(p);
    facts.fileBytes = file->fileSize();
    facts.ggufVersion = file->version();
    facts.name = fromStd(facts.estimate.name);
    facts.architecture = fromStd(facts.estimate.architecture);
    facts.tensorCount = int(file->tensors().size());

    const std::string a = facts.estimate.architecture + ".";
    facts.contextLength = intOrMax(*file, a + "context_length");
    facts.embedding = intOrMax(*file, a + "embedding_length");
    facts.layers = intOrMax(*file, a + "block_count");
    facts.feedForward = intOrMax(*file, a + "feed_forward_length");
    facts.heads = intOrMax(*file, a + "attention.head_count");
    facts.kvHeads = intOrMax(*file, a + "attention.head_count_kv");
    facts.keyLength = intOrMax(*file, a + "attention.key_length");
    facts.valueLength = intOrMax(*file, a + "attention.value_length");
    facts.experts = intOrMax(*file, a + "expert_count");
    facts.expertsUsed = intOrMax(*file, a + "expert_used_count");
    facts.expertsShared = intOrMax(*file, a + "expert_shared_count");
    facts.expertFeedForward = intOrMax(*file, a + "expert_feed_forward_length");
    facts.kvLoraRank = intOrMax(*file, a + "attention.kv_lora_rank");
    facts.ropeDimensions = intOrMax(*file, a + "rope.dimension_count");
    facts.slidingWindow = intOrMax(*file, a + "attention.sliding_window");
    if (const gguf::Value* v = file->find(a + "rope.freq_base"))
        facts.ropeBase = v->toDouble().value_or(0.0);

    if (const gguf::Value* v = file->find("tokenizer.ggml.model"); v && v->toString())
        facts.tokenizerModel = fromStd(*v->toString());
    if (const gguf::Value* v = file->find("tokenizer.ggml.pre"); v && v->toString())
        facts.tokenizerPre = fromStd(*v->toString());
    if (const gguf::Value* v = file->find("tokenizer.ggml.tokens"))
        facts.vocabSize = qint64(v->size());
    if (file->find("tokenizer.ggml.bos_token_id"))
        facts.bosId = intOrMax(*file, "tokenizer.ggml.bos_token_id");
    if (file->find("tokenizer.ggml.eos_token_id"))
        facts.eosId = intOrMax(*file, "tokenizer.ggml.eos_token_id");
    facts.hasChatTemplate = file->find("tokenizer.chat_template") != nullptr;

    std::map<std::string, TensorTypeShare> byType;
    for (const gguf::TensorInfo& t : file->tensors()) {
        TensorTypeShare& s = byType[std::string(dtypeName(t.type))];
        ++s.tensors;
        s.elements += quint64(t.nElements());
        s.bytes += t.nBytes;
    }
    for (auto& [name, share] : byType) {
        share.type = fromStd(name);
        facts.types.push_back(share);
    }
    std::sort(facts.types.begin(), facts.types.end(),
              [](const TensorTypeShare& x, const TensorTypeShare& y) { return x.bytes > y.bytes; });

    const qint64 fileType =
        file->find("general.file_type") ? intOrMax(*file, "general.file_type") : -1;
    facts.quantization = fileType >= 0 ? ModelText::fileTypeName(fileType) : QString();
    if (facts.quantization.isEmpty() && !facts.types.empty())
        facts.quantization = ModelText::tr("mostly %1").arg(facts.types.front().type);

    for (const auto& [key, value] : file->metadata()) {
        MetadataItem item;
        item.key = fromStd(key);
        item.type = value.isArray()
                        ? ModelText::tr("array of %1")
                              .arg(QLatin1String(gguf::valueTypeName(value.elementType())))
                        : QLatin1String(gguf::valueTypeName(value.type()));
        item.value = fromStd(value.describe(6));
        facts.metadata.push_back(std::move(item));
    }
    return facts;
}

MachineMemory queryMachineMemory() {
    MachineMemory m;
    m.ramAvailable = availableMemoryBytes();
    m.ramTotal = totalMemoryBytes();
    m.gpu = gpuInfo();
    return m;
}

QString ModelText::bytes(quint64 n) {
    static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = double(n);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    if (u == 0) return tr("%1 bytes").arg(n);
    return QStringLiteral("%1 %2").arg(v, 0, 'f', v < 10 ? 2 : 1).arg(QLatin1String(units[u]));
}

QString ModelText::decimalBytes(quint64 n) {
    static const char* const units[] = {"bytes", "kB", "MB", "GB", "TB"};
    double v = double(n);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    if (u == 0) return tr("%1 bytes").arg(n);
    return QStringLiteral("%1 %2").arg(v, 0, 'g', 3).arg(QLatin1String(units[u]));
}

QString ModelText::count(quint64 n) {
    if (n >= 1'000'000'000ull) return tr("%1 B").arg(double(n) / 1e9, 0, 'g', 3);
    if (n >= 1'000'000ull) return tr("%1 M").arg(double(n) / 1e6, 0, 'f', 1);
    if (n >= 1'000ull) return tr("%1 K").arg(double(n) / 1e3, 0, 'f', 1);
    return QString::number(n);
}

QString ModelText::fileTypeName(qint64 fileType) {
    // llama_ftype values (ENGINE_FACTS 1.7); informational: tensors carry their own types.
    static const std::pair<int, const char*> names[] = {
        {0, "F32"},      {1, "F16"},      {2, "Q4_0"},       {3, "Q4_1"},    {7, "Q8_0"},
        {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},      {11, "Q3_K_S"}, {12, "Q3_K_M"},
        {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"},    {16, "Q5_K_S"}, {17, "Q5_K_M"},
        {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},    {21, "Q2_K_S"}, {22, "IQ3_XS"},
        {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},    {26, "IQ3_S"},  {27, "IQ3_M"},
        {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},    {31, "IQ1_M"},  {32, "BF16"},
        {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4_MOE"}, {39, "NVFP4"},  {40, "Q1_0"},
        {41, "Q2_0"}};
    for (const auto& [id, name] : names)
        if (id == fileType) return QLatin1String(name);
    return {};
}

} // namespace dw
