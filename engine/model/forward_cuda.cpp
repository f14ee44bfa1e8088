// The generic decoder on the GPU: forward_cpu.cpp's twin, step for step, through the
// dw::cuda launchers (plain C++, no CUDA types).
//
// Memory (all planned and allocated in the constructor; run() allocates nothing):
//   weights      every matrix uploaded once in its stored (quantized) type, norms and biases
//                as f32 (Arena, category Weights); a tied output matrix shares token_embd
//   kv cache     per layer K [nKv*dk, nCtx] and V [nKv*dv, nCtx], f32 (category KvCache):
//                exact, like the CPU's cache
//   activations  buffers for maxBatch tokens, Q8_1 / BF16 scratch of the products, the
//                split-KV partials of attention and kLogitRows rows of logits (Activations)
// Decode chunks (T <= 8 tokens) multiply with the mat-vec kernels (Q8_1 activations for
// quantized weights, f32 for float weights); longer chunks with cuda::matmul (cuBLAS, BF16
// operands, or FP32 without TF32 for F32 weights). One stream and one cuBLAS handle, so
// results are bit-identical run to run.
#include "cuda/device.h"
#include "cuda/ops.h"
#include "deepwell/device_info.h"
#include "deepwell/error.h"
#include "model/forward.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace dw::model {
namespace {

constexpr int64_t kLogitRows = 32;            // logit rows computed per product
constexpr size_t kSlabCap = size_t(64) << 20; // BF16 weight slab of the prefill product
constexpr size_t kAttnScratchCap = size_t(64) << 20;
constexpr size_t kReserve = size_t(256) << 20; // left free for the CUDA context, cuBLAS

std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

struct DevLayer {
    const float* attnNorm = nullptr;
    cuda::MatView wq, wk, wv, wo, gate, up, down;
    const float *bq = nullptr, *bk = nullptr, *bv = nullptr, *bo = nullptr;
    const float *qNorm = nullptr, *kNorm = nullptr;
    const float *postAttnNorm = nullptr, *ffnNorm = nullptr, *postFfnNorm = nullptr;
    float* kCache = nullptr; // [nKv*dk, nCtx]
    float* vCache = nullptr; // [nKv*dv, nCtx]
    cuda::RopeConfig rope;
    cuda::AttentionParams attn;
};

// Every matrix of the model with the name llama.cpp gives its tensor (for messages).
template <typename F> void forEachMatrix(const Weights& w, F&& f) {
    f(w.tokenEmbd, std::string("token_embd"));
    f(w.output, std::string("output"));
    for (size_t il = 0; il < w.layers.size(); ++il) {
        const auto& l = w.layers[il];
        const std::string p = "blk." + std::to_string(il) + ".";
        f(l.wq, p + "attn_q"), f(l.wk, p + "attn_k"), f(l.wv, p + "attn_v");
        f(l.wo, p + "attn_output"), f(l.gate, p + "ffn_gate"), f(l.up, p + "ffn_up");
        f(l.down, p + "ffn_down");
    }
}

size_t matBytes(const cpu::MatView& m) {
    return m.rowStride * size_t(m.n - 1) + rowBytes(m.type, m.k);
}

class CudaForward final : public Forward {
public:
    CudaForward(const Model::Impl& md, int64_t nCtx, int64_t maxBatch)
        : md(md), hp(md.hp), arch(archInfo(hp.arch)), nCtx(nCtx),
          maxBatch(std::clamp<int64_t>(maxBatch, 1, nCtx)) {
        const cuda::DeviceInfo info = cuda::deviceInfo(0);
        name = info.name;
        plan();
        checkFits();
        try {
            allocate();
            upload();
        } catch (const Error& e) {
            if (e.code() != ErrorCode::OutOfMemory) throw;
            throw Error(ErrorCode::OutOfMemory,
                        std::string(e.what()) + " (the model needs " + mib(total()) +
                            " on the GPU for a " + std::to_string(nCtx) +
                            "-token context; use a smaller context, -c, or the CPU)");
        }
    }

    void run(const int32_t* tokens, int64_t T, int64_t pos0) override {
        DW_ASSERT(T >= 1 && T <= maxBatch && pos0 >= 0 && pos0 + T <= nCtx);
        cuda::Stream s = stream.get();
        for (int64_t t = 0; t < T; ++t) hostPos[size_t(t)] = int32_t(pos0 + t);
        cuda::copyAsync(dTokens, tokens, size_t(T) * 4, cuda::CopyKind::HostToDevice, s);
        cuda::copyAsync(dPos, hostPos.data(), size_t(T) * 4, cuda::CopyKind::HostToDevice, s);
        const int64_t E = hp.nEmbd;
        cuda::getRows(tokenEmbd, dTokens, T, x, s);
        if (hp.embedScale) cuda::scale(x, std::sqrt(float(E)), x, T * E, s);
        for (int il = 0; il < hp.nLayer; ++il) layer(il, T, pos0);
        cuda::rmsNorm(x, outputNorm, x, E, T, hp.rmsEps, s);
        lastT = T;
    }

    void logits(int64_t r0, int64_t r1, float* out) override {
        DW_ASSERT(r0 >= 0 && r0 < r1 && r1 <= lastT);
        cuda::Stream s = stream.get();
        const int64_t V = hp.nVocab;
        for (int64_t c0 = r0; c0 < r1; c0 += kLogitRows) {
            const int64_t rows = std::min(kLogitRows, r1 - c0);
            // Always the mat-vec kernels, 8 rows at a time: a position's logits are then the
            // same bits however many rows are asked for (LogitsMode Last vs All).
            for (int64_t i = 0; i < rows; i += cuda::kMatVecMaxTokens)
                cuda::matVec(output, x + (c0 + i) * hp.nEmbd,
                             std::min<int64_t>(cuda::kMatVecMaxTokens, rows - i), dLogits + i * V,
                             mvScratch, mvBytes, s);
            if (hp.finalSoftcap > 0.0f) cuda::softcap(dLogits, hp.finalSoftcap, rows * V, s);
            cuda::copyAsync(out + (c0 - r0) * V, dLogits, size_t(rows * V) * 4,
                            cuda::CopyKind::DeviceToHost, s);
            cuda::synchronize(s);
        }
    }

    std::string deviceName() const override { return name; }

private:
    // ---- planning --------------------------------------------------------------------

    // Sizes of every buffer, from the shapes alone.
    void plan() {
        const int64_t T = maxBatch, E = hp.nEmbd;
        forEachMatrix(md.weights, [&](const cpu::MatView& m, const std::string&) {
            if (!m.data || uploaded.count(m.data)) return;
            uploaded[m.data] = nullptr;
            weightBytes += cuda::alignUp(matBytes(m));
            const cuda::MatView v{m.type, m.k, m.n, m.data, m.rowStride};
            // The output matrix only ever multiplies <= 8 rows at once (logits()); an
            // untied token_embd only gives rows (getRows) and needs no product scratch.
            const bool isOutput = m.data == md.weights.output.data;
            if (!isOutput && m.data == md.weights.tokenEmbd.data) return;
            const int64_t tokens = isOutput ? cuda::kMatVecMaxTokens : T;
            mvBytes = std::max(mvBytes, cuda::matVecScratchBytes(
                                            v, std::min<int64_t>(tokens, cuda::kMatVecMaxTokens)));
            if (tokens > cuda::kMatVecMaxTokens && m.type != DType::F32) {
                const size_t row = size_t(m.k) * 2;
                const size_t slab =
                    std::max(row, std::min(size_t(m.n) * row, kSlabCap / row * row));
                mmBytes = std::max(mmBytes, cuda::alignUp(size_t(tokens * m.k) * 2) + slab);
            }
        });
        uploaded.clear();
        auto vecBytes = [&](const Vec& v) { weightBytes += cuda::alignUp(v.size() * 4); };
        vecBytes(md.weights.outputNorm);
        vecBytes(md.weights.ropeFreqs);
        int64_t nq = 0, nk = 0, nv = 0, no = 0, ff = 0;
        for (int il = 0; il < hp.nLayer; ++il) {
            const auto& L = md.weights.layers[size_t(il)];
            for (const Vec* v : {&L.attnNorm, &L.bq, &L.bk, &L.bv, &L.qNorm, &L.kNorm, &L.bo,
                                 &L.postAttnNorm, &L.ffnNorm, &L.postFfnNorm})
                vecBytes(*v);
            const int64_t h = hp.nHead[size_t(il)], hk = hp.nHeadKv[size_t(il)];
            nq = std::max(nq, h * hp.headDimK), no = std::max(no, h * hp.headDimV);
            nk = std::max(nk, hk * hp.headDimK), nv = std::max(nv, hk * hp.headDimV);
            ff = std::max(ff, hp.nFf[size_t(il)]);
            kvBytes += cuda::alignUp(size_t(nCtx) * size_t(hk) * size_t(hp.headDimK) * 4) +
                       cuda::alignUp(size_t(nCtx) * size_t(hk) * size_t(hp.headDimV) * 4);
        }
        // Attention runs over at most attnTokens queries per call, so its partials fit
        // kAttnScratchCap however long the prefill chunk (CUDA_FACTS 5.2).
        size_t perToken = 0;
        for (int il = 0; il < hp.nLayer; ++il)
            perToken = std::max(perToken, cuda::attentionScratchBytes(attnParams(il), 1, nCtx - 1));
        attnTokens = std::clamp<int64_t>(int64_t(kAttnScratchCap / perToken), 1, T);
        for (int il = 0; il < hp.nLayer; ++il)
            attnBytes = std::max(attnBytes, cuda::attentionScratchBytes(attnParams(il), attnTokens,
                                                                        nCtx - attnTokens));
        sizes = {size_t(T * E),  size_t(T * E), size_t(T * nq), size_t(T * nk), size_t(T * nv),
                 size_t(T * no), size_t(T * E), size_t(T * ff), size_t(T * ff)};
        actBytes = 2 * cuda::alignUp(size_t(T) * 4) + cuda::kBlasWorkspaceBytes +
                   cuda::alignUp(mvBytes) + cuda::alignUp(mmBytes) + cuda::alignUp(attnBytes) +
                   cuda::alignUp(size_t(kLogitRows * hp.nVocab) * 4);
        for (size_t n : sizes) actBytes += cuda::alignUp(n * 4);
        hostPos.resize(size_t(T));
    }

    size_t total() const { return weightBytes + kvBytes + actBytes; }

    void checkFits() const {
        const cuda::MemoryInfo m = cuda::memoryInfo();
        if (total() + kReserve <= m.freeBytes) return;
        throw Error(ErrorCode::OutOfMemory,
                    "the model does not fit on " + name + ": it needs " + mib(total()) +
                        " (weights " + mib(weightBytes) + ", KV cache " + mib(kvBytes) + " for " +
                        std::to_string(nCtx) + " tokens, activations " + mib(actBytes) + " for " +
                        std::to_string(maxBatch) + "-token chunks) plus " + mib(kReserve) +
                        " of headroom, but only " + mib(m.freeBytes) + " of " + mib(m.totalBytes) +
                        " are free; use a smaller context (-c), a smaller batch (-b) or the CPU");
    }

    cuda::AttentionParams attnParams(int il) const {
        cuda::AttentionParams p;
        p.nHead = hp.nHead[size_t(il)];
        p.nHeadKv = hp.nHeadKv[size_t(il)];
        p.headDimK = hp.headDimK;
        p.headDimV = hp.headDimV;
        p.scale = hp.attnScale;
        p.window = hp.layerIsSwa[size_t(il)] ? hp.slidingWindow : 0;
        p.softcap = hp.attnSoftcap;
        return p;
    }

    // ---- allocation and upload -------------------------------------------------------

    void allocate() {
        weights = std::make_unique<cuda::Arena>(weightBytes, cuda::MemoryCategory::Weights);
        kv = std::make_unique<cuda::Arena>(kvBytes, cuda::MemoryCategory::KvCache);
        act = std::make_unique<cuda::Arena>(actBytes, cuda::MemoryCategory::Activations);
        float** bufs[] = {&x, &a, &q, &k, &v, &attn, &o, &g, &u};
        for (size_t i = 0; i < sizes.size(); ++i) *bufs[i] = act->allocate<float>(sizes[i]);
        dTokens = act->allocate<int32_t>(size_t(maxBatch));
        dPos = act->allocate<int32_t>(size_t(maxBatch));
        mvScratch = act->allocate(mvBytes);
        mmScratch = act->allocate(mmBytes);
        attnScratch = act->allocate(attnBytes);
        dLogits = act->allocate<float>(size_t(kLogitRows * hp.nVocab));
        blas.setWorkspace(act->allocate(cuda::kBlasWorkspaceBytes), cuda::kBlasWorkspaceBytes);
    }

    cuda::MatView mat(const cpu::MatView& m) {
        auto it = uploaded.find(m.data);
        if (it == uploaded.end()) {
            void* d = weights->allocate(matBytes(m));
            cuda::copyAsync(d, m.data, matBytes(m), cuda::CopyKind::HostToDevice, stream.get());
            it = uploaded.emplace(m.data, d).first;
        }
        return {m.type, m.k, m.n, it->second, m.rowStride};
    }

    const float* vec(const Vec& v) {
        if (v.empty()) return nullptr;
        float* d = weights->allocate<float>(v.size());
        cuda::copyAsync(d, v.data(), v.size() * 4, cuda::CopyKind::HostToDevice, stream.get());
        return d;
    }

    void upload() {
        const Weights& W = md.weights;
        tokenEmbd = mat(W.tokenEmbd);
        output = mat(W.output);
        outputNorm = vec(W.outputNorm);
        const float* freqs = vec(W.ropeFreqs);
        for (int il = 0; il < hp.nLayer; ++il) {
            const LayerWeights& L = W.layers[size_t(il)];
            DevLayer d;
            d.attnNorm = vec(L.attnNorm);
            d.wq = mat(L.wq), d.wk = mat(L.wk), d.wv = mat(L.wv), d.wo = mat(L.wo);
            d.gate = mat(L.gate), d.up = mat(L.up), d.down = mat(L.down);
            d.bq = vec(L.bq), d.bk = vec(L.bk), d.bv = vec(L.bv), d.bo = vec(L.bo);
            d.qNorm = vec(L.qNorm), d.kNorm = vec(L.kNorm);
            d.postAttnNorm = vec(L.postAttnNorm), d.ffnNorm = vec(L.ffnNorm);
            d.postFfnNorm = vec(L.postFfnNorm);
            const size_t rowK = size_t(hp.nHeadKv[size_t(il)]) * size_t(hp.headDimK);
            const size_t rowV = size_t(hp.nHeadKv[size_t(il)]) * size_t(hp.headDimV);
            d.kCache = kv->allocate<float>(size_t(nCtx) * rowK);
            d.vCache = kv->allocate<float>(size_t(nCtx) * rowV);
            d.rope = ropeConfigForLayer(md, il);
            d.rope.freqFactors = freqs; // device copy of rope_freqs
            d.attn = attnParams(il);
            layers.push_back(d);
        }
        cuda::synchronize(stream.get());
        uploaded.clear();
    }

    // ---- the forward pass ------------------------------------------------------------

    // out[T, w.n] = in[T, w.k] * W^T: mat-vec kernels for decode chunks, cuBLAS above.
    void product(const cuda::MatView& w, const float* in, int64_t T, float* out) {
        if (T <= cuda::kMatVecMaxTokens)
            cuda::matVec(w, in, T, out, mvScratch, mvBytes, stream.get());
        else
            cuda::matmul(blas, w, in, T, out, mmScratch, mmBytes, stream.get());
    }

    void layer(int il, int64_t T, int64_t pos0) {
        const DevLayer& L = layers[size_t(il)];
        cuda::Stream s = stream.get();
        const int64_t E = hp.nEmbd;
        const int nH = L.attn.nHead, nKv = L.attn.nHeadKv, dk = hp.headDimK, dv = hp.headDimV;
        const int64_t nq = int64_t(nH) * dk, nk = int64_t(nKv) * dk, nv = int64_t(nKv) * dv;
        const int64_t ff = L.gate.n;

        // --- attention ---
        cuda::rmsNorm(x, L.attnNorm, a, E, T, hp.rmsEps, s);
        product(L.wq, a, T, q);
        product(L.wk, a, T, k);
        product(L.wv, a, T, v);
        if (L.bq) cuda::addRows(q, L.bq, nq, T, s);
        if (L.bk) cuda::addRows(k, L.bk, nk, T, s);
        if (L.bv) cuda::addRows(v, L.bv, nv, T, s);
        if (L.qNorm) {
            cuda::rmsNorm(q, L.qNorm, q, dk, T * nH, hp.rmsEps, s);
            cuda::rmsNorm(k, L.kNorm, k, dk, T * nKv, hp.rmsEps, s);
        }
        cuda::rope(q, T, nH, dk, dPos, L.rope, s);
        cuda::rope(k, T, nKv, dk, dPos, L.rope, s);
        cuda::copyAsync(L.kCache + pos0 * nk, k, size_t(T * nk) * 4, cuda::CopyKind::DeviceToDevice,
                        s);
        cuda::copyAsync(L.vCache + pos0 * nv, v, size_t(T * nv) * 4, cuda::CopyKind::DeviceToDevice,
                        s);
        for (int64_t t0 = 0; t0 < T; t0 += attnTokens) {
            cuda::AttentionBuffers b;
            b.q = q + t0 * nq;
            b.nTokens = std::min(attnTokens, T - t0);
            b.pos0 = pos0 + t0;
            b.k = L.kCache;
            b.kStride = nk;
            b.v = L.vCache;
            b.vStride = nv;
            b.kvType = DType::F32;
            b.out = attn + t0 * int64_t(nH) * dv;
            b.scratch = attnScratch;
            b.scratchBytes = attnBytes;
            cuda::attention(b, L.attn, s);
        }
        product(L.wo, attn, T, o);
        if (L.bo) cuda::addRows(o, L.bo, E, T, s);
        if (L.postAttnNorm) cuda::rmsNorm(o, L.postAttnNorm, o, E, T, hp.rmsEps, s);
        cuda::add(x, o, x, T * E, s);

        // --- feed-forward ---
        cuda::rmsNorm(x, L.ffnNorm, a, E, T, hp.rmsEps, s);
        product(L.gate, a, T, g);
        product(L.up, a, T, u);
        if (arch.act == Activation::GeluTanh)
            cuda::geglu(g, u, g, T * ff, s);
        else
            cuda::swiglu(g, u, g, T * ff, s);
        product(L.down, g, T, o);
        if (L.postFfnNorm) cuda::rmsNorm(o, L.postFfnNorm, o, E, T, hp.rmsEps, s);
        cuda::add(x, o, x, T * E, s);
    }

    const Model::Impl& md;
    const HParams& hp;
    const ArchInfo& arch;
    int64_t nCtx, maxBatch;
    std::string name;
    cuda::StreamOwner stream;
    cuda::Blas blas;

    // Plan (bytes) and arenas.
    size_t weightBytes = 0, kvBytes = 0, actBytes = 0;
    size_t mvBytes = 0, mmBytes = 0, attnBytes = 0;
    int64_t attnTokens = 1;    // queries per attention call (bounds its scratch)
    std::vector<size_t> sizes; // floats of x, a, q, k, v, attn, o, g, u
    std::unique_ptr<cuda::Arena> weights, kv, act;
    std::map<const uint8_t*, void*> uploaded; // host matrix -> its device copy (ties)

    // Device weights.
    cuda::MatView tokenEmbd, output;
    const float* outputNorm = nullptr;
    std::vector<DevLayer> layers;

    // Device activations, row-major per token: x, a, o [E, T]; q [nq, T]; k [nk, T];
    // v [nv, T]; attn [nH*dv, T]; g, u [ff, T].
    float *x = nullptr, *a = nullptr, *q = nullptr, *k = nullptr, *v = nullptr;
    float *attn = nullptr, *o = nullptr, *g = nullptr, *u = nullptr;
    int32_t *dTokens = nullptr, *dPos = nullptr;
    void *mvScratch = nullptr, *mmScratch = nullptr, *attnScratch = nullptr;
    float* dLogits = nullptr; // [nVocab, kLogitRows]
    std::vector<int32_t> hostPos;
    int64_t lastT = 0;
};

} // namespace

std::unique_ptr<Forward> makeCudaForward(const Model::Impl& model, int64_t nCtx, int64_t maxBatch) {
    const std::string why = cudaUnavailableReason(&model);
    if (!why.empty()) throw Error(ErrorCode::Unsupported, "the GPU cannot run this model: " + why);
    return std::make_unique<CudaForward>(model, nCtx, maxBatch);
}

std::string cudaUnavailableReason(const Model::Impl* model) {
    const cuda::ProbeResult& p = cuda::probe();
    if (!p.usable) return "no usable GPU: " + p.reason;
    if (!model) return "";
    const HParams& hp = model->hp;
    // The GPU runs the dense decoder of forward_cpu.cpp; MoE, MLA and olmoe's whole-
    // projection q/k norms are CPU-only for now.
    if (hp.moe.nExpert > 0) return "mixture-of-experts layers have no CUDA path yet";
    if (hp.mla.enabled) return "multi-head latent attention has no CUDA path yet";
    if (hp.qkNormWhole) return "q/k norms over the whole projection have no CUDA path yet";
    std::string why;
    forEachMatrix(model->weights, [&](const cpu::MatView& m, const std::string& tensor) {
        if (why.empty() && m.data && !cuda::isSupportedWeightType(m.type))
            why = "tensor " + tensor + " has type " + std::string(dtypeName(m.type)) +
                  ", which the CUDA kernels do not support (they take Q4_0, Q4_1, Q5_0, Q5_1, "
                  "Q8_0, Q4_K, Q5_K, Q6_K, F16, BF16, F32)";
    });
    if (why.empty() && (hp.headDimK > 256 || hp.headDimV > 256))
        why = "head dimension " + std::to_string(std::max(hp.headDimK, hp.headDimV)) +
              " exceeds the 256 of the CUDA attention kernel";
    return why;
}

} // namespace dw::model

namespace dw {

GpuInfo gpuInfo() {
    GpuInfo g;
    const cuda::ProbeResult& p = cuda::probe();
    if (!p.usable) {
        g.reason = "no usable GPU: " + p.reason;
        return g;
    }
    try {
        const cuda::DeviceInfo d = cuda::deviceInfo(0);
        g.available = true;
        g.name = d.name;
        g.computeMajor = d.major;
        g.computeMinor = d.minor;
        g.smCount = d.smCount;
        g.totalMemory = d.totalMemory;
        g.freeMemory = d.freeMemory;
        g.peakBandwidthGBps = d.peakBandwidthGBps();
        g.driverVersion = d.driverVersion;
        g.runtimeVersion = d.runtimeVersion;
    } catch (const Error& e) {
        g = GpuInfo{};
        g.reason = e.what();
    }
    return g;
}

} // namespace dw
