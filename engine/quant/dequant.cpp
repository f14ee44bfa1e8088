// Scalar dequantization of every computable type (ENGINE_FACTS.md 2.1, 2.2). These loops are
// the reference the dot products and the tests are checked against; they favour following
// the formulas over speed (dequantization is used for embedding look-ups and tests only).
#include "core/fp16.h"
#include "deepwell/error.h"
#include "quant/blocks.h"
#include "quant/quant.h"
#include "quant/row_check.h"

#include <cstring>

namespace dw::quant {
namespace {

uint32_t loadU32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

void dequantQ4_0(const BlockQ4_0* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQk) {
        const float d = fp16ToFp32(b[i].d);
        for (int j = 0; j < 16; ++j) {
            y[j] = d * float((b[i].qs[j] & 15) - 8);
            y[j + 16] = d * float((b[i].qs[j] >> 4) - 8);
        }
    }
}

void dequantQ4_1(const BlockQ4_1* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQk) {
        const float d = fp16ToFp32(b[i].d);
        const float m = fp16ToFp32(b[i].m);
        for (int j = 0; j < 16; ++j) {
            y[j] = d * float(b[i].qs[j] & 15) + m;
            y[j + 16] = d * float(b[i].qs[j] >> 4) + m;
        }
    }
}

void dequantQ5_0(const BlockQ5_0* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQk) {
        const float d = fp16ToFp32(b[i].d);
        const uint32_t qh = loadU32(b[i].qh);
        for (int j = 0; j < 16; ++j) {
            const int lo = (b[i].qs[j] & 15) | int((qh >> j) & 1) << 4;
            const int hi = (b[i].qs[j] >> 4) | int((qh >> (j + 16)) & 1) << 4;
            y[j] = d * float(lo - 16);
            y[j + 16] = d * float(hi - 16);
        }
    }
}

void dequantQ5_1(const BlockQ5_1* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQk) {
        const float d = fp16ToFp32(b[i].d);
        const float m = fp16ToFp32(b[i].m);
        const uint32_t qh = loadU32(b[i].qh);
        for (int j = 0; j < 16; ++j) {
            const int lo = (b[i].qs[j] & 15) | int((qh >> j) & 1) << 4;
            const int hi = (b[i].qs[j] >> 4) | int((qh >> (j + 16)) & 1) << 4;
            y[j] = d * float(lo) + m;
            y[j + 16] = d * float(hi) + m;
        }
    }
}

void dequantQ8_0(const BlockQ8_0* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQk) {
        const float d = fp16ToFp32(b[i].d);
        for (int j = 0; j < kQk; ++j) y[j] = d * float(b[i].qs[j]);
    }
}

void dequantQ8_1(const BlockQ8_1* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQk) {
        const float d = fp16ToFp32(b[i].d);
        for (int j = 0; j < kQk; ++j) y[j] = d * float(b[i].qs[j]);
    }
}

// K-quants: element e of a super-block sits in half h = e/128 and group g = (e%128)/32 at
// l = e%32; the loops below walk (h, g, l) so that y advances in element order.
void dequantQ2_K(const BlockQ2_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        const float dmin = fp16ToFp32(b[i].dmin);
        for (int h = 0; h < 2; ++h) {
            for (int g = 0; g < 4; ++g) {
                for (int l = 0; l < 32; ++l) {
                    const int s = 8 * h + 2 * g + (l >= 16);
                    const int q = (b[i].qs[32 * h + l] >> (2 * g)) & 3;
                    *y++ = d * float(b[i].scales[s] & 15) * float(q) -
                           dmin * float(b[i].scales[s] >> 4);
                }
            }
        }
    }
}

void dequantQ3_K(const BlockQ3_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        int8_t sc[16];
        unpackScalesQ3K(b[i].scales, sc);
        for (int h = 0; h < 2; ++h) {
            for (int g = 0; g < 4; ++g) {
                for (int l = 0; l < 32; ++l) {
                    const int s = 8 * h + 2 * g + (l >= 16);
                    const int low2 = (b[i].qs[32 * h + l] >> (2 * g)) & 3;
                    const bool high = (b[i].hmask[l] >> (4 * h + g)) & 1;
                    *y++ = d * float(sc[s]) * float(low2 - (high ? 0 : 4));
                }
            }
        }
    }
}

void dequantQ4_K(const BlockQ4_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        const float dmin = fp16ToFp32(b[i].dmin);
        uint64_t sc, mn;
        unpackScalesMinsK(b[i].scales, sc, mn);
        for (int c = 0; c < 4; ++c) {
            for (int half = 0; half < 2; ++half) {
                const int j = 2 * c + half;
                const float scale = d * float((sc >> (8 * j)) & 63);
                const float offset = dmin * float((mn >> (8 * j)) & 63);
                for (int l = 0; l < 32; ++l) {
                    const int q = (b[i].qs[32 * c + l] >> (4 * half)) & 15;
                    *y++ = scale * float(q) - offset;
                }
            }
        }
    }
}

void dequantQ5_K(const BlockQ5_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        const float dmin = fp16ToFp32(b[i].dmin);
        uint64_t sc, mn;
        unpackScalesMinsK(b[i].scales, sc, mn);
        for (int c = 0; c < 4; ++c) {
            for (int half = 0; half < 2; ++half) {
                const int j = 2 * c + half;
                const float scale = d * float((sc >> (8 * j)) & 63);
                const float offset = dmin * float((mn >> (8 * j)) & 63);
                for (int l = 0; l < 32; ++l) {
                    const int q =
                        ((b[i].qs[32 * c + l] >> (4 * half)) & 15) | ((b[i].qh[l] >> j) & 1) << 4;
                    *y++ = scale * float(q) - offset;
                }
            }
        }
    }
}

void dequantQ6_K(const BlockQ6_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        for (int h = 0; h < 2; ++h) {
            for (int g = 0; g < 4; ++g) {
                for (int l = 0; l < 32; ++l) {
                    const uint8_t lowByte = b[i].ql[64 * h + 32 * (g & 1) + l];
                    const int low = (g < 2 ? lowByte : lowByte >> 4) & 15;
                    const int high = (b[i].qh[32 * h + l] >> (2 * g)) & 3;
                    const int s = 8 * h + 2 * g + l / 16;
                    *y++ = d * float(b[i].scales[s]) * float((low | high << 4) - 32);
                }
            }
        }
    }
}

void dequantQ8_K(const BlockQ8_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQkK) {
        for (int j = 0; j < kQkK; ++j) y[j] = b[i].d * float(b[i].qs[j]);
    }
}

} // namespace

void dequantizeRow(DType t, const void* src, float* dst, int64_t n) {
    const int64_t nb = checkedBlockCount(t, n, "dequantizeRow");
    switch (t) {
    case DType::F32:
        std::memcpy(dst, src, size_t(n) * 4);
        return;
    case DType::F16: {
        const auto* s = static_cast<const uint16_t*>(src);
        for (int64_t i = 0; i < n; ++i) dst[i] = fp16ToFp32(s[i]);
        return;
    }
    case DType::BF16: {
        const auto* s = static_cast<const uint16_t*>(src);
        for (int64_t i = 0; i < n; ++i) dst[i] = bf16ToFp32(s[i]);
        return;
    }
    case DType::Q4_0:
        dequantQ4_0(static_cast<const BlockQ4_0*>(src), dst, nb);
        return;
    case DType::Q4_1:
        dequantQ4_1(static_cast<const BlockQ4_1*>(src), dst, nb);
        return;
    case DType::Q5_0:
        dequantQ5_0(static_cast<const BlockQ5_0*>(src), dst, nb);
        return;
    case DType::Q5_1:
        dequantQ5_1(static_cast<const BlockQ5_1*>(src), dst, nb);
        return;
    case DType::Q8_0:
        dequantQ8_0(static_cast<const BlockQ8_0*>(src), dst, nb);
        return;
    case DType::Q8_1:
        dequantQ8_1(static_cast<const BlockQ8_1*>(src), dst, nb);
        return;
    case DType::Q2_K:
        dequantQ2_K(static_cast<const BlockQ2_K*>(src), dst, nb);
        return;
    case DType::Q3_K:
        dequantQ3_K(static_cast<const BlockQ3_K*>(src), dst, nb);
        return;
    case DType::Q4_K:
        dequantQ4_K(static_cast<const BlockQ4_K*>(src), dst, nb);
        return;
    case DType::Q5_K:
        dequantQ5_K(static_cast<const BlockQ5_K*>(src), dst, nb);
        return;
    case DType::Q6_K:
        dequantQ6_K(static_cast<const BlockQ6_K*>(src), dst, nb);
        return;
    case DType::Q8_K:
        dequantQ8_K(static_cast<const BlockQ8_K*>(src), dst, nb);
        return;
    default:
        break;
    }
    throw Error(ErrorCode::Unsupported, std::string("dequantizeRow: type ") +
                                            std::string(dtypeName(t)) +
                                            " cannot be dequantized (not computable)");
}

} // namespace dw::quant
