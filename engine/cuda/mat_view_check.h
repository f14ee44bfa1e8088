#pragma once
// Argument checks of a device weight matrix, shared by the launchers that take a MatView.
#include "cuda/ops.h"

namespace dw::cuda::detail {

// Throws dw::Error unless w has a supported type, a positive shape, k a multiple of the
// type's block size, a row stride of at least one row and a non-null data pointer.
// `op` names the launcher in the message.
void checkMatView(const MatView& w, const char* op);

} // namespace dw::cuda::detail
