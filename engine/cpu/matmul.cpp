// Matrix products of quantized weights with f32 activations (see ops.h).
//
// Activation rows are quantized once to the weight type's dot format (once per distinct
// input of a batch). Then:
// - fewer than kMinTileTokens tokens (decode): the rows of every matrix of the batch are cut
//   into pieces of a few tens of KB, whole multiples of quant::kRowsMax rows, which the
//   threads take in turn; a piece runs the multi-row kernel (quant::VecDotRowsFn) on
//   kRowsMax rows at a time against each token. Bound by reading the weights from memory.
// - more tokens (prefill): the threads take pieces of whole bands of kTileMaxRows weight
//   rows and run the tiled kernel (quant::VecDotTileFn) on a band against a block of
//   tokens: the band's
//   weights are decoded once per block into a panel that stays in L1, and the block's
//   quantized activations (at most kTokenBlock rows, a few hundred KB) stay in L2 while the
//   bands stream past. The product is then bound by the integer dot throughput.
// All products of a batch (decode and tiled) are pieces of one pool job.
// Every output is computed by exactly one kernel call whose arithmetic does not depend on
// which piece, band or block it was in, so the results are the same for any number of
// threads and any batching.
#include "cpu/ops.h"

#include "core/thread_pool.h"
#include "deepwell/error.h"
#include "quant/quant.h"

#include <algorithm>

namespace dw::cpu {
namespace {

// Below this many tokens the multi-row kernels run (once per token over each group of rows,
// the group still in L1). In isolation the tiled kernels pass them from 4-8 tokens on
// (bench_quant --tile T), but in the engine's batched decode steps, where the products are
// small and many, the multi-row kernels were faster up to 8 tokens (the DeepSeek-V2-Lite
// preset at Q4_K_M, 2 threads: 4 sequences 279 -> 303 tokens/s, 8 sequences 301 -> 325).
constexpr int64_t kMinTileTokens = 9;
static_assert(kMinTileTokens - 1 <= quant::kRowsMax, "VecDotRowsTokensFn takes at most kRowsMax tokens");
// Tokens per tiled call: bounds the activation bytes a call sweeps (256 rows of Q8_K for
// k = 2048: 600 KB) while the panel is decoded once per 256 tokens.
constexpr int64_t kTokenBlock = 256;
// Decode pieces: about this many per thread and batch, of kMinPieceBytes .. kMaxPieceBytes
// of weights each. The threads take them one at a time, so the last one ends at most a
// piece after the others, and a thread that was preempted or started late costs little
// (the tied 262144-row output matrix of Gemma 3, 171 MB, is ~85 pieces of ~80 us). A piece
// is a thread's stretch of sequential reading, and every piece starts with a few KB read
// before the kernels' prefetches are ahead: measured on Gemma 3's decode matmuls with two
// threads, pieces of 32-512 KB (6 per thread) were ~10% slower than these.
constexpr int64_t kPiecesPerThread = 3;
constexpr size_t kMinPieceBytes = 64 * 1024;
constexpr size_t kMaxPieceBytes = 2 * 1024 * 1024;

// The start of the rows of the next band, requested while the tiled kernel works on the
// current one: the kernel prefetches its later chunks itself, but the first one would
// otherwise come from memory through gathers that the hardware prefetchers cannot follow.
void prefetchBandStart(const MatView& w, int64_t r0, int64_t nRows) {
    const size_t bytes = std::min<size_t>(rowBytes(w.type, w.k), 512);
    for (int64_t r = r0; r < r0 + nRows; ++r) {
        const uint8_t* row = w.data + size_t(r) * w.rowStride;
        for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(row + off, 0, 3);
    }
}

// The start of a decode piece that no kernel call prefetches (quant::rowsPrefetchLead of the
// kRowsMax-row calls), requested all at once before its first kernel call: without this the
// start of every piece came from memory one demand miss after another. Measured on Gemma 3
// 270M's layer products (2 threads): 5-8% less time.
void prefetchPieceStart(const MatView& w, int64_t r0, int64_t r1) {
    const uint8_t* p = w.data + size_t(r0) * w.rowStride;
    const size_t lead = quant::rowsPrefetchLead(size_t(quant::kRowsMax) * w.rowStride);
    const size_t bytes = std::min(lead, size_t(r1 - r0) * w.rowStride);
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 2);
}

bool isDecode(const MatmulJob& j) {
    return j.nTokens < kMinTileTokens;
}

void checkJob(const MatmulJob& j) {
    DW_ASSERT(j.w.data != nullptr && j.w.k > 0 && j.w.n > 0 && j.nTokens >= 0);
    DW_ASSERT(j.x != nullptr && j.y != nullptr);
    DW_ASSERT_MSG(quant::vecDotFn(j.w.type) != nullptr, "weight type has no dot product");
}

// The first job before j with the same input (x, nTokens, k, activation format), or -1.
int64_t sameInputBefore(const MatmulJob* jobs, size_t j) {
    const MatmulJob& a = jobs[j];
    const DType at = quant::vecDotType(a.w.type);
    for (size_t i = 0; i < j; ++i) {
        const MatmulJob& b = jobs[i];
        if (b.x == a.x && b.nTokens == a.nTokens && b.w.k == a.w.k &&
            quant::vecDotType(b.w.type) == at)
            return int64_t(i);
    }
    return -1;
}

// Quantizes the input of every job into scratch.act (scratch.actOffset[j]: its rows), an
// input shared with an earlier job of the batch only once.
void quantizeInputs(const MatmulJob* jobs, size_t nJobs, ThreadPool& pool, MatmulScratch& s) {
    s.actOffset.assign(nJobs, 0);
    size_t total = 0;
    for (size_t j = 0; j < nJobs; ++j) {
        const int64_t same = sameInputBefore(jobs, j);
        if (same >= 0) {
            s.actOffset[j] = s.actOffset[size_t(same)];
            continue;
        }
        s.actOffset[j] = total;
        total += rowBytes(quant::vecDotType(jobs[j].w.type), jobs[j].w.k) * size_t(jobs[j].nTokens);
    }
    if (s.act.size() < total) s.act.resize(total);
    for (size_t j = 0; j < nJobs; ++j) {
        const MatmulJob& a = jobs[j];
        if (a.nTokens == 0 || sameInputBefore(jobs, j) >= 0) continue;
        const DType at = quant::vecDotType(a.w.type);
        const size_t actRow = rowBytes(at, a.w.k);
        uint8_t* act = s.act.data() + s.actOffset[j];
        if (a.nTokens < kMinTileTokens) {
            for (int64_t t = 0; t < a.nTokens; ++t)
                quant::quantizeRow(at, a.x + t * a.w.k, act + size_t(t) * actRow, a.w.k);
        } else {
            pool.parallelFor(a.nTokens, 1, [&](int64_t b, int64_t e) {
                for (int64_t t = b; t < e; ++t)
                    quant::quantizeRow(at, a.x + t * a.w.k, act + size_t(t) * actRow, a.w.k);
            });
        }
    }
}

// Rows r0..r1 of a decode job: kRowsMax rows per kernel call, every token per call group
// (so that with 2-3 tokens the weights of a group are read from memory once); one call for
// all tokens where the type has a VecDotRowsTokensFn (same results, weights unpacked once).
void rowsProduct(const MatmulJob& j, const uint8_t* act, int64_t r0, int64_t r1) {
    const quant::VecDotRowsFn rows = quant::vecDotRowsFn(j.w.type);
    const quant::VecDotRowsTokensFn rowsTokens = quant::vecDotRowsTokensFn(j.w.type);
    const size_t actRow = rowBytes(quant::vecDotType(j.w.type), j.w.k);
    prefetchPieceStart(j.w, r0, r1);
    for (int64_t rb = r0; rb < r1; rb += quant::kRowsMax) {
        const int nr = int(std::min<int64_t>(quant::kRowsMax, r1 - rb));
        if (rowsTokens && j.nTokens > 1) { // weights unpacked once for all tokens
            rowsTokens(j.w.k, j.w.data + size_t(rb) * j.w.rowStride, j.w.rowStride, nr, act, actRow,
                       int(j.nTokens), j.y + rb, size_t(j.w.n));
            continue;
        }
        for (int64_t t = 0; t < j.nTokens; ++t)
            rows(j.w.k, j.w.data + size_t(rb) * j.w.rowStride, j.w.rowStride, nr,
                 act + size_t(t) * actRow, j.y + t * j.w.n + rb);
    }
}

// Rows r0..r1 of a tiled (prefill) job: bands of kTileMaxRows rows, kTokenBlock tokens per
// call; the band's panel stays in L1 while the block's activations stay in L2.
void tiledRows(const MatmulJob& j, const uint8_t* act, int64_t r0, int64_t r1) {
    const MatView& w = j.w;
    const quant::VecDotTileFn tile = quant::vecDotTileFn(w.type);
    const size_t actRow = rowBytes(quant::vecDotType(w.type), w.k);
    const int64_t band = quant::kTileMaxRows;
    for (int64_t t0 = 0; t0 < j.nTokens; t0 += kTokenBlock) {
        const int nt = int(std::min(kTokenBlock, j.nTokens - t0));
        for (int64_t rb = r0; rb < r1; rb += band) {
            if (rb + band < r1) prefetchBandStart(w, rb + band, std::min(band, r1 - rb - band));
            tile(w.k, w.data + size_t(rb) * w.rowStride, w.rowStride, int(std::min(band, r1 - rb)),
                 act + size_t(t0) * actRow, actRow, nt, j.y + t0 * w.n + rb, size_t(w.n));
        }
    }
}

// Every product of a batch in one pool job. Decode jobs are cut into pieces of whole
// kRowsMax-row groups of a few tens of KB to 2 MB of weights; tiled jobs into about four
// pieces per thread of whole bands (a piece's cost grows with its tokens). Small batches
// run on the calling thread.
void products(const MatmulJob* jobs, size_t nJobs, ThreadPool& pool, MatmulScratch& s) {
    size_t decodeBytes = 0, work = 0;
    for (size_t j = 0; j < nJobs; ++j) {
        if (jobs[j].nTokens == 0) continue;
        const size_t bytes = jobs[j].w.rowStride * size_t(jobs[j].w.n);
        if (isDecode(jobs[j])) decodeBytes += bytes;
        work += bytes * size_t(jobs[j].nTokens);
    }
    auto runPiece = [&](size_t j, int64_t r0, int64_t r1) {
        const uint8_t* act = s.act.data() + s.actOffset[j];
        if (isDecode(jobs[j]))
            rowsProduct(jobs[j], act, r0, r1);
        else
            tiledRows(jobs[j], act, r0, r1);
    };
    if (work == 0) return;
    if (pool.size() == 1 || work < kMatmulSerialBytes) {
        for (size_t j = 0; j < nJobs; ++j)
            if (jobs[j].nTokens > 0) runPiece(j, 0, jobs[j].w.n);
        return;
    }
    const size_t target = std::clamp(decodeBytes / size_t(int64_t(pool.size()) * kPiecesPerThread),
                                     kMinPieceBytes, kMaxPieceBytes);
    s.pieces.clear();
    for (size_t j = 0; j < nJobs; ++j) {
        const MatmulJob& a = jobs[j];
        if (a.nTokens == 0) continue;
        int64_t rowsPerPiece;
        if (isDecode(a)) {
            rowsPerPiece = std::max<int64_t>(1, int64_t(target / (a.w.rowStride * quant::kRowsMax))) *
                           quant::kRowsMax;
        } else {
            const int64_t bands = (a.w.n + quant::kTileMaxRows - 1) / quant::kTileMaxRows;
            rowsPerPiece = std::max<int64_t>(1, bands / (int64_t(pool.size()) * 4)) * quant::kTileMaxRows;
        }
        for (int64_t r0 = 0; r0 < a.w.n; r0 += rowsPerPiece) {
            s.pieces.push_back(int64_t(j));
            s.pieces.push_back(r0);
            s.pieces.push_back(std::min(a.w.n, r0 + rowsPerPiece));
        }
    }
    pool.forEach(int64_t(s.pieces.size() / 3), [&](int64_t p) {
        runPiece(size_t(s.pieces[size_t(3 * p)]), s.pieces[size_t(3 * p + 1)], s.pieces[size_t(3 * p + 2)]);
    });
}

} // namespace

void matmulBatch(const MatmulJob* jobs, size_t nJobs, ThreadPool& pool, MatmulScratch& scratch) {
    for (size_t j = 0; j < nJobs; ++j) checkJob(jobs[j]);
    quantizeInputs(jobs, nJobs, pool, scratch);
    products(jobs, nJobs, pool, scratch);
}

void matmul(const MatView& w, const float* x, int64_t nTokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
    DW_ASSERT(nTokens > 0);
    const MatmulJob job{w, x, nTokens, y};
    matmulBatch(&job, 1, pool, scratch);
}

void getRow(const MatView& w, int64_t row, float* out) {
    DW_ASSERT(row >= 0 && row < w.n);
    quant::dequantizeRow(w.type, w.data + size_t(row) * w.rowStride, out, w.k);
}

} // namespace dw::cpu
