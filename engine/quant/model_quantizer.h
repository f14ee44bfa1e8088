#pragma once
// Internals of deepwell/quantize.h shared by quant_type_choice.cpp (the rules) and
// model_quantizer.cpp (planning and writing), exposed for the tests.
#include "deepwell/dtype.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dw::quant {

// llama-quantize's tensor categories (ENGINE_FACTS 2.4): the first match wins. Output and
// token embedding match the whole name; the others match a substring, so "_exps"/"_shexp"
// variants fall into their base category.
enum class TensorCategory {
    Output,     // output.weight
    TokenEmbd,  // token_embd.weight
    AttnV,      // attn_qkv.weight, attn_kv_b.weight, attn_v.weight
    AttnK,      // attn_k.weight
    AttnQ,      // attn_q.weight
    AttnOutput, // attn_output.weight
    FfnUp,      // ffn_up*
    FfnGate,    // ffn_gate* (the router ffn_gate_inp is not quantized at all)
    FfnDown,    // ffn_down*
    Other,
};
TensorCategory tensorCategory(std::string_view name);
const char* tensorCategoryName(TensorCategory c);

// use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2, integer division.
bool useMoreBits(int i, int n);

// Dimensions as ggml counts them: 1 + the index of the last ne[k] > 1 (at least 1).
int ggmlDims(const std::array<int64_t, 4>& ne);

// The type actually stored when `wanted` cannot hold rows of ne0 elements: Q4_K -> Q5_0,
// Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> Q4_0, the output matrix (or tied embedding) ->
// Q8_0, anything else -> F16; F16 again when the fallback does not fit either. Returns wanted
// when it fits. `why` (optional) receives e.g. "ne0 640 not a multiple of 256 (Q4_K -> Q5_0)".
DType fallbackType(DType wanted, int64_t ne0, bool isOutput, std::string* why = nullptr);

// Why a tensor is not quantized (empty when it is): "1-D", "norm", "router", ...
std::string notQuantizableReason(std::string_view name, const std::array<int64_t, 4>& ne);

} // namespace dw::quant
