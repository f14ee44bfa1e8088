// AVX-512 kernels with VNNI (vpdpbusd, vpdpwssd); compiled with the AVX-512 flags plus
// -mavx512vnni. Same kernel code as dot_avx512.cpp (dot_avx512_table.h).
#include "quant/dot_avx512_table.h"

#if !defined(__AVX512VNNI__)
#error "dot_avx512_vnni.cpp needs -mavx512vnni"
#endif

namespace dw::quant {

const KernelTable& avx512VnniKernelTable() {
    static const KernelTable table = makeAvx512Table();
    return table;
}

} // namespace dw::quant
