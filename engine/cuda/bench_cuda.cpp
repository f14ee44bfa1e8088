// bench_cuda: achieved bandwidth of the decode mat-vec per weight type, cuBLAS GEMM
// throughput for a prefill-sized product, and the whole forward pass (Context on the GPU)
// on a synthetic or given model. A program, not a test (STYLE habit 17).
//
//   bench_cuda [--quick] [--model PATH.gguf | --no-model]
//
// Prints the device, its peak bandwidth (memory clock x bus width x 2) and a device-to-
// device copy as the practical ceiling, then one row per weight type: a matrix of about
// 256 MiB (k = 16384), the time of the fast split kernel for 1, 2, 4 and 8 tokens, its
// GB/s = weight bytes / time at 1 token and % of peak, and the old kernel (matVecQ8_1,
// 36-byte activation blocks) at 1 and 8 tokens for comparison. Then the forward pass
// (bench_model.cpp). Exits 0 with a "skipped" line when there is no usable GPU.
#include "cuda/bench_model.h"
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

// The bytes are random, so some quantized blocks decode to NaN/Inf (their half scales are
// random too). Timing does not depend on values.
void benchMatVec(const DeviceInfo& info, bool quick) {
    const DType types[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                           DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K,
                           DType::F16,  DType::BF16, DType::F32};
    const int64_t k = 16384;
    const size_t target = size_t(256) << 20;
    const double peak = info.peakBandwidthGBps();
    const int iters = quick ? 5 : 20;
    DeviceBuffer x(size_t(k) * 8 * sizeof(float));
    {
        std::vector<float> hx(size_t(k) * 8);
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (auto& v : hx) v = dist(rng);
        x.upload(hx.data(), hx.size() * sizeof(float));
    }
    DeviceBuffer xq(q8_1RowBytes(k) * 8), xs(q8_1SplitRowBytes(k) * 8);
    quantizeQ8_1(x.as<float>(), xq.data(), k, 8, nullptr);
    quantizeQ8_1Split(x.as<float>(), xs.data(), k, 8, nullptr);
    DeviceBuffer y(size_t(1) << 22);

    std::printf("\nmat-vec (decode), k = %lld, matrix ~256 MiB, median of %d runs; new = split "
                "kernel, old = matVecQ8_1\n",
                static_cast<long long>(k), iters);
    std::printf("%-5s %6s %8s %7s %6s %8s %8s %8s %6s | %7s %6s %8s\n", "type", "MiB", "t=1 us",
                "GB/s", "%peak", "t=2 us", "t=4 us", "t=8 us", "t8/t1", "old GB/s", "%peak",
                "old t=8");
    for (DType t : types) {
        const size_t rb = rowBytes(t, k);
        const int64_t n = int64_t(target / rb) / 16 * 16;
        const size_t bytes = rb * size_t(n);
        DeviceBuffer w(bytes);
        fillRandom(w, 11);
        MatView mv{t, k, n, w.data(), rb};
        if (size_t(n) * 8 * sizeof(float) > y.bytes()) y = DeviceBuffer(size_t(n) * 8 * 4);
        const bool quant = dtypeTraits(t).quantized;
        auto timeIt = [&](int64_t nt, bool old) {
            auto run = [&] {
                if (!quant)
                    matVecFloat(mv, x.as<float>(), nt, y.as<float>(), nullptr);
                else if (old)
                    matVecQ8_1(mv, xq.data(), nt, y.as<float>(), nullptr);
                else
                    matVecQ8_1Split(mv, xs.data(), nt, y.as<float>(), nullptr);
            };
            return 1e3 * timeMs(run, 3, iters);
        };
        const double us1 = timeIt(1, false), us2 = timeIt(2, false), us4 = timeIt(4, false),
                     us8 = timeIt(8, false);
        const double gbs = double(bytes) / (us1 * 1e-6) / 1e9;
        std::printf("%-5s %6.0f %8.1f %7.0f %5.1f%% %8.1f %8.1f %8.1f %6.2f",
                    std::string(dtypeName(t)).c_str(), double(bytes) / (1 << 20), us1, gbs,
                    100.0 * gbs / peak, us2, us4, us8, us8 / us1);
        if (quant) {
            const double o1 = timeIt(1, true), o8 = timeIt(8, true);
            const double ogbs = double(bytes) / (o1 * 1e-6) / 1e9;
            std::printf(" | %7.0f %5.1f%% %8.1f\n", ogbs, 100.0 * ogbs / peak, o8);
        } else {
            std::printf(" | (float kernel)\n");
        }
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
    bool quick = false, modelBench = true;
    std::string modelPath;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (std::strcmp(argv[i], "--no-model") == 0) {
            modelBench = false;
        } else if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            modelPath = argv[++i];
        } else {
            std::fprintf(stderr, "usage: bench_cuda [--quick] [--model PATH.gguf | --no-model]\n");
            return 2;
        }
    }
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
        if (modelBench) benchModel(info.peakBandwidthGBps(), modelPath, quick);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_cuda: %s\n", e.what());
        return 1;
    }
    return 0;
}
