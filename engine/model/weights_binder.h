#pragma once
// Finding tensors by name and checking their shapes and types while binding weights.
#include "cpu/ops.h"
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "model/weights.h"
#include "quant/quant.h"

#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace dw::model {

inline std::string shapeStr(const std::vector<int64_t>& ne) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < ne.size(); ++i) s << (i ? ", " : "") << ne[i];
    s << "]";
    return s.str();
}

class Binder {
public:
    explicit Binder(const gguf::File& f) : m_file(f) {}

    const gguf::TensorInfo* find(const std::string& name) const { return m_file.findTensor(name); }

    const gguf::TensorInfo& require(const std::string& name) const {
        const auto* t = find(name);
        if (!t)
            throw Error(ErrorCode::Format, m_file.path() + ": tensor '" + name +
                                               "' is missing; the file is incomplete or was made "
                                               "for another architecture");
        return *t;
    }

    void checkShape(const gguf::TensorInfo& t, const std::vector<int64_t>& want) const {
        std::vector<int64_t> have(t.ne.begin(), t.ne.begin() + std::max<uint32_t>(1, t.nDims));
        while (have.size() > want.size() && have.back() == 1) have.pop_back();
        std::vector<int64_t> w = want;
        while (have.size() < w.size() && w.back() == 1) w.pop_back();
        if (have != w)
            throw Error(ErrorCode::Format, m_file.path() + ": tensor '" + t.name + "' has shape " +
                                               shapeStr(have) + ", expected " + shapeStr(want));
    }

    cpu::MatView matrix(const std::string& name, int64_t k, int64_t n) const {
        return toMat(require(name), k, n);
    }
    std::optional<cpu::MatView> optMatrix(const std::string& name, int64_t k, int64_t n) const {
        const auto* t = find(name);
        if (!t) return std::nullopt;
        return toMat(*t, k, n);
    }

    Vec vec(const std::string& name, int64_t n) const { return toVec(require(name), n); }
    Vec optVec(const std::string& name, int64_t n) const {
        const auto* t = find(name);
        return t ? toVec(*t, n) : Vec{};
    }

    // A stack of `count` matrices [k, n] stored as one tensor [k, n, count] (experts, heads).
    ExpertMats stack(const std::string& name, int64_t k, int64_t n, int64_t count) const {
        const auto& t = require(name);
        checkShape(t, {k, n, count});
        ExpertMats e;
        e.first = toMatUnchecked(t, k, n);
        e.expertStride = e.first.rowStride * size_t(n);
        e.count = int(count);
        return e;
    }

    const std::string& path() const { return m_file.path(); }

private:
    cpu::MatView toMat(const gguf::TensorInfo& t, int64_t k, int64_t n) const {
        checkShape(t, {k, n});
        return toMatUnchecked(t, k, n);
    }

    cpu::MatView toMatUnchecked(const gguf::TensorInfo& t, int64_t k, int64_t n) const {
        if (!dtypeTraits(t.type).computable || !quant::vecDotFn(t.type))
            throw Error(ErrorCode::Unsupported,
                        m_file.path() + ": tensor '" + t.name + "' has type " +
                            std::string(dtypeName(t.type)) +
                            ", which Deepwell cannot compute with yet (supported: F32, F16, BF16, "
                            "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K); "
                            "re-quantize the model to one of these");
        cpu::MatView m;
        m.type = t.type;
        m.k = k;
        m.n = n;
        m.data = t.data;
        m.rowStride = rowBytes(t.type, k);
        return m;
    }

    Vec toVec(const gguf::TensorInfo& t, int64_t n) const {
        checkShape(t, {n});
        if (!dtypeTraits(t.type).computable || dtypeTraits(t.type).quantized)
            throw Error(ErrorCode::Unsupported, m_file.path() + ": vector tensor '" + t.name +
                                                    "' has type " + std::string(dtypeName(t.type)) +
                                                    "; expected F32, F16 or BF16");
        Vec v(static_cast<size_t>(n));
        quant::dequantizeRow(t.type, t.data, v.data(), n);
        return v;
    }

    const gguf::File& m_file;
};

struct ArchInfo;

// weights.cpp / weights_moe.cpp: one layer's attention and feed-forward tensors.
void bindAttention(const Binder& b, const HParams& hp, const ArchInfo& arch, int il,
                   const std::string& prefix, LayerWeights& l);
void bindMlaAttention(const Binder& b, const HParams& hp, const std::string& prefix,
                      LayerWeights& l, std::vector<std::vector<float>>& owned);
void bindMoe(const Binder& b, const HParams& hp, const std::string& prefix, LayerWeights& l);

} // namespace dw::model
