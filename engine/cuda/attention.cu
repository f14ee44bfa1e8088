// Decode attention over a contiguous KV cache: split-KV flash-decoding (CUDA_FACTS 5.2),
// the twin of cpu::attention.
//
// Keys [kStart, kEnd) (kStart: first key any query token may see; kEnd = pos0 + nTokens)
// are cut into chunks of kAttentionChunk. CTA (chunk c, kv head g, token t) handles the
// gqa query heads of kv head g, kHeadGroup at a time so each K/V row is read once per
// group: scores (one warp per key, lanes over the head dim) -> shared memory; per head
// m = max, p = exp(s - m), l = sum p; o = sum p * v. Partials (m, l, o) go to the scratch;
// the combine kernel merges the chunks: M = max m_c, L = sum l_c e^(m_c - M),
// O = sum o_c e^(m_c - M) / L. Masked keys (causal, sliding window) score -inf; a chunk
// with no visible key has m = -inf, l = 0 and drops out of the combine.
#include "cuda/common.cuh"
#include "cuda/ops.h"

#include <algorithm>

namespace dw::cuda {

namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kHeadGroup = kWarps; // one warp per head in the softmax step
constexpr int kMaxHeadDim = 256;
constexpr int kQRegs = kMaxHeadDim / 32;       // q/k values per lane
constexpr int kORegs = kMaxHeadDim / kThreads; // output dims per thread
constexpr int kChunk = kAttentionChunk;

struct AttnArgs {
    const float* q;
    const void* k;
    const void* v;
    float* partO; // [dv, nChunks, nHead, nTokens]
    float* partM; // [nChunks, nHead, nTokens]
    float* partL;
    float* out;
    int64_t kStride, vStride, pos0, kStart, kEnd;
    int nHead, gqa, dk, dv, window, nChunks;
    float scale, softcap;
};

template <typename KV> __device__ __forceinline__ float loadKv(const KV* p) {
    if constexpr (sizeof(KV) == 4)
        return *p;
    else
        return __half2float(*p);
}

template <typename KV>
__global__ void __launch_bounds__(kThreads) attentionSplitKernel(AttnArgs a) {
    __shared__ float sP[kHeadGroup][kChunk]; // scores, then probabilities
    __shared__ float sM[kHeadGroup], sL[kHeadGroup];
    const int c = blockIdx.x, g = blockIdx.y, t = blockIdx.z;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int64_t qPos = a.pos0 + t;
    const int64_t first = a.window > 0 && qPos - a.window + 1 > 0 ? qPos - a.window + 1 : 0;
    const int64_t c0 = a.kStart + int64_t(c) * kChunk;
    const int64_t c1 = c0 + kChunk < a.kEnd ? c0 + kChunk : a.kEnd;
    const int len = int(c1 - c0);
    const KV* kBase = static_cast<const KV*>(a.k) + int64_t(g) * a.dk;
    const KV* vBase = static_cast<const KV*>(a.v) + int64_t(g) * a.dv;

    for (int hg = 0; hg < a.gqa; hg += kHeadGroup) {
        const int nh = min(kHeadGroup, a.gqa - hg);
        const int h0 = g * a.gqa + hg; // first query head of this group
        float qr[kHeadGroup][kQRegs];
#pragma unroll
        for (int hh = 0; hh < kHeadGroup; ++hh)
#pragma unroll
            for (int i = 0; i < kQRegs; ++i) {
                const int d = lane + 32 * i;
                qr[hh][i] =
                    hh < nh && d < a.dk ? a.q[(int64_t(t) * a.nHead + h0 + hh) * a.dk + d] : 0.0f;
            }

        for (int j = warp; j < len; j += kWarps) {
            const int64_t key = c0 + j;
            const KV* kr = kBase + key * a.kStride;
            float kv[kQRegs];
#pragma unroll
            for (int i = 0; i < kQRegs; ++i) {
                const int d = lane + 32 * i;
                kv[i] = d < a.dk ? loadKv(kr + d) : 0.0f;
            }
            const bool masked = key < first || key > qPos;
#pragma unroll
            for (int hh = 0; hh < kHeadGroup; ++hh) {
                if (hh >= nh) break;
                float s = 0.0f;
#pragma unroll
                for (int i = 0; i < kQRegs; ++i) s += qr[hh][i] * kv[i];
                s = detail::warpSum(s) * a.scale;
                if (a.softcap > 0.0f) s = a.softcap * tanhf(s / a.softcap);
                if (lane == 0) sP[hh][j] = masked ? -INFINITY : s;
            }
        }
        __syncthreads();

        if (warp < nh) { // warp hh: softmax statistics of head hh over this chunk
            float m = -INFINITY;
            for (int j = lane; j < len; j += 32) m = fmaxf(m, sP[warp][j]);
            m = detail::warpMax(m);
            float l = 0.0f;
            for (int j = lane; j < len; j += 32) {
                const float p = m == -INFINITY ? 0.0f : expf(sP[warp][j] - m);
                sP[warp][j] = p;
                l += p;
            }
            l = detail::warpSum(l);
            if (lane == 0) {
                sM[warp] = m;
                sL[warp] = l;
            }
        }
        __syncthreads();

        float o[kHeadGroup][kORegs];
#pragma unroll
        for (int hh = 0; hh < kHeadGroup; ++hh)
#pragma unroll
            for (int e = 0; e < kORegs; ++e) o[hh][e] = 0.0f;
        for (int j = 0; j < len; ++j) {
            const KV* vr = vBase + (c0 + j) * a.vStride;
#pragma unroll
            for (int e = 0; e < kORegs; ++e) {
                const int d = threadIdx.x + kThreads * e;
                const float vv = d < a.dv ? loadKv(vr + d) : 0.0f;
#pragma unroll
                for (int hh = 0; hh < kHeadGroup; ++hh)
                    if (hh < nh) o[hh][e] += sP[hh][j] * vv;
            }
        }
        for (int hh = 0; hh < nh; ++hh) {
            const int64_t slot = (int64_t(t) * a.nHead + h0 + hh) * a.nChunks + c;
#pragma unroll
            for (int e = 0; e < kORegs; ++e) {
                const int d = threadIdx.x + kThreads * e;
                if (d < a.dv) a.partO[slot * a.dv + d] = o[hh][e];
            }
            if (threadIdx.x == 0) {
                a.partM[slot] = sM[hh];
                a.partL[slot] = sL[hh];
            }
        }
        __syncthreads(); // sP, sM, sL are reused by the next head group
    }
}

// CTA (head h, token t): merges the nChunks partials into out[t][h][0..dv).
__global__ void __launch_bounds__(kThreads) attentionCombineKernel(AttnArgs a) {
    const int h = blockIdx.x, t = blockIdx.y;
    const int64_t slot0 = (int64_t(t) * a.nHead + h) * a.nChunks;
    float m = -INFINITY;
    for (int c = 0; c < a.nChunks; ++c) m = fmaxf(m, a.partM[slot0 + c]);
    float l = 0.0f;
    for (int c = 0; c < a.nChunks; ++c) {
        const float mc = a.partM[slot0 + c];
        if (mc != -INFINITY) l += a.partL[slot0 + c] * expf(mc - m);
    }
    const float inv = l > 0.0f ? 1.0f / l : 0.0f;
    for (int d = threadIdx.x; d < a.dv; d += kThreads) {
        float o = 0.0f;
        for (int c = 0; c < a.nChunks; ++c) {
            const float mc = a.partM[slot0 + c];
            if (mc != -INFINITY) o += a.partO[(slot0 + c) * a.dv + d] * expf(mc - m);
        }
        a.out[(int64_t(t) * a.nHead + h) * a.dv + d] = o * inv;
    }
}

// Keys any query token can see: [kStart, kEnd).
void keyRange(const AttentionParams& p, int64_t nTokens, int64_t pos0, int64_t& kStart,
              int64_t& kEnd) {
    kStart = p.window > 0 ? std::max<int64_t>(0, pos0 - p.window + 1) : 0;
    kEnd = pos0 + nTokens;
}

struct ScratchLayout {
    int64_t nChunks;
    size_t oBytes, mBytes, total;
};

ScratchLayout scratchLayout(const AttentionParams& p, int64_t nTokens, int64_t pos0) {
    int64_t kStart, kEnd;
    keyRange(p, nTokens, pos0, kStart, kEnd);
    ScratchLayout s{};
    s.nChunks = detail::ceilDiv(kEnd - kStart, kChunk);
    const size_t slots = size_t(nTokens) * size_t(p.nHead) * size_t(s.nChunks);
    s.oBytes = alignUp(slots * size_t(p.headDimV) * sizeof(float));
    s.mBytes = alignUp(slots * sizeof(float));
    s.total = s.oBytes + 2 * s.mBytes;
    return s;
}

void checkParams(const AttentionParams& p, int64_t nTokens, int64_t pos0) {
    DW_CUDA_REQUIRE(p.nHead > 0 && p.nHeadKv > 0 && p.nHead % p.nHeadKv == 0, "attention",
                    "nHead = " + std::to_string(p.nHead) +
                        " must be a positive multiple of nHeadKv = " + std::to_string(p.nHeadKv));
    DW_CUDA_REQUIRE(p.nHeadKv <= detail::kMaxGridYZ && p.nHead <= detail::kMaxGridX, "attention",
                    "nHeadKv = " + std::to_string(p.nHeadKv) + " exceeds " +
                        std::to_string(detail::kMaxGridYZ));
    DW_CUDA_REQUIRE(p.headDimK >= 1 && p.headDimK <= kMaxHeadDim && p.headDimV >= 1 &&
                        p.headDimV <= kMaxHeadDim,
                    "attention",
                    "headDimK = " + std::to_string(p.headDimK) +
                        ", headDimV = " + std::to_string(p.headDimV) + " must be in 1.." +
                        std::to_string(kMaxHeadDim));
    DW_CUDA_REQUIRE(p.window >= 0, "attention",
                    "window = " + std::to_string(p.window) + " must be >= 0");
    DW_CUDA_REQUIRE(p.softcap >= 0.0f, "attention", "softcap must be >= 0");
    DW_CUDA_REQUIRE(nTokens >= 1 && nTokens <= detail::kMaxGridYZ, "attention",
                    "nTokens = " + std::to_string(nTokens) + " must be in 1.." +
                        std::to_string(detail::kMaxGridYZ));
    DW_CUDA_REQUIRE(pos0 >= 0, "attention", "pos0 = " + std::to_string(pos0) + " must be >= 0");
}

} // namespace

size_t attentionScratchBytes(const AttentionParams& p, int64_t nTokens, int64_t pos0) {
    checkParams(p, nTokens, pos0);
    return scratchLayout(p, nTokens, pos0).total;
}

void attention(const AttentionBuffers& b, const AttentionParams& p, Stream stream) {
    checkParams(p, b.nTokens, b.pos0);
    DW_CUDA_REQUIRE(b.q && b.k && b.v && b.out, "attention", "q, k, v and out must not be null");
    DW_CUDA_REQUIRE(b.kvType == DType::F32 || b.kvType == DType::F16, "attention",
                    "kvType " + std::string(dtypeName(b.kvType)) + " is not F32 or F16");
    const size_t kvBytes = b.kvType == DType::F32 ? 4 : 2;
    DW_CUDA_REQUIRE(detail::isAligned(b.q, 4) && detail::isAligned(b.out, 4) &&
                        detail::isAligned(b.k, kvBytes) && detail::isAligned(b.v, kvBytes),
                    "attention", "q, out, k and v must be aligned to their element size");
    DW_CUDA_REQUIRE(b.kStride >= int64_t(p.nHeadKv) * p.headDimK, "attention",
                    "kStride = " + std::to_string(b.kStride) + " is below nHeadKv * headDimK = " +
                        std::to_string(int64_t(p.nHeadKv) * p.headDimK));
    DW_CUDA_REQUIRE(b.vStride >= int64_t(p.nHeadKv) * p.headDimV, "attention",
                    "vStride = " + std::to_string(b.vStride) + " is below nHeadKv * headDimV = " +
                        std::to_string(int64_t(p.nHeadKv) * p.headDimV));
    const ScratchLayout s = scratchLayout(p, b.nTokens, b.pos0);
    DW_CUDA_REQUIRE(s.nChunks <= detail::kMaxGridX, "attention", "context too long for one launch");
    DW_CUDA_REQUIRE(
        b.scratch != nullptr && detail::isAligned(b.scratch, 256) && b.scratchBytes >= s.total,
        "attention",
        "scratchBytes = " + std::to_string(b.scratchBytes) + " is below the " +
            std::to_string(s.total) + " bytes attentionScratchBytes() asks for (or the " +
            "scratch is not 256-byte aligned)");

    AttnArgs a{};
    a.q = b.q;
    a.k = b.k;
    a.v = b.v;
    auto* base = static_cast<uint8_t*>(b.scratch);
    a.partO = reinterpret_cast<float*>(base);
    a.partM = reinterpret_cast<float*>(base + s.oBytes);
    a.partL = reinterpret_cast<float*>(base + s.oBytes + s.mBytes);
    a.out = b.out;
    a.kStride = b.kStride;
    a.vStride = b.vStride;
    a.pos0 = b.pos0;
    keyRange(p, b.nTokens, b.pos0, a.kStart, a.kEnd);
    a.nHead = p.nHead;
    a.gqa = p.nHead / p.nHeadKv;
    a.dk = p.headDimK;
    a.dv = p.headDimV;
    a.window = p.window;
    a.nChunks = int(s.nChunks);
    a.scale = p.scale;
    a.softcap = p.softcap;

    const dim3 split(unsigned(s.nChunks), unsigned(p.nHeadKv), unsigned(b.nTokens));
    if (b.kvType == DType::F32)
        attentionSplitKernel<float><<<split, kThreads, 0, stream>>>(a);
    else
        attentionSplitKernel<__half><<<split, kThreads, 0, stream>>>(a);
    DW_CUDA_CHECK_LAUNCH();
    attentionCombineKernel<<<dim3(unsigned(p.nHead), unsigned(b.nTokens)), kThreads, 0, stream>>>(
        a);
    DW_CUDA_CHECK_LAUNCH();
}

} // namespace dw::cuda
