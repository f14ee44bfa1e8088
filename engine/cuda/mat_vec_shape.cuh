#pragma once
// CTA shape of the mat-vec kernels by token count (CUDA_FACTS 2.4, the Ampere/Ada/Hopper
// table): 4 warps for 1..4 tokens, 2 for 5..8; one output row per CTA for a single token,
// two for 2..8 (the activation loads are then shared by two weight rows).
namespace dw::cuda::detail {

template <int kTokens> struct MatVecShape;
template <> struct MatVecShape<1> { static constexpr int kRows = 1, kWarps = 4; };
template <> struct MatVecShape<2> { static constexpr int kRows = 2, kWarps = 4; };
template <> struct MatVecShape<4> { static constexpr int kRows = 2, kWarps = 4; };
template <> struct MatVecShape<8> { static constexpr int kRows = 2, kWarps = 2; };

} // namespace dw::cuda::detail
