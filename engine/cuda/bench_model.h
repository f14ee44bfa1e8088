#pragma once
// The forward-pass part of bench_cuda (bench_model.cpp).
#include <string>

namespace dw::cuda {

// Prefill and decode speed of a Context on the GPU, and decode as a percentage of the
// bandwidth bound (peak bandwidth / bytes read per token). Benchmarks the GGUF at `path`,
// or, when it is empty, a synthetic llama-shaped model written to a temporary folder.
void benchModel(double peakGBps, const std::string& path, bool quick);

} // namespace dw::cuda
