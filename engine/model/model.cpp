#include "core/log.h"
#include "deepwell/error.h"
#include "deepwell/thread_guard.h"
#include "model/builtin_templates.h"
#include "model/forward.h"
#include "model/hparams.h"
#include "model/model_impl.h"

#include <filesystem>

namespace dw {
namespace {

// Reads one byte per page so the mapping is resident before the first token, reporting
// progress and honouring cancellation between pages.
void touchPages(const gguf::File& file, const LoadProgress& progress) {
    const uint64_t start = file.dataOffset();
    const uint64_t size = file.fileSize() > start ? file.fileSize() - start : 0;
    const uint8_t* base = file.base() + start;
    constexpr uint64_t kPage = 4096;
    constexpr uint64_t kReportEvery = 64ull << 20;
    volatile uint8_t sink = 0;
    for (uint64_t off = 0; off < size; off += kPage) {
        sink = static_cast<uint8_t>(sink + base[off]);
        if (off % kReportEvery == 0) {
            if (progress.cancel && progress.cancel->load())
                throw Error(ErrorCode::Cancelled, file.path() + ": loading cancelled");
            if (progress.onProgress) progress.onProgress(float(off) / float(size));
        }
    }
    if (progress.onProgress) progress.onProgress(1.0f);
    (void)sink;
}

} // namespace

Model::Model() : m(std::make_unique<Impl>()) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadProgress& progress) {
    noteEngineWork("Model::load");
    std::shared_ptr<Model> model(new Model());
    Impl& d = *model->m;
    d.path = path;
    d.file = gguf::File::open(path);
    d.tokenizer = std::make_unique<Tokenizer>(vocabFromGguf(*d.file));
    d.hp = model::readHParams(*d.file, d.tokenizer->nVocab());
    d.weights = model::bindWeights(*d.file, d.hp);
    d.hp.tiedOutput = d.weights.output.data == d.weights.tokenEmbd.data;
    d.chatTemplate = d.file->getString("tokenizer.chat_template").value_or("");
    if (d.chatTemplate.empty()) {
        d.chatTemplate = model::transcriptChatTemplate();
        d.chatStops = model::transcriptStopStrings();
        d.chatTemplateBuiltin = true;
        log().info("{} has no chat template (a base model); chatting through a plain transcript", path);
    }
    d.name = d.file->getString("general.name")
                 .value_or(std::filesystem::path(path).filename().string());
    touchPages(*d.file, progress);
    log().info("loaded {} ({}, {} layers, {} MB of weights)", d.name, d.hp.archName, d.hp.nLayer,
               model->weightBytes() >> 20);
    return model;
}

const HParams& Model::hparams() const { return m->hp; }
const Tokenizer& Model::tokenizer() const { return *m->tokenizer; }
const gguf::File& Model::file() const { return *m->file; }
const std::string& Model::chatTemplate() const { return m->chatTemplate; }
bool Model::chatTemplateIsBuiltin() const { return m->chatTemplateBuiltin; }
const std::vector<std::string>& Model::chatStopStrings() const { return m->chatStops; }
const std::string& Model::path() const { return m->path; }
const std::string& Model::name() const { return m->name; }

uint64_t Model::weightBytesPerToken() const { return model::decodeReadBytes(*m->file, m->hp); }

uint64_t Model::kvBytesPerToken() const { return model::cpuKvBytesPerToken(m->hp); }

uint64_t Model::parameterCount() const {
    uint64_t n = 0;
    for (const auto& t : m->file->tensors()) n += uint64_t(t.nElements());
    return n;
}

uint64_t Model::weightBytes() const {
    uint64_t n = 0;
    for (const auto& t : m->file->tensors()) n += t.nBytes;
    return n;
}

} // namespace dw
