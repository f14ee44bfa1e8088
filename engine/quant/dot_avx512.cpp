// AVX-512 (F, BW, VL) kernels without VNNI; compiled with -mavx512f -mavx512bw -mavx512vl
// (plus the AVX2 flags). The kernel code lives in the headers of dot_avx512_table.h, shared
// with dot_avx512_vnni.cpp.
#include "quant/dot_avx512_table.h"

#if defined(__AVX512VNNI__)
#error "dot_avx512.cpp is the variant without VNNI; build it without -mavx512vnni"
#endif

namespace dw::quant {

const KernelTable& avx512KernelTable() {
    static const KernelTable table = makeAvx512Table();
    return table;
}

} // namespace dw::quant
