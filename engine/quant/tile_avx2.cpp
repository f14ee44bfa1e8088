// AVX2 (+FMA, F16C) tiled kernels: the templates of tile_*.h on 256-bit registers (8 weight
// rows per vector). Compiled with -mavx2 -mfma -mf16c; only called after dispatch.cpp has
// checked the CPU.
#include "quant/tile_float.h"

namespace dw::quant {

void addAvx2TileKernels(KernelTable& t) {
    addTileKernels<Vec256>(t);
}

} // namespace dw::quant
