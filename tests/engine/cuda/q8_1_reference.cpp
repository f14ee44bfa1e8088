// CPU references for the CUDA kernel tests (q8_1_reference.h).
#include "q8_1_reference.h"

#include "core/fp16.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

namespace dw::cudatest {

namespace {

float half(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return fp16ToFp32(h);
}

uint32_t u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// One 32-element group of a weight row: value_i = scale[i] * n[i] + off. In the CUDA dot
// the offset multiplies s_a (offUsesSum) or d_a * sum(q_a) (the K-quant mins).
struct Group {
    int n[32];
    double scale[32];
    double off = 0.0;
    bool offUsesSum = false;
};

// Scale and min of K-quant sub-block j from the 12 packed bytes (ENGINE_FACTS 2.2).
void scaleMinK(const uint8_t* k, int j, int& sc, int& m) {
    if (j < 4) {
        sc = k[j] & 63;
        m = k[j + 4] & 63;
    } else {
        sc = (k[j + 4] & 0xF) | ((k[j - 4] >> 6) << 4);
        m = (k[j + 4] >> 4) | ((k[j] >> 6) << 4);
    }
}

Group decodeGroup(DType t, const uint8_t* row, int64_t g) {
    Group G;
    switch (t) {
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1: {
        const bool five = t == DType::Q5_0 || t == DType::Q5_1;
        const bool withMin = t == DType::Q4_1 || t == DType::Q5_1;
        const int bytes = t == DType::Q4_0   ? 18
                          : t == DType::Q4_1 ? 20
                          : t == DType::Q5_0 ? 22
                                             : 24;
        const uint8_t* b = row + g * bytes;
        const double d = half(b);
        const int qsOff = (withMin ? 4 : 2) + (five ? 4 : 0);
        const uint32_t qh = five ? u32(b + (withMin ? 4 : 2)) : 0;
        for (int i = 0; i < 32; ++i) {
            int v = i < 16 ? b[qsOff + i] & 0xF : b[qsOff + i - 16] >> 4;
            if (five) v |= int((qh >> i) & 1) << 4;
            G.n[i] = v;
            G.scale[i] = d;
        }
        G.off = withMin ? double(half(b + 2)) : (five ? -16.0 : -8.0) * d;
        G.offUsesSum = true;
        return G;
    }
    case DType::Q8_0: {
        const uint8_t* b = row + g * 34;
        const double d = half(b);
        for (int i = 0; i < 32; ++i) {
            G.n[i] = int8_t(b[2 + i]);
            G.scale[i] = d;
        }
        return G;
    }
    case DType::Q4_K:
    case DType::Q5_K: {
        const bool five = t == DType::Q5_K;
        const uint8_t* b = row + (g / 8) * (five ? 176 : 144);
        const int j = int(g % 8);
        int sc, m;
        scaleMinK(b + 4, j, sc, m);
        const uint8_t* qs = b + (five ? 48 : 16);
        for (int i = 0; i < 32; ++i) {
            const int e = 32 * j + i, c = e / 64, r = e % 64;
            const uint8_t byte = qs[32 * c + r % 32];
            int v = r < 32 ? byte & 0xF : byte >> 4;
            if (five) v += 16 * ((b[16 + e % 32] >> j) & 1);
            G.n[i] = v;
            G.scale[i] = double(half(b)) * sc;
        }
        G.off = -double(half(b + 2)) * m;
        return G;
    }
    case DType::Q6_K: {
        const uint8_t* b = row + (g / 8) * 210;
        const double d = half(b + 208);
        for (int i = 0; i < 32; ++i) {
            const int e = 32 * int(g % 8) + i, h = e / 128, r = e % 128, q = r / 32, l = r % 32;
            const uint8_t* ql = b + 64 * h + (q % 2 == 1 ? 32 : 0);
            const int low = q < 2 ? ql[l] & 0xF : ql[l] >> 4;
            const int high = (b[128 + 32 * h + l] >> (2 * q)) & 3;
            G.n[i] = (low | high << 4) - 32;
            G.scale[i] = d * int8_t(b[192 + 8 * h + 2 * q + l / 16]);
        }
        return G;
    }
    default:
        throw std::invalid_argument("decodeGroup: not a quantized type");
    }
}

} // namespace

const std::vector<DType>& quantizedTypes() {
    static const std::vector<DType> t = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                                         DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K};
    return t;
}

const std::vector<DType>& floatTypes() {
    static const std::vector<DType> t = {DType::F32, DType::F16, DType::BF16};
    return t;
}

std::vector<uint8_t> quantizeQ8_1(const float* x, int64_t k, int64_t nRows) {
    const int64_t nBlocks = nRows * (k / 32);
    std::vector<uint8_t> out(size_t(nBlocks) * 36);
    for (int64_t blk = 0; blk < nBlocks; ++blk) {
        const float* v = x + blk * 32;
        uint8_t* o = out.data() + blk * 36;
        float amax = 0.0f, sum = 0.0f;
        for (int i = 0; i < 32; ++i) {
            amax = std::max(amax, std::fabs(v[i]));
            sum += v[i];
        }
        const float d = amax / 127.0f;
        for (int i = 0; i < 32; ++i)
            o[4 + i] = uint8_t(int8_t(amax == 0.0f ? 0 : int(std::nearbyint(v[i] / d))));
        const uint16_t dh = fp32ToFp16(d), sh = fp32ToFp16(sum);
        std::memcpy(o, &dh, 2);
        std::memcpy(o + 2, &sh, 2);
    }
    return out;
}

std::vector<uint8_t> toSplitLayout(const std::vector<uint8_t>& q8_1, int64_t k, int64_t nRows,
                                   size_t splitRowBytes) {
    std::vector<uint8_t> out(splitRowBytes * size_t(nRows), 0);
    for (int64_t r = 0; r < nRows; ++r)
        for (int64_t b = 0; b < k / 32; ++b) {
            const uint8_t* in = q8_1.data() + size_t(r * (k / 32) + b) * 36;
            uint8_t* row = out.data() + size_t(r) * splitRowBytes;
            std::memcpy(row + b * 32, in + 4, 32);
            std::memcpy(row + k + b * 4, in, 4);
        }
    return out;
}

std::vector<uint8_t> fromSplitLayout(const std::vector<uint8_t>& split, int64_t k, int64_t nRows,
                                     size_t splitRowBytes) {
    std::vector<uint8_t> out(size_t(nRows * (k / 32)) * 36);
    for (int64_t r = 0; r < nRows; ++r)
        for (int64_t b = 0; b < k / 32; ++b) {
            uint8_t* o = out.data() + size_t(r * (k / 32) + b) * 36;
            const uint8_t* row = split.data() + size_t(r) * splitRowBytes;
            std::memcpy(o + 4, row + b * 32, 32);
            std::memcpy(o, row + k + b * 4, 4);
        }
    return out;
}

std::vector<double> rowNorms(DType t, const uint8_t* w, int64_t k, int64_t n, size_t rowStride) {
    std::vector<double> out(static_cast<size_t>(n));
    std::vector<float> row(static_cast<size_t>(k));
    for (int64_t r = 0; r < n; ++r) {
        dequantize(t, w + size_t(r) * rowStride, row.data(), k);
        double s = 0.0;
        for (float v : row) s += double(v) * v;
        out[size_t(r)] = std::sqrt(s);
    }
    return out;
}

std::vector<double> rowNorms(const float* x, int64_t k, int64_t nRows) {
    std::vector<double> out(static_cast<size_t>(nRows));
    for (int64_t r = 0; r < nRows; ++r) {
        double s = 0.0;
        for (int64_t j = 0; j < k; ++j) s += double(x[r * k + j]) * x[r * k + j];
        out[size_t(r)] = std::sqrt(s);
    }
    return out;
}

double dotQ8_1(DType t, const uint8_t* weightRow, const uint8_t* q8Row, int64_t k) {
    double r = 0.0;
    for (int64_t g = 0; g < k / 32; ++g) {
        const Group G = decodeGroup(t, weightRow, g);
        const uint8_t* a = q8Row + g * 36;
        const double da = half(a), sa = half(a + 2);
        double dot = 0.0;
        int qsum = 0;
        for (int i = 0; i < 32; ++i) {
            const int q = int8_t(a[4 + i]);
            dot += G.scale[i] * G.n[i] * q;
            qsum += q;
        }
        r += da * dot + G.off * (G.offUsesSum ? sa : da * qsum);
    }
    return r;
}

void dequantize(DType t, const uint8_t* row, float* out, int64_t k) {
    switch (t) {
    case DType::F32:
        std::memcpy(out, row, size_t(k) * 4);
        return;
    case DType::F16:
        for (int64_t i = 0; i < k; ++i) out[i] = half(row + 2 * i);
        return;
    case DType::BF16:
        for (int64_t i = 0; i < k; ++i) {
            uint16_t b;
            std::memcpy(&b, row + 2 * i, 2);
            out[i] = bf16ToFp32(b);
        }
        return;
    default:
        for (int64_t g = 0; g < k / 32; ++g) {
            const Group G = decodeGroup(t, row, g);
            for (int i = 0; i < 32; ++i) out[g * 32 + i] = float(G.scale[i] * G.n[i] + G.off);
        }
    }
}

std::vector<uint8_t> randomWeights(DType t, int64_t k, int64_t n, size_t rowStride, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> w(rowStride * size_t(n));
    for (auto& b : w) b = uint8_t(rng());
    std::uniform_real_distribution<float> mag(1e-3f, 0.1f), uni(-1.0f, 1.0f);
    auto putHalf = [&](uint8_t* p) {
        const float v = mag(rng) * (rng() & 1 ? 1.0f : -1.0f);
        const uint16_t h = fp32ToFp16(v);
        std::memcpy(p, &h, 2);
    };
    const auto& tr = dtypeTraits(t);
    for (int64_t r = 0; r < n; ++r) {
        uint8_t* row = w.data() + size_t(r) * rowStride;
        if (t == DType::F32 || t == DType::F16 || t == DType::BF16) {
            for (int64_t i = 0; i < k; ++i) {
                const float v = uni(rng);
                if (t == DType::F32)
                    std::memcpy(row + 4 * i, &v, 4);
                else {
                    const uint16_t h = t == DType::F16 ? fp32ToFp16(v) : fp32ToBf16(v);
                    std::memcpy(row + 2 * i, &h, 2);
                }
            }
            continue;
        }
        for (int64_t b = 0; b < k / int64_t(tr.blockSize); ++b) {
            uint8_t* blk = row + size_t(b) * tr.blockBytes;
            switch (t) {
            case DType::Q4_1:
            case DType::Q5_1:
            case DType::Q4_K:
            case DType::Q5_K:
                putHalf(blk), putHalf(blk + 2);
                break;
            case DType::Q6_K:
                putHalf(blk + 208);
                break;
            default:
                putHalf(blk); // Q4_0, Q5_0, Q8_0
            }
        }
    }
    return w;
}

std::vector<float> randomActivations(int64_t count, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(count));
    for (auto& v : x) v = uni(rng);
    for (int64_t i = 0; i < count; i += 97) x[size_t(i)] *= 16.0f; // outliers
    return x;
}

} // namespace dw::cudatest
