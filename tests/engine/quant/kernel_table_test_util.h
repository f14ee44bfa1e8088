#pragma once
// Shared by the tiled and multi-row kernel suites: the kernels a suite checks (each supported
// variant's own table entry and what the dispatcher gives per supported ISA), and the checks
// of how the dispatcher chooses them. `entries` is a member of KernelTable (tile, rows), and
// `dispatch` the public chooser (vecDotTileFn, vecDotRowsFn).
#include "quant/kernels.h"
#include "quant/quant.h"

#include <QtTest>

#include <vector>

namespace dw::quant::test {

template <class Fn> struct KernelCandidate {
    QString name;
    Fn fn;
};

template <class Fn>
std::vector<KernelCandidate<Fn>> kernelCandidates(DType t, Fn (KernelTable::*entries)[kDTypeIdCount],
                                                  Fn (*dispatch)(DType, Isa)) {
    std::vector<KernelCandidate<Fn>> out;
    for (KernelVariant v : kAllKernelVariants) {
        if (!kernelVariantSupported(v) || !(kernelTable(v).*entries)[uint32_t(t)]) continue;
        out.push_back({QString("table %1").arg(kernelVariantName(v)), (kernelTable(v).*entries)[uint32_t(t)]});
    }
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
        if (isaSupported(isa)) out.push_back({QString("dispatch %1").arg(isaName(isa)), dispatch(t, isa)});
    }
    return out;
}

// Every type of `types` has a kernel of its own on each supported variant, the ISA's variant
// is the one chosen, the scalar ISA gets the scalar table; types without a dot (IQ4_XS) or
// activation-only ones (Q8_K) get none.
template <class Fn, class Types>
void checkKernelSelection(const Types& types, Fn (KernelTable::*entries)[kDTypeIdCount],
                          Fn (*dispatch)(DType, Isa), Fn (*dispatchBest)(DType)) {
    for (DType t : types) {
        const auto id = uint32_t(t);
        for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) QVERIFY(dispatch(t, isa) != nullptr);
        QVERIFY(dispatch(t, Isa::Scalar) == (kernelTable(KernelVariant::Scalar).*entries)[id]);
        QVERIFY(dispatchBest(t) == dispatch(t, bestIsa()));
        for (KernelVariant v : kAllKernelVariants) {
            if (kernelVariantSupported(v)) QVERIFY((kernelTable(v).*entries)[id] != nullptr);
        }
        for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
            if (isaSupported(isa)) QVERIFY(dispatch(t, isa) == (kernelTable(kernelVariantFor(isa)).*entries)[id]);
        }
    }
    QVERIFY(dispatch(DType::IQ4_XS, Isa::Scalar) == nullptr);
    QVERIFY(dispatch(DType::Q8_K, Isa::Avx2) == nullptr);
}

} // namespace dw::quant::test
