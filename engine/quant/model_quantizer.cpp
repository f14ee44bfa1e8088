// Planning a whole model's quantization (the two running counters of llama-quantize, the
// re-quantization guard) and writing the quantized file through gguf::Writer's streaming
// tensors: each tensor's rows are converted on the thread pool straight into the writer's
// buffer, so peak memory is one output tensor plus the mapped input.
#include "quant/model_quantizer.h"
#include "core/thread_pool.h"
#include "deepwell/error.h"
#include "deepwell/quantize.h"
#include "quant/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <thread>

namespace dw {
namespace {

constexpr uint32_t kQuantizationVersion = 2; // general.quantization_version (ENGINE_FACTS 1.6)
constexpr int kMaxThreads = 1024;
// Rows are handed out in chunks of about this many elements: small enough to balance the
// threads and to report progress within big tensors, big enough to keep hand-out cheap.
constexpr int64_t kChunkElements = int64_t(1) << 20;

// The layer index i of a name "blk.<i>.<rest>", or -1.
int layerOf(std::string_view name) {
    constexpr std::string_view prefix = "blk.";
    if (name.substr(0, prefix.size()) != prefix) return -1;
    int64_t v = 0;
    size_t k = prefix.size();
    for (; k < name.size() && name[k] >= '0' && name[k] <= '9' && v < (int64_t(1) << 30); ++k)
        v = v * 10 + (name[k] - '0');
    if (k == prefix.size() || k >= name.size() || name[k] != '.') return -1;
    return v < (int64_t(1) << 30) ? int(v) : -1;
}

uint64_t tensorBytes(DType t, const std::array<int64_t, 4>& ne) {
    return uint64_t(rowBytes(t, ne[0])) * uint64_t(ne[1] * ne[2] * ne[3]);
}

// An integer key that may be absent or (for per-layer keys) an array: nullopt unless a scalar.
std::optional<int64_t> scalarInt(const gguf::File& file, const std::string& key) {
    const gguf::Value* v = file.find(key);
    return v && !v->isArray() ? v->toInt() : std::nullopt;
}

} // namespace

QuantizeModelInfo quantizeModelInfo(const gguf::File& file) {
    QuantizeModelInfo info;
    info.arch = file.getString("general.architecture").value_or("");
    const auto blocks = file.getInt(info.arch + ".block_count");
    if (blocks && (*blocks < 0 || *blocks > (int64_t(1) << 20)))
        throw Error(ErrorCode::Format, file.path() + ": " + info.arch + ".block_count = " +
                                           std::to_string(*blocks) + " is outside 0..1048576");
    if (blocks) {
        info.nLayer = int(*blocks);
    } else {
        for (const auto& t : file.tensors())
            info.nLayer = std::max(info.nLayer, layerOf(t.name) + 1);
    }
    info.nExpert = file.getInt(info.arch + ".expert_count").value_or(0);
    // llama.cpp's LLM_TYPE_70B for llama: 80 layers with grouped-query attention.
    const auto heads = scalarInt(file, info.arch + ".attention.head_count");
    const auto headsKv = scalarInt(file, info.arch + ".attention.head_count_kv");
    info.llama70B =
        info.arch == "llama" && info.nLayer == 80 && heads && headsKv && *heads != *headsKv;
    return info;
}

QuantizePlan planQuantization(const std::vector<gguf::TensorInfo>& tensors,
                              const QuantizeModelInfo& info, QuantMix mix,
                              const std::string& fileName) {
    using quant::TensorCategory;
    QuantizePlan plan;
    plan.mix = mix;
    bool tied = true;
    int attnVCount = 0;
    for (const auto& t : tensors) {
        if (t.name == "output.weight") tied = false;
        if (quant::tensorCategory(t.name) == TensorCategory::AttnV) ++attnVCount;
    }
    int attnVIndex = 0, ffnDownCounter = 0;
    for (const auto& t : tensors) {
        TensorChoiceInput in;
        in.name = t.name;
        in.ne = t.ne;
        in.sourceType = t.type;
        in.mix = mix;
        in.nLayer = info.nLayer;
        in.attnVIndex = attnVIndex;
        in.attnVCount = attnVCount;
        in.nExpert = info.nExpert;
        in.tiedEmbeddings = tied;
        in.llama70B = info.llama70B;
        const TensorCategory cat = quant::tensorCategory(t.name);
        const bool quantizable = isQuantizableTensor(t.name, t.ne);
        if (quantizable && cat == TensorCategory::FfnDown) {
            in.ffnDownIndex = ffnDownCounter;
            if (info.nExpert > 1) {
                // Experts' tensors need not come in layer order, so MoE models use the name.
                in.ffnDownIndex = layerOf(t.name);
                if (in.ffnDownIndex < 0 || in.ffnDownIndex >= info.nLayer)
                    throw Error(ErrorCode::Format,
                                fileName + ": tensor '" + t.name + "' carries no layer index " +
                                    "'blk.<i>.' with i < block_count " +
                                    std::to_string(info.nLayer) +
                                    ", which the ffn_down rule of MoE models needs");
            }
        }
        const TensorChoice choice = chooseTensor(in);
        if (quantizable && cat == TensorCategory::AttnV) ++attnVIndex;
        if (quantizable && cat == TensorCategory::FfnDown) ++ffnDownCounter;

        if (choice.type != t.type && dtypeTraits(t.type).quantized) {
            throw Error(ErrorCode::Unsupported,
                        fileName + ": tensor '" + t.name + "' is already " +
                            std::string(dtypeName(t.type)) + " and would become " +
                            std::string(dtypeName(choice.type)) + " in " + quantMixName(mix) +
                            "; re-quantizing loses accuracy twice, so quantize from the " +
                            "F32/F16/BF16 original instead");
        }
        TensorPlan p;
        p.name = t.name;
        p.nDims = t.nDims;
        p.ne = t.ne;
        p.sourceType = t.type;
        p.targetType = choice.type;
        p.reason = choice.reason;
        p.sourceBytes = tensorBytes(t.type, t.ne);
        p.targetBytes = tensorBytes(choice.type, t.ne);
        plan.sourceBytes += p.sourceBytes;
        plan.targetBytes += p.targetBytes;
        plan.nElements += uint64_t(t.nElements());
        plan.tensors.push_back(std::move(p));
    }
    return plan;
}

QuantizePlan planQuantization(const gguf::File& file, QuantMix mix) {
    return planQuantization(file.tensors(), quantizeModelInfo(file), mix, file.path());
}

namespace {

// Converts (or quantizes) one tensor into dst on the pool and reports progress. Runs inside a
// gguf::Writer Fill callback, on the thread that called quantizeModel.
class TensorConverter {
public:
    TensorConverter(ThreadPool& pool, const QuantizeOptions& options, QuantizeProgress& progress)
        : m_pool(pool), m_options(options), m_progress(progress) {}

    void convert(const gguf::TensorInfo& src, DType target, uint8_t* dst) {
        const int64_t ne0 = src.ne[0], rows = src.nRows();
        const size_t srcRow = rowBytes(src.type, ne0), dstRow = rowBytes(target, ne0);
        const int64_t chunkRows = std::max<int64_t>(1, kChunkElements / ne0);
        const uint64_t doneBefore = m_progress.doneElements;
        std::vector<std::vector<float>> scratch(size_t(m_pool.size()));
        std::atomic<int64_t> next{0}, doneRows{0}, badRow{-1};
        std::atomic<bool> stop{false};
        std::exception_ptr callbackError;

        m_pool.run([&](int thread, int) {
            std::vector<float>& x = scratch[size_t(thread)];
            x.resize(size_t(ne0));
            while (!stop.load(std::memory_order_relaxed) && !cancelled()) {
                const int64_t begin = next.fetch_add(chunkRows, std::memory_order_relaxed);
                if (begin >= rows) break;
                const int64_t end = std::min(rows, begin + chunkRows);
                for (int64_t r = begin; r < end; ++r) {
                    quant::dequantizeRow(src.type, src.data + size_t(r) * srcRow, x.data(), ne0);
                    if (!allFinite(x)) {
                        int64_t expected = -1;
                        badRow.compare_exchange_strong(expected, r);
                        stop.store(true);
                        return;
                    }
                    quant::quantizeRow(target, x.data(), dst + size_t(r) * dstRow, ne0);
                }
                const int64_t done = doneRows.fetch_add(end - begin) + (end - begin);
                // Only the calling thread (thread 0) calls back, so callbacks never overlap.
                if (thread == 0 && m_options.onProgress) {
                    try {
                        m_progress.doneElements = doneBefore + uint64_t(done) * uint64_t(ne0);
                        m_options.onProgress(m_progress);
                    } catch (...) {
                        callbackError = std::current_exception();
                        stop.store(true);
                    }
                }
            }
        });
        if (callbackError) std::rethrow_exception(callbackError);
        throwIfCancelled();
        if (badRow.load() >= 0)
            throw Error(ErrorCode::Format,
                        "tensor '" + src.name + "': row " + std::to_string(badRow.load()) +
                            " holds a NaN or infinite value; cannot quantize it");
        m_progress.doneElements = doneBefore + uint64_t(src.nElements());
    }

    void throwIfCancelled() const {
        if (cancelled()) throw Error(ErrorCode::Cancelled, "quantization cancelled");
    }

private:
    bool cancelled() const {
        return m_options.cancel && m_options.cancel->load(std::memory_order_relaxed);
    }
    static bool allFinite(const std::vector<float>& x) {
        for (float v : x)
            if (!std::isfinite(v)) return false;
        return true;
    }

    ThreadPool& m_pool;
    const QuantizeOptions& m_options;
    QuantizeProgress& m_progress; // written only on the calling thread
};

void checkPaths(const std::string& inPath, const std::string& outPath) {
    if (outPath.empty()) throw Error(ErrorCode::InvalidArgument, "quantize: empty output path");
    std::error_code ec;
    if (std::filesystem::equivalent(inPath, outPath, ec))
        throw Error(ErrorCode::InvalidArgument, "quantize: the output '" + outPath +
                                                    "' is the input file; write to a new file");
}

} // namespace

QuantizePlan quantizeModel(const std::string& inPath, const std::string& outPath, QuantMix mix,
                           const QuantizeOptions& options) {
    if (options.threads < 0 || options.threads > kMaxThreads)
        throw Error(ErrorCode::InvalidArgument,
                    "quantize: threads = " + std::to_string(options.threads) + " is outside 0.." +
                        std::to_string(kMaxThreads));
    checkPaths(inPath, outPath);
    const auto file = gguf::File::open(inPath);
    QuantizePlan plan = planQuantization(*file, mix);

    gguf::Writer writer(file->alignment());
    for (const auto& [key, value] : file->metadata()) writer.set(key, value);
    writer.set("general.file_type",
               gguf::Value::integer(gguf::ValueType::U32, quantMixFileType(mix)));
    writer.set("general.quantization_version",
               gguf::Value::integer(gguf::ValueType::U32, kQuantizationVersion));

    ThreadPool pool(options.threads > 0 ? options.threads : ThreadPool::hardwareThreads());
    QuantizeProgress progress;
    progress.tensorCount = plan.tensors.size();
    progress.totalElements = plan.nElements;
    TensorConverter converter(pool, options, progress);

    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const gguf::TensorInfo& src = file->tensors()[i];
        const TensorPlan& p = plan.tensors[i];
        DW_ASSERT(src.name == p.name);
        const std::vector<int64_t> ne(src.ne.begin(), src.ne.begin() + src.nDims);
        writer.addTensor(p.name, p.targetType, ne, [&, i](uint8_t* dst) {
            converter.throwIfCancelled();
            progress.tensorIndex = i;
            progress.tensorName = src.name;
            if (p.changes()) {
                converter.convert(src, p.targetType, dst);
            } else {
                std::memcpy(dst, src.data, src.nBytes);
                progress.doneElements += uint64_t(src.nElements());
            }
            if (options.onProgress) options.onProgress(progress);
        });
    }
    writer.write(outPath);
    return plan;
}

} // namespace dw
