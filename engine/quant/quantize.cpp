// quantizeRow: plain types, the scalar activation quantizers and the dispatch to the weight
// quantizers (quantize_legacy.cpp, quantize_k_min.cpp, quantize_k_sym.cpp).
//
// Activation formats (Q8_0, Q8_1, Q8_K) use absmax scaling, d = max|x| / 127 and
// q = round(x * 127 / max|x|): it is what every matrix product runs on its input row, so it
// must be one pass, and the SIMD versions reproduce these bytes exactly (same float
// operations, round-to-nearest-even conversions).
#include "core/fp16.h"
#include "deepwell/error.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant.h"
#include "quant/quant_fit.h"
#include "quant/quantizers.h"
#include "quant/row_check.h"

#include <cmath>
#include <cstring>

namespace dw::quant {
namespace {

// Absmax quantization of `count` values to int8: returns d = amax / 127.
float absmaxInt8(const float* x, int count, int8_t* q) {
    float amax = 0.0f;
    for (int j = 0; j < count; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < count; ++j) q[j] = static_cast<int8_t>(roundClamp(x[j] * id, -127, 127));
    return amax / 127.0f;
}

} // namespace

void quantizeRowQ8_0Ref(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQk; ++i) {
        y[i].d = fp32ToFp16(absmaxInt8(x + i * kQk, kQk, y[i].qs));
    }
}

void quantizeRowQ8_1Ref(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQk; ++i) {
        y[i].d = fp32ToFp16(absmaxInt8(x + i * kQk, kQk, y[i].qs));
        int sum = 0;
        for (int j = 0; j < kQk; ++j) sum += y[i].qs[j];
        // s with the stored (half) d, so that m * s is exactly the offset's contribution up
        // to s's own rounding.
        y[i].s = fp32ToFp16(fp16ToFp32(y[i].d) * float(sum));
    }
}

void quantizeRowQ8_KRef(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQkK; ++i) {
        y[i].d = absmaxInt8(x + i * kQkK, kQkK, y[i].qs);
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += y[i].qs[16 * g + j];
            y[i].bsums[g] = static_cast<int16_t>(sum);
        }
    }
}

bool canQuantize(DType t) {
    switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q8_0:
    case DType::Q8_1:
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::Q8_K:
        return true;
    default:
        return false;
    }
}

void quantizeRow(DType t, const float* src, void* dst, int64_t n) {
    checkedBlockCount(t, n, "quantizeRow");
    switch (t) {
    case DType::F32:
        std::memcpy(dst, src, size_t(n) * 4);
        return;
    case DType::F16: {
        auto* y = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n; ++i) y[i] = fp32ToFp16(src[i]);
        return;
    }
    case DType::BF16: {
        auto* y = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n; ++i) y[i] = fp32ToBf16(src[i]);
        return;
    }
    case DType::Q4_0:
        quantizeRowQ4_0(src, dst, n);
        return;
    case DType::Q4_1:
        quantizeRowQ4_1(src, dst, n);
        return;
    case DType::Q5_0:
        quantizeRowQ5_0(src, dst, n);
        return;
    case DType::Q5_1:
        quantizeRowQ5_1(src, dst, n);
        return;
    case DType::Q8_0:
    case DType::Q8_1:
    case DType::Q8_K:
        activationQuantizer(t)(src, dst, n);
        return;
    case DType::Q2_K:
        quantizeRowQ2_K(src, dst, n);
        return;
    case DType::Q3_K:
        quantizeRowQ3_K(src, dst, n);
        return;
    case DType::Q4_K:
        quantizeRowQ4_K(src, dst, n);
        return;
    case DType::Q5_K:
        quantizeRowQ5_K(src, dst, n);
        return;
    case DType::Q6_K:
        quantizeRowQ6_K(src, dst, n);
        return;
    default:
        break;
    }
    throw Error(ErrorCode::Unsupported,
                std::string("quantizeRow: no quantizer for type ") + std::string(dtypeName(t)));
}

} // namespace dw::quant
