// Scalar reference dot products (weight row · activation row in vecDotType(weight)).
//
// Every quantized dot forms the integer sums of one block (or super-block) exactly, then
// applies the float scales once per block: for a K-quant with mins
//   dot = sum_blocks  d_a * (d * sum_j sc_j * sum_{e in j} q_e a_e  -  dmin * sum_j m_j * S_j)
// where S_j (the sum of the activation quants of sub-block j) comes from Q8_K's bsums. The
// SIMD kernels compute the same integers, so they differ from these only in the order of
// the float additions.
#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/kernels.h"

#include <cstring>

namespace dw::quant {
namespace {

uint32_t loadU32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

float dotF32(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const float*>(wv);
    const auto* a = static_cast<const float*>(av);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += double(w[i]) * double(a[i]);
    return float(sum);
}

float dotF16(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const uint16_t*>(wv);
    const auto* a = static_cast<const float*>(av);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += double(fp16ToFp32(w[i])) * double(a[i]);
    return float(sum);
}

float dotBF16(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const uint16_t*>(wv);
    const auto* a = static_cast<const float*>(av);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += double(bf16ToFp32(w[i])) * double(a[i]);
    return float(sum);
}

float dotQ4_0(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ4_0*>(wv);
    const auto* a = static_cast<const BlockQ8_0*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQk; ++i) {
        int sumi = 0;
        for (int j = 0; j < 16; ++j) {
            sumi += ((w[i].qs[j] & 15) - 8) * a[i].qs[j];
            sumi += ((w[i].qs[j] >> 4) - 8) * a[i].qs[j + 16];
        }
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(sumi);
    }
    return sum;
}

float dotQ4_1(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ4_1*>(wv);
    const auto* a = static_cast<const BlockQ8_1*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQk; ++i) {
        int sumi = 0;
        for (int j = 0; j < 16; ++j) {
            sumi += (w[i].qs[j] & 15) * a[i].qs[j];
            sumi += (w[i].qs[j] >> 4) * a[i].qs[j + 16];
        }
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(sumi) +
               fp16ToFp32(w[i].m) * fp16ToFp32(a[i].s);
    }
    return sum;
}

float dotQ5_0(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ5_0*>(wv);
    const auto* a = static_cast<const BlockQ8_0*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQk; ++i) {
        const uint32_t qh = loadU32(w[i].qh);
        int sumi = 0;
        for (int j = 0; j < 16; ++j) {
            const int lo = (w[i].qs[j] & 15) | int((qh >> j) & 1) << 4;
            const int hi = (w[i].qs[j] >> 4) | int((qh >> (j + 16)) & 1) << 4;
            sumi += (lo - 16) * a[i].qs[j] + (hi - 16) * a[i].qs[j + 16];
        }
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(sumi);
    }
    return sum;
}

float dotQ5_1(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ5_1*>(wv);
    const auto* a = static_cast<const BlockQ8_1*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQk; ++i) {
        const uint32_t qh = loadU32(w[i].qh);
        int sumi = 0;
        for (int j = 0; j < 16; ++j) {
            const int lo = (w[i].qs[j] & 15) | int((qh >> j) & 1) << 4;
            const int hi = (w[i].qs[j] >> 4) | int((qh >> (j + 16)) & 1) << 4;
            sumi += lo * a[i].qs[j] + hi * a[i].qs[j + 16];
        }
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(sumi) +
               fp16ToFp32(w[i].m) * fp16ToFp32(a[i].s);
    }
    return sum;
}

float dotQ8_0(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ8_0*>(wv);
    const auto* a = static_cast<const BlockQ8_0*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQk; ++i) {
        int sumi = 0;
        for (int j = 0; j < kQk; ++j) sumi += w[i].qs[j] * a[i].qs[j];
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(sumi);
    }
    return sum;
}

// K-quants: element e = 128h + 32g + l; its 16-element sub-block is e / 16.
float dotQ2_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ2_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQkK; ++i) {
        int sumi = 0;
        int summ = 0;
        for (int s = 0; s < 16; ++s) summ += (w[i].scales[s] >> 4) * a[i].bsums[s];
        for (int h = 0; h < 2; ++h) {
            for (int g = 0; g < 4; ++g) {
                for (int half = 0; half < 2; ++half) {
                    int sub = 0;
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int q = (w[i].qs[32 * h + l] >> (2 * g)) & 3;
                        sub += q * a[i].qs[128 * h + 32 * g + l];
                    }
                    sumi += (w[i].scales[8 * h + 2 * g + half] & 15) * sub;
                }
            }
        }
        sum += a[i].d * (fp16ToFp32(w[i].d) * float(sumi) - fp16ToFp32(w[i].dmin) * float(summ));
    }
    return sum;
}

float dotQ3_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ3_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQkK; ++i) {
        int8_t sc[16];
        unpackScalesQ3K(w[i].scales, sc);
        int sumi = 0;
        for (int h = 0; h < 2; ++h) {
            for (int g = 0; g < 4; ++g) {
                for (int half = 0; half < 2; ++half) {
                    int sub = 0;
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int low2 = (w[i].qs[32 * h + l] >> (2 * g)) & 3;
                        const int high = (w[i].hmask[l] >> (4 * h + g)) & 1;
                        sub += (low2 - (high ? 0 : 4)) * a[i].qs[128 * h + 32 * g + l];
                    }
                    sumi += sc[8 * h + 2 * g + half] * sub;
                }
            }
        }
        sum += a[i].d * fp16ToFp32(w[i].d) * float(sumi);
    }
    return sum;
}

// Q4_K and Q5_K share everything but the 5th bit: qh == nullptr for Q4_K.
float dotQ45K(const uint16_t* dPair, const uint8_t* scales, const uint8_t* qh, const uint8_t* qs,
              const BlockQ8_K& a) {
    uint64_t sc, mn;
    unpackScalesMinsK(scales, sc, mn);
    int sumi = 0;
    int summ = 0;
    for (int j = 0; j < 8; ++j) {
        const int c = j / 2;
        const int shift = 4 * (j % 2);
        int sub = 0;
        for (int l = 0; l < 32; ++l) {
            int q = (qs[32 * c + l] >> shift) & 15;
            if (qh) q |= ((qh[l] >> j) & 1) << 4;
            sub += q * a.qs[32 * j + l];
        }
        sumi += int((sc >> (8 * j)) & 63) * sub;
        summ += int((mn >> (8 * j)) & 63) * (a.bsums[2 * j] + a.bsums[2 * j + 1]);
    }
    return a.d * (fp16ToFp32(dPair[0]) * float(sumi) - fp16ToFp32(dPair[1]) * float(summ));
}

float dotQ4_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ4_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQkK; ++i) {
        const uint16_t dPair[2] = {w[i].d, w[i].dmin};
        sum += dotQ45K(dPair, w[i].scales, nullptr, w[i].qs, a[i]);
    }
    return sum;
}

float dotQ5_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ5_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQkK; ++i) {
        const uint16_t dPair[2] = {w[i].d, w[i].dmin};
        sum += dotQ45K(dPair, w[i].scales, w[i].qh, w[i].qs, a[i]);
    }
    return sum;
}

float dotQ6_K(int64_t n, const void* wv, const void* av) {
    const auto* w = static_cast<const BlockQ6_K*>(wv);
    const auto* a = static_cast<const BlockQ8_K*>(av);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQkK; ++i) {
        int sumi = 0;
        for (int h = 0; h < 2; ++h) {
            for (int g = 0; g < 4; ++g) {
                for (int half = 0; half < 2; ++half) {
                    int sub = 0;
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const uint8_t lowByte = w[i].ql[64 * h + 32 * (g & 1) + l];
                        const int low = (g < 2 ? lowByte : lowByte >> 4) & 15;
                        const int high = (w[i].qh[32 * h + l] >> (2 * g)) & 3;
                        sub += ((low | high << 4) - 32) * a[i].qs[128 * h + 32 * g + l];
                    }
                    sumi += w[i].scales[8 * h + 2 * g + half] * sub;
                }
            }
        }
        sum += a[i].d * fp16ToFp32(w[i].d) * float(sumi);
    }
    return sum;
}

// The scalar tiles: the reference every tiled kernel is tested against.
template <VecDotFn Dot>
void tileOf(int64_t n, const void* w, size_t wStride, int nRows, const void* a, size_t aStride,
            int nCols, float* out, size_t outStride) {
    tileByDots(Dot, n, w, wStride, nRows, a, aStride, nCols, out, outStride);
}

// The scalar rows: the reference every multi-row kernel is tested against.
template <VecDotFn Dot>
void rowsOf(int64_t n, const void* w, size_t wStride, int nRows, const void* a, float* out) {
    rowsByDots(Dot, n, w, wStride, nRows, a, out);
}

KernelTable makeTable() {
    KernelTable t{};
    auto set = [&t](DType type, VecDotFn f) { t.dot[static_cast<uint32_t>(type)] = f; };
    set(DType::F32, dotF32);
    set(DType::F16, dotF16);
    set(DType::BF16, dotBF16);
    set(DType::Q4_0, dotQ4_0);
    set(DType::Q4_1, dotQ4_1);
    set(DType::Q5_0, dotQ5_0);
    set(DType::Q5_1, dotQ5_1);
    set(DType::Q8_0, dotQ8_0);
    set(DType::Q2_K, dotQ2_K);
    set(DType::Q3_K, dotQ3_K);
    set(DType::Q4_K, dotQ4_K);
    set(DType::Q5_K, dotQ5_K);
    set(DType::Q6_K, dotQ6_K);
    auto setTile = [&t](DType type, VecDotTileFn f) { t.tile[static_cast<uint32_t>(type)] = f; };
    setTile(DType::F32, tileOf<dotF32>);
    setTile(DType::F16, tileOf<dotF16>);
    setTile(DType::BF16, tileOf<dotBF16>);
    setTile(DType::Q4_0, tileOf<dotQ4_0>);
    setTile(DType::Q4_1, tileOf<dotQ4_1>);
    setTile(DType::Q5_0, tileOf<dotQ5_0>);
    setTile(DType::Q5_1, tileOf<dotQ5_1>);
    setTile(DType::Q8_0, tileOf<dotQ8_0>);
    setTile(DType::Q2_K, tileOf<dotQ2_K>);
    setTile(DType::Q3_K, tileOf<dotQ3_K>);
    setTile(DType::Q4_K, tileOf<dotQ4_K>);
    setTile(DType::Q5_K, tileOf<dotQ5_K>);
    setTile(DType::Q6_K, tileOf<dotQ6_K>);
    auto setRows = [&t](DType type, VecDotRowsFn f) { t.rows[static_cast<uint32_t>(type)] = f; };
    setRows(DType::F32, rowsOf<dotF32>);
    setRows(DType::F16, rowsOf<dotF16>);
    setRows(DType::BF16, rowsOf<dotBF16>);
    setRows(DType::Q4_0, rowsOf<dotQ4_0>);
    setRows(DType::Q4_1, rowsOf<dotQ4_1>);
    setRows(DType::Q5_0, rowsOf<dotQ5_0>);
    setRows(DType::Q5_1, rowsOf<dotQ5_1>);
    setRows(DType::Q8_0, rowsOf<dotQ8_0>);
    setRows(DType::Q2_K, rowsOf<dotQ2_K>);
    setRows(DType::Q3_K, rowsOf<dotQ3_K>);
    setRows(DType::Q4_K, rowsOf<dotQ4_K>);
    setRows(DType::Q5_K, rowsOf<dotQ5_K>);
    setRows(DType::Q6_K, rowsOf<dotQ6_K>);
    t.quantizeQ8_0 = quantizeRowQ8_0Ref;
    t.quantizeQ8_1 = quantizeRowQ8_1Ref;
    t.quantizeQ8_K = quantizeRowQ8_KRef;
    return t;
}

} // namespace

const KernelTable& scalarKernelTable() {
    static const KernelTable table = makeTable();
    return table;
}

} // namespace dw::quant
