// Prefill matrix product through cuBLAS (CUDA_FACTS 3.4 step 1, 3.5): activations to BF16,
// weights dequantized to BF16 slab by slab into the scratch, cublasGemmEx with FP32
// accumulation. Row-major Y[T][N] = X[T][K] * W[N][K]^T is the column-major product
// Y^T (N x T) = op_T(W as col-major K x N) * X^T, so: transa = T, transb = N, m = N
// (or a slab's rows), n = T, k = K, lda = ldb = K, ldc = N.
#include "cuda/common.cuh"
#include "cuda/mat_view_check.h"
#include "cuda/ops.h"

#include <cublas_v2.h>

#include <algorithm>
#include <climits>

namespace dw::cuda {

namespace {

__global__ void toBf16Kernel(const float* __restrict__ x, uint16_t* __restrict__ out, int64_t n) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x)
        out[i] = __bfloat16_as_ushort(__float2bfloat16_rn(x[i]));
}

size_t activationBytes(const MatView& w, int64_t nTokens) {
    return alignUp(size_t(nTokens) * size_t(w.k) * 2);
}

} // namespace

Blas::Blas() {
    cublasHandle_t h = nullptr;
    DW_CUBLAS_CHECK(cublasCreate(&h));
    m_handle = h;
}

Blas::~Blas() {
    if (m_handle) cublasDestroy(m_handle);
}

void Blas::setWorkspace(void* ptr, size_t bytes) {
    DW_CUDA_REQUIRE(ptr != nullptr && detail::isAligned(ptr, 256), "Blas::setWorkspace",
                    "the workspace must be a non-null, 256-byte aligned device pointer");
    DW_CUBLAS_CHECK(cublasSetWorkspace(m_handle, ptr, bytes));
    m_workspace = ptr;
    m_workspaceBytes = bytes;
}

void Blas::bind(Stream stream) {
    if (m_bound && stream == m_stream) return;
    DW_CUBLAS_CHECK(cublasSetStream(m_handle, stream));
    if (m_workspace) DW_CUBLAS_CHECK(cublasSetWorkspace(m_handle, m_workspace, m_workspaceBytes));
    m_stream = stream;
    m_bound = true;
}

size_t matmulScratchBytes(const MatView& w, int64_t nTokens) {
    detail::checkMatView(w, "matmulScratchBytes");
    if (w.type == DType::F32 || nTokens <= 0) return 0;
    return activationBytes(w, nTokens) + size_t(w.n) * size_t(w.k) * 2;
}

void matmul(Blas& blas, const MatView& w, const float* x, int64_t nTokens, float* y, void* scratch,
            size_t scratchBytes, Stream stream) {
    detail::checkMatView(w, "matmul");
    DW_CUDA_REQUIRE(x != nullptr && y != nullptr, "matmul", "x and y must not be null");
    DW_CUDA_REQUIRE(nTokens >= 1 && nTokens <= INT_MAX, "matmul",
                    "nTokens = " + std::to_string(nTokens) + " must be in 1.." +
                        std::to_string(INT_MAX));
    DW_CUDA_REQUIRE(w.k <= INT_MAX && w.n <= INT_MAX, "matmul",
                    "shape [" + std::to_string(w.k) + ", " + std::to_string(w.n) +
                        "] exceeds cuBLAS's int dimensions");
    DW_CUDA_REQUIRE(detail::isAligned(x, 4) && detail::isAligned(y, 4), "matmul",
                    "x and y must be 4-byte aligned");
    cublasHandle_t h = blas.handle();
    blas.bind(stream);
    const float alpha = 1.0f, beta = 0.0f;
    const int n = int(w.n), k = int(w.k), t = int(nTokens);

    if (w.type == DType::F32) {
        DW_CUDA_REQUIRE(w.rowStride % 4 == 0 && w.rowStride / 4 <= size_t(INT_MAX), "matmul",
                        "w.rowStride = " + std::to_string(w.rowStride) +
                            " must be a multiple of 4");
        DW_CUBLAS_CHECK(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, n, t, k, &alpha, w.data,
                                     CUDA_R_32F, int(w.rowStride / 4), x, CUDA_R_32F, k, &beta, y,
                                     CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        return;
    }

    const size_t xBytes = activationBytes(w, nTokens);
    const size_t rowBf16 = size_t(w.k) * 2;
    DW_CUDA_REQUIRE(
        scratch != nullptr && detail::isAligned(scratch, 256) && scratchBytes >= xBytes + rowBf16,
        "matmul",
        "scratchBytes = " + std::to_string(scratchBytes) + " must be at least " +
            std::to_string(xBytes + rowBf16) + " (256-byte aligned; matmulScratchBytes() = " +
            std::to_string(matmulScratchBytes(w, nTokens)) + " is fastest)");
    auto* xBf16 = static_cast<uint16_t*>(scratch);
    auto* wBf16 = reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(scratch) + xBytes);
    const int64_t slabRows = std::min<int64_t>(w.n, int64_t((scratchBytes - xBytes) / rowBf16));

    const int64_t count = nTokens * w.k;
    const int64_t blocks = std::min<int64_t>(detail::ceilDiv(count, 256), 65536);
    toBf16Kernel<<<unsigned(blocks), 256, 0, stream>>>(x, xBf16, count);
    DW_CUDA_CHECK_LAUNCH();

    for (int64_t r0 = 0; r0 < w.n; r0 += slabRows) {
        const int64_t rows = std::min(slabRows, w.n - r0);
        dequantizeRowsBf16(w, r0, rows, wBf16, stream);
        DW_CUBLAS_CHECK(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, int(rows), t, k, &alpha, wBf16,
                                     CUDA_R_16BF, k, xBf16, CUDA_R_16BF, k, &beta, y + r0,
                                     CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }
}

} // namespace dw::cuda
