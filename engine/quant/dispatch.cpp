// Run-time choice of kernels: CPU feature detection, DEEPWELL_ISA, vecDotType, vecDotFn,
// vecDotTileFn.
#include "deepwell/error.h"
#include "quant/kernels.h"
#include "quant/quant.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace dw::quant {
namespace {

bool cpuHas(KernelVariant v) {
#if defined(__x86_64__) || defined(_M_X64)
    // __builtin_cpu_supports also checks that the OS saves the ymm/zmm state.
    switch (v) {
    case KernelVariant::Scalar:
        return true;
    case KernelVariant::Avx2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("f16c");
    case KernelVariant::Avx512:
        return cpuHas(KernelVariant::Avx2) && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    case KernelVariant::Avx512Vnni:
        return cpuHas(KernelVariant::Avx512) && __builtin_cpu_supports("avx512vnni");
    }
    return false;
#else
    return v == KernelVariant::Scalar;
#endif
}

Isa detectBestIsa() {
    Isa best = cpuHas(KernelVariant::Avx512) ? Isa::Avx512
               : cpuHas(KernelVariant::Avx2) ? Isa::Avx2
                                             : Isa::Scalar;
    // DEEPWELL_ISA only lowers the choice: asking for more than the CPU has changes nothing.
    if (const char* env = std::getenv("DEEPWELL_ISA")) {
        Isa wanted = best;
        if (std::strcmp(env, "scalar") == 0)
            wanted = Isa::Scalar;
        else if (std::strcmp(env, "avx2") == 0)
            wanted = Isa::Avx2;
        else if (std::strcmp(env, "avx512") == 0)
            wanted = Isa::Avx512;
        if (static_cast<int>(wanted) < static_cast<int>(best)) best = wanted;
    }
    return best;
}

// Variants from `v` downwards, for the fallback to the next lower kernel.
KernelVariant lower(KernelVariant v) {
    switch (v) {
    case KernelVariant::Avx512Vnni:
        return KernelVariant::Avx512;
    case KernelVariant::Avx512:
        return KernelVariant::Avx2;
    default:
        return KernelVariant::Scalar;
    }
}

template <class Pick> auto firstNonNull(KernelVariant v, Pick pick) {
    for (;;) {
        if (kernelVariantSupported(v)) {
            if (auto f = pick(kernelTable(v))) return f;
        }
        if (v == KernelVariant::Scalar) return pick(kernelTable(v));
        v = lower(v);
    }
}

// The tile of a type that has no specialised tile kernel on an ISA: a loop over the ISA's
// VecDotFn, looked up once per (type, ISA) instantiation.
template <uint32_t Id, int IsaId>
void loopTileOf(int64_t n, const void* w, size_t wStride, int nRows, const void* a, size_t aStride,
                int nCols, float* out, size_t outStride) {
    static const VecDotFn dot = vecDotFn(static_cast<DType>(Id), static_cast<Isa>(IsaId));
    tileByDots(dot, n, w, wStride, nRows, a, aStride, nCols, out, outStride);
}

template <int IsaId, uint32_t... Ids>
constexpr std::array<VecDotTileFn, kDTypeIdCount>
loopTiles(std::integer_sequence<uint32_t, Ids...>) {
    return {&loopTileOf<Ids, IsaId>...};
}

// Likewise the rows kernel of a type without a specialised one.
template <uint32_t Id, int IsaId>
void loopRowsOf(int64_t n, const void* w, size_t wStride, int nRows, const void* a, float* out) {
    static const VecDotFn dot = vecDotFn(static_cast<DType>(Id), static_cast<Isa>(IsaId));
    rowsByDots(dot, n, w, wStride, nRows, a, out);
}

template <int IsaId, uint32_t... Ids>
constexpr std::array<VecDotRowsFn, kDTypeIdCount>
loopRows(std::integer_sequence<uint32_t, Ids...>) {
    return {&loopRowsOf<Ids, IsaId>...};
}

// The kernel pick(type, bestIsa()) of every weight type, for the look-ups made once per
// type (matmul asks for every piece of every product).
template <class Fn> std::array<Fn, kDTypeIdCount> perTypeForBestIsa(Fn (*pick)(DType, Isa)) {
    std::array<Fn, kDTypeIdCount> t{};
    for (uint32_t id = 0; id < kDTypeIdCount; ++id) t[id] = pick(static_cast<DType>(id), bestIsa());
    return t;
}

} // namespace

void tileByDots(VecDotFn dot, int64_t n, const void* w, size_t wStride, int nRows, const void* a,
                size_t aStride, int nCols, float* out, size_t outStride) {
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto* ab = static_cast<const uint8_t*>(a);
    for (int c = 0; c < nCols; ++c) {
        for (int r = 0; r < nRows; ++r)
            out[size_t(c) * outStride + size_t(r)] =
                dot(n, wb + size_t(r) * wStride, ab + size_t(c) * aStride);
    }
}

void rowsByDots(VecDotFn dot, int64_t n, const void* w, size_t wStride, int nRows, const void* a,
                float* out) {
    const auto* wb = static_cast<const uint8_t*>(w);
    for (int r = 0; r < nRows; ++r) out[r] = dot(n, wb + size_t(r) * wStride, a);
}

const char* isaName(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return "scalar";
    case Isa::Avx2:
        return "avx2";
    case Isa::Avx512:
        return "avx512";
    }
    return "?";
}

bool isaSupported(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return true;
    case Isa::Avx2:
        return cpuHas(KernelVariant::Avx2);
    case Isa::Avx512:
        return cpuHas(KernelVariant::Avx512);
    }
    return false;
}

Isa bestIsa() {
    static const Isa isa = detectBestIsa();
    return isa;
}

const char* kernelVariantName(KernelVariant v) {
    switch (v) {
    case KernelVariant::Scalar:
        return "scalar";
    case KernelVariant::Avx2:
        return "avx2";
    case KernelVariant::Avx512:
        return "avx512";
    case KernelVariant::Avx512Vnni:
        return "avx512vnni";
    }
    return "?";
}

bool kernelVariantSupported(KernelVariant v) {
    static const bool supported[4] = {true, cpuHas(KernelVariant::Avx2),
                                      cpuHas(KernelVariant::Avx512),
                                      cpuHas(KernelVariant::Avx512Vnni)};
    return supported[static_cast<int>(v)];
}

const KernelTable& kernelTable(KernelVariant v) {
#if defined(__x86_64__) || defined(_M_X64)
    switch (v) {
    case KernelVariant::Scalar:
        return scalarKernelTable();
    case KernelVariant::Avx2:
        return avx2KernelTable();
    case KernelVariant::Avx512:
        return avx512KernelTable();
    case KernelVariant::Avx512Vnni:
        return avx512VnniKernelTable();
    }
#endif
    static const KernelTable empty{};
    return v == KernelVariant::Scalar ? scalarKernelTable() : empty;
}

KernelVariant kernelVariantFor(Isa isa) {
    switch (isa) {
    case Isa::Scalar:
        return KernelVariant::Scalar;
    case Isa::Avx2:
        return KernelVariant::Avx2;
    case Isa::Avx512:
        return kernelVariantSupported(KernelVariant::Avx512Vnni) ? KernelVariant::Avx512Vnni
                                                                 : KernelVariant::Avx512;
    }
    return KernelVariant::Scalar;
}

QuantizeActFn activationQuantizer(DType t) {
    static const QuantizeActFn fns[3] = {
        firstNonNull(kernelVariantFor(bestIsa()),
                     [](const KernelTable& k) { return k.quantizeQ8_0; }),
        firstNonNull(kernelVariantFor(bestIsa()),
                     [](const KernelTable& k) { return k.quantizeQ8_1; }),
        firstNonNull(kernelVariantFor(bestIsa()),
                     [](const KernelTable& k) { return k.quantizeQ8_K; }),
    };
    switch (t) {
    case DType::Q8_0:
        return fns[0];
    case DType::Q8_1:
        return fns[1];
    case DType::Q8_K:
        return fns[2];
    default:
        break;
    }
    throw Error(ErrorCode::InvalidArgument, std::string("activationQuantizer: type ") +
                                                std::string(dtypeName(t)) +
                                                " is not an activation format (Q8_0, Q8_1, Q8_K)");
}

DType vecDotType(DType weightType) {
    switch (weightType) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
        return DType::F32;
    case DType::Q4_0:
    case DType::Q5_0:
    case DType::Q8_0:
        return DType::Q8_0;
    case DType::Q4_1:
    case DType::Q5_1:
        return DType::Q8_1;
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
        return DType::Q8_K;
    default:
        break;
    }
    throw Error(ErrorCode::Unsupported, std::string("vecDotType: weight type ") +
                                            std::string(dtypeName(weightType)) +
                                            " has no dot product (supported: F32, F16, BF16, "
                                            "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K)");
}

VecDotFn vecDotFn(DType weightType, Isa isa) {
    const auto id = static_cast<uint32_t>(weightType);
    if (id >= kDTypeIdCount) return nullptr;
    // An ISA the CPU lacks is lowered to the best one it has below it.
    while (!isaSupported(isa)) isa = static_cast<Isa>(static_cast<int>(isa) - 1);
    return firstNonNull(kernelVariantFor(isa), [id](const KernelTable& k) { return k.dot[id]; });
}

VecDotTileFn vecDotTileFn(DType weightType, Isa isa) {
    const auto id = static_cast<uint32_t>(weightType);
    if (id >= kDTypeIdCount || vecDotFn(weightType, isa) == nullptr) return nullptr;
    while (!isaSupported(isa)) isa = static_cast<Isa>(static_cast<int>(isa) - 1);
    if (isa == Isa::Scalar) return kernelTable(KernelVariant::Scalar).tile[id];
    // A specialised tile of this ISA or a lower SIMD one beats a loop over single dots.
    for (KernelVariant v = kernelVariantFor(isa); v != KernelVariant::Scalar; v = lower(v)) {
        if (kernelVariantSupported(v) && kernelTable(v).tile[id]) return kernelTable(v).tile[id];
    }
    using Ids = std::make_integer_sequence<uint32_t, kDTypeIdCount>;
    static constexpr std::array<VecDotTileFn, kDTypeIdCount> loops[2] = {
        loopTiles<int(Isa::Avx2)>(Ids{}), loopTiles<int(Isa::Avx512)>(Ids{})};
    return loops[isa == Isa::Avx2 ? 0 : 1][id];
}

VecDotRowsFn vecDotRowsFn(DType weightType, Isa isa) {
    const auto id = static_cast<uint32_t>(weightType);
    if (id >= kDTypeIdCount || vecDotFn(weightType, isa) == nullptr) return nullptr;
    while (!isaSupported(isa)) isa = static_cast<Isa>(static_cast<int>(isa) - 1);
    if (isa == Isa::Scalar) return kernelTable(KernelVariant::Scalar).rows[id];
    // A specialised rows kernel of this ISA or a lower SIMD one beats a loop over single dots.
    for (KernelVariant v = kernelVariantFor(isa); v != KernelVariant::Scalar; v = lower(v)) {
        if (kernelVariantSupported(v) && kernelTable(v).rows[id]) return kernelTable(v).rows[id];
    }
    using Ids = std::make_integer_sequence<uint32_t, kDTypeIdCount>;
    static constexpr std::array<VecDotRowsFn, kDTypeIdCount> loops[2] = {
        loopRows<int(Isa::Avx2)>(Ids{}), loopRows<int(Isa::Avx512)>(Ids{})};
    return loops[isa == Isa::Avx2 ? 0 : 1][id];
}

VecDotRowsFn vecDotRowsFn(DType weightType) {
    static const auto table = perTypeForBestIsa<VecDotRowsFn>(vecDotRowsFn);
    const auto id = static_cast<uint32_t>(weightType);
    return id < kDTypeIdCount ? table[id] : nullptr;
}

VecDotRowsTokensFn vecDotRowsTokensFn(DType weightType, Isa isa) {
    const auto id = static_cast<uint32_t>(weightType);
    if (id >= kDTypeIdCount || vecDotRowsFn(weightType, isa) == nullptr) return nullptr;
    while (!isaSupported(isa)) isa = static_cast<Isa>(static_cast<int>(isa) - 1);
    // Only the variant vecDotRowsFn would use: the result must equal its, bit for bit.
    const KernelVariant v = kernelVariantFor(isa);
    if (isa == Isa::Scalar || !kernelVariantSupported(v) || kernelTable(v).rows[id] != vecDotRowsFn(weightType, isa))
        return nullptr;
    return kernelTable(v).rowsTokens[id];
}

VecDotRowsTokensFn vecDotRowsTokensFn(DType weightType) {
    static const auto table = perTypeForBestIsa<VecDotRowsTokensFn>(vecDotRowsTokensFn);
    const auto id = static_cast<uint32_t>(weightType);
    return id < kDTypeIdCount ? table[id] : nullptr;
}

} // namespace dw::quant
