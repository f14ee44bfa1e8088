// Writing synthetic GGUF models: seeded random weights encoded in the asked type, metadata
// from synth_meta.cpp, tensors planned by synth_plan.cpp.
#include "core/fp16.h"
#include "deepwell/error.h"
#include "quant/quant.h"
#include "synth/synth_internal.h"
#include "synth/synth_rng.h"

#include <cmath>
#include <cstring>
#include <string>

namespace dw::synth {

namespace detail {
namespace {

int64_t elementCount(const std::vector<int64_t>& ne) {
    int64_t n = 1;
    for (int64_t d : ne) n *= d;
    return n;
}

// The values of the joint attn_kv_b of a layer, cut into attn_k_b or attn_v_b, so that both
// MLA layouts of the same seed encode the same model (ENGINE_FACTS 4.6: per head h, joint
// rows h (nope + v) + i are k_nope row i (i < nope), then v row i - nope):
//   k_b {nope, r, n_head}: k_b[h][r][i] = kv_b[h (nope + v) + i][r]   (transposed rows)
//   v_b {r, v, n_head}:    v_b[h][j][r] = kv_b[h (nope + v) + nope + j][r]
std::vector<float> splitKvB(const SynthSpec& s, const TensorPlan& t) {
    const int64_t r = s.kvLoraRank, nope = s.qkNopeDim, v = s.vHeadDim, per = nope + v;
    TensorPlan joint{
        "blk." + std::to_string(t.layer) + ".attn_kv_b.weight", {r, s.nHead * per}, Init::Matrix};
    const std::vector<float> kv = tensorValues(s, joint);
    std::vector<float> out(static_cast<size_t>(elementCount(t.ne)));
    for (int64_t h = 0; h < s.nHead; ++h) {
        if (t.init == Init::KvBSplitK) {
            for (int64_t rr = 0; rr < r; ++rr) {
                for (int64_t i = 0; i < nope; ++i) {
                    out[static_cast<size_t>(i + nope * (rr + r * h))] =
                        kv[static_cast<size_t>((h * per + i) * r + rr)];
                }
            }
        } else {
            for (int64_t j = 0; j < v; ++j) {
                for (int64_t rr = 0; rr < r; ++rr) {
                    out[static_cast<size_t>(rr + r * (j + v * h))] =
                        kv[static_cast<size_t>((h * per + nope + j) * r + rr)];
                }
            }
        }
    }
    return out;
}

void encodeRows(DType type, const std::vector<float>& v, int64_t ne0, uint8_t* dst) {
    const int64_t rows = static_cast<int64_t>(v.size()) / ne0;
    const size_t rb = rowBytes(type, ne0);
    for (int64_t r = 0; r < rows; ++r) {
        const float* src = v.data() + r * ne0;
        uint8_t* out = dst + static_cast<size_t>(r) * rb;
        if (type == DType::F32) {
            std::memcpy(out, src, rb);
        } else if (type == DType::F16 || type == DType::BF16) {
            for (int64_t i = 0; i < ne0; ++i) {
                const uint16_t h = type == DType::F16 ? fp32ToFp16(src[i]) : fp32ToBf16(src[i]);
                std::memcpy(out + 2 * i, &h, 2);
            }
        } else {
            quant::quantizeRow(type, src, out, ne0);
        }
    }
}

uint64_t tensorBytes(DType type, const std::vector<int64_t>& ne) {
    return static_cast<uint64_t>(rowBytes(type, ne[0])) *
           static_cast<uint64_t>(elementCount(ne) / ne[0]);
}

} // namespace

std::vector<float> tensorValues(const SynthSpec& s, const TensorPlan& t) {
    if (t.init == Init::KvBSplitK || t.init == Init::KvBSplitV) return splitKvB(s, t);
    const int64_t n = elementCount(t.ne);
    std::vector<float> v(static_cast<size_t>(n));
    NormalStream rng(tensorSeed(s.seed, t.name));
    const double stdMatrix = static_cast<double>(s.initScale) / std::sqrt(double(t.ne[0]));
    for (int64_t i = 0; i < n; ++i) {
        double x = 0;
        switch (t.init) {
        case Init::Matrix:
            x = stdMatrix * rng.next();
            break;
        case Init::Norm:
            x = 1.0 + 0.1 * rng.next();
            break; // gemma3 stores (1 + w): also ~1
        case Init::Bias:
            x = 0.1 * static_cast<double>(s.initScale) * rng.next();
            break;
        case Init::RopeFreqs:
            x = 1.0 + 4.0 * double(i) / double(n);
            break; // divisors 1..5
        case Init::ProbsBias:
            x = 0.2 * rng.next();
            break;
        case Init::KvBSplitK:
        case Init::KvBSplitV:
            break; // handled above
        }
        v[static_cast<size_t>(i)] = static_cast<float>(x);
    }
    return v;
}

} // namespace detail

std::vector<SynthTensor> synthTensors(const SynthSpec& spec) {
    validate(spec);
    std::vector<SynthTensor> out;
    for (const detail::TensorPlan& t : detail::planTensors(spec)) {
        const DType type = detail::tensorType(spec, t);
        out.push_back({t.name, t.ne, type, detail::tensorBytes(type, t.ne)});
    }
    return out;
}

uint64_t synthTensorBytes(const SynthSpec& spec) {
    uint64_t total = 0;
    for (const SynthTensor& t : synthTensors(spec)) total += t.nBytes;
    return total;
}

gguf::Writer buildSynthModel(const SynthSpec& spec) {
    validate(spec);
    const SynthVocab vocab = synthVocab(spec);
    gguf::Writer w;
    w.set("general.architecture", gguf::Value::string(archName(spec.arch)));
    w.set("general.name", gguf::Value::string(spec.name));
    w.set("general.file_type",
          gguf::Value::integer(gguf::ValueType::U32, detail::fileType(spec.weightType)));
    detail::setHyperParams(w, spec);
    detail::setTokenizer(w, vocab);
    bool anyQuantized = false;
    for (const detail::TensorPlan& t : detail::planTensors(spec)) {
        const DType type = detail::tensorType(spec, t);
        anyQuantized = anyQuantized || dtypeTraits(type).quantized;
        w.addTensor(t.name, type, t.ne, [spec, t, type](uint8_t* dst) {
            detail::encodeRows(type, detail::tensorValues(spec, t), t.ne[0], dst);
        });
    }
    if (anyQuantized) {
        w.set("general.quantization_version", gguf::Value::integer(gguf::ValueType::U32, 2));
    }
    return w;
}

void writeSynthModel(const SynthSpec& spec, const std::string& path,
                     const std::function<void(size_t, size_t)>& progress) {
    buildSynthModel(spec).write(path, progress);
}

std::vector<uint8_t> synthModelBytes(const SynthSpec& spec) {
    return buildSynthModel(spec).toBytes();
}

} // namespace dw::synth
