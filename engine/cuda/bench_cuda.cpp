// bench_cuda: achieved bandwidth of the decode mat-vec per weight type and cuBLAS GEMM
// throughput for a prefill-sized product. A program, not a test (STYLE habit 17).
//
//   bench_cuda [--quick]
//
// Prints the device, its peak bandwidth (memory clock x bus width x 2) and a device-to-
// device copy as the practical ceiling, then one row per weight type: a matrix of about
// 256 MiB (k = 16384), the mat-vec time for 1 and 8 tokens and GB/s = weight bytes / time.
// Exits 0 with a "skipped" line when there is no usable GPU.
#include "cuda/device.h"
#include "cuda/ops.h"
#include "deepwell/error.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace dw;
using namespace dw::cuda;

namespace {

// Median milliseconds of `iters` timed runs after `warmup` untimed ones.
double timeMs(const std::function<void()>& run, int warmup, int iters) {
    for (int i = 0; i < warmup; ++i) run();
    DW_CUDA_CHECK(cudaDeviceSynchronize());
    cudaEvent_t a, b;
    DW_CUDA_CHECK(cudaEventCreate(&a));
    DW_CUDA_CHECK(cudaEventCreate(&b));
    std::vector<double> ms;
    for (int i = 0; i < iters; ++i) {
        DW_CUDA_CHECK(cudaEventRecord(a));
        run();
        DW_CUDA_CHECK(cudaEventRecord(b));
        DW_CUDA_CHECK(cudaEventSynchronize(b));
        float t = 0.0f;
        DW_CUDA_CHECK(cudaEventElapsedTime(&t, a, b));
        ms.push_back(t);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// Fills a device buffer with pseudo-random bytes (1 MiB pattern repeated).
void fillRandom(DeviceBuffer& buf, uint32_t seed) {
    std::vector<uint8_t> chunk(1 << 20);
    std::mt19937 rng(seed);
    for (auto& c : chunk) c = uint8_t(rng());
    for (size_t off = 0; off < buf.bytes(); off += chunk.size())
        buf.upload(chunk.data(), std::min(chunk.size(), buf.bytes() - off), off);
}

// Random halves in [-1, 1) for quantized scale fields would need per-type knowledge; the
// bytes are random, so some blocks decode to NaN/Inf. Timing does not depend on values.
void benchMatVec(const DeviceInfo& info, bool quick) {
    const DType types[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                           DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K,
                           DType::F16,  DType::BF16, DType::F32};
    const int64_t k = 16384;
    const size_t target = size_t(256) << 20;
    const double peak = info.peakBandwidthGBps();
    DeviceBuffer x(size_t(k) * 8 * sizeof(float));
    {
        std::vector<float> hx(size_t(k) * 8);
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (auto& v : hx) v = dist(rng);
        x.upload(hx.data(), hx.size() * sizeof(float));
    }
    DeviceBuffer xq(q8_1RowBytes(k) * 8);
    quantizeQ8_1(x.as<float>(), xq.data(), k, 8, nullptr);
    DeviceBuffer y(size_t(1) << 22);

    std::printf("\nmat-vec (decode), k = %lld, matrix ~256 MiB, median of %d runs\n",
                static_cast<long long>(k), quick ? 5 : 20);
    std::printf("%-6s %8s %9s %10s %9s %7s %10s %9s\n", "type", "rows", "MiB", "t=1 us", "GB/s",
                "%peak", "t=8 us", "GB/s");
    for (DType t : types) {
        const size_t rb = rowBytes(t, k);
        const int64_t n = int64_t(target / rb) / 16 * 16;
        const size_t bytes = rb * size_t(n);
        DeviceBuffer w(bytes);
        fillRandom(w, 11);
        MatView mv{t, k, n, w.data(), rb};
        if (size_t(n) * 8 * sizeof(float) > y.bytes()) y = DeviceBuffer(size_t(n) * 8 * 4);
        const bool quant = dtypeTraits(t).quantized;
        double us[2];
        const int tokens[2] = {1, 8};
        for (int i = 0; i < 2; ++i) {
            const int64_t nt = tokens[i];
            auto run = [&] {
                if (quant)
                    matVecQ8_1(mv, xq.data(), nt, y.as<float>(), nullptr);
                else
                    matVecFloat(mv, x.as<float>(), nt, y.as<float>(), nullptr);
            };
            us[i] = 1e3 * timeMs(run, 3, quick ? 5 : 20);
        }
        const double gbs1 = double(bytes) / (us[0] * 1e-6) / 1e9;
        const double gbs8 = double(bytes) / (us[1] * 1e-6) / 1e9;
        std::printf("%-6s %8lld %9.1f %10.1f %9.1f %6.1f%% %10.1f %9.1f\n",
                    std::string(dtypeName(t)).c_str(), static_cast<long long>(n),
                    double(bytes) / (1 << 20), us[0], gbs1, 100.0 * gbs1 / peak, us[1], gbs8);
    }
}

void benchCopy(double peak) {
    const size_t bytes = size_t(1) << 30;
    DeviceBuffer a(bytes), b(bytes);
    a.fill(1);
    const double ms = timeMs(
        [&] {
            DW_CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice));
        },
        2, 10);
    const double gbs = 2.0 * double(bytes) / (ms * 1e-3) / 1e9; // read + write
    std::printf("device-to-device copy of 1 GiB: %.1f GB/s (read+write), %.1f%% of peak\n", gbs,
                100.0 * gbs / peak);
}

void benchGemm(bool quick) {
    const int64_t n = 14336, k = 4096, t = 512; // an FFN up-projection, 512-token prefill
    const double flops = 2.0 * double(n) * double(k) * double(t);
    DeviceBuffer wq(rowBytes(DType::Q4_K, k) * size_t(n));
    DeviceBuffer wb(size_t(n) * size_t(k) * 2);
    DeviceBuffer x(size_t(t) * size_t(k) * 4), xb(size_t(t) * size_t(k) * 2);
    DeviceBuffer y(size_t(t) * size_t(n) * 4);
    fillRandom(wq, 3);
    {
        std::vector<float> hx(size_t(t) * size_t(k));
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (auto& v : hx) v = dist(rng);
        x.upload(hx.data(), hx.size() * sizeof(float));
    }
    // BF16 operands with finite values: dequantize a Q4_K matrix whose scales are sane.
    std::vector<uint8_t> hw(wq.bytes());
    wq.download(hw.data(), hw.size());
    for (size_t b = 0; b < hw.size(); b += 144) { // d = dmin = 2^-10 (half 0x1400)
        hw[b] = 0x00, hw[b + 1] = 0x14, hw[b + 2] = 0x00, hw[b + 3] = 0x14;
    }
    wq.upload(hw.data(), hw.size());
    MatView mq{DType::Q4_K, k, n, wq.data(), rowBytes(DType::Q4_K, k)};
    dequantizeRowsBf16(mq, 0, n, wb.as<uint16_t>(), nullptr);
    Blas blas;
    DW_CUBLAS_CHECK(cublasSetStream(blas.handle(), nullptr));
    const float alpha = 1.0f, beta = 0.0f;
    std::vector<uint16_t> hxb(size_t(t) * size_t(k), 0x3f80); // 1.0 in bf16
    xb.upload(hxb.data(), hxb.size() * 2);
    const int iters = quick ? 5 : 20;
    const double gemmMs = timeMs(
        [&] {
            DW_CUBLAS_CHECK(cublasGemmEx(blas.handle(), CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(t),
                                         int(k), &alpha, wb.data(), CUDA_R_16BF, int(k), xb.data(),
                                         CUDA_R_16BF, int(k), &beta, y.data(), CUDA_R_32F, int(n),
                                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        },
        3, iters);
    DeviceBuffer scratch(matmulScratchBytes(mq, t));
    const double fullMs = timeMs(
        [&] {
            matmul(blas, mq, x.as<float>(), t, y.as<float>(), scratch.data(), scratch.bytes(),
                   nullptr);
        },
        3, iters);
    std::printf("\nprefill GEMM [k=%lld, n=%lld] x %lld tokens (%.1f GFLOP)\n",
                static_cast<long long>(k), static_cast<long long>(n), static_cast<long long>(t),
                flops / 1e9);
    std::printf("  cublasGemmEx BF16 x BF16 -> F32, compute 32F: %8.3f ms  %7.1f TFLOP/s\n", gemmMs,
                flops / (gemmMs * 1e-3) / 1e12);
    std::printf("  cuda::matmul Q4_K (dequant + convert + GEMM): %8.3f ms  %7.1f TFLOP/s "
                "(%.0f tokens/s for this matrix)\n",
                fullMs, flops / (fullMs * 1e-3) / 1e12, double(t) / (fullMs * 1e-3));
}

} // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const ProbeResult& p = probe();
    if (!p.usable) {
        std::printf("bench_cuda: skipped: %s\n", p.reason.c_str());
        return 0;
    }
    try {
        const DeviceInfo info = deviceInfo(0);
        std::printf("device: %s (sm_%d%d), %d SMs, %.1f GiB, L2 %.0f MiB, driver %d, "
                    "runtime %d\n",
                    info.name.c_str(), info.major, info.minor, info.smCount,
                    double(info.totalMemory) / (1 << 30), double(info.l2CacheBytes) / (1 << 20),
                    info.driverVersion, info.runtimeVersion);
        std::printf("peak DRAM bandwidth: %.1f GB/s (memory clock %d kHz x %d bits x 2)\n",
                    info.peakBandwidthGBps(), info.memoryClockKHz, info.busWidthBits);
        benchCopy(info.peakBandwidthGBps());
        benchMatVec(info, quick);
        benchGemm(quick);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_cuda: %s\n", e.what());
        return 1;
    }
    return 0;
}
