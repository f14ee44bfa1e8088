// Weight-matrix argument checks (mat_view_check.h).
#include "cuda/mat_view_check.h"

#include "deepwell/error.h"

#include <string>

namespace dw::cuda {

bool isSupportedWeightType(DType t) {
    switch (t) {
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q8_0:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::F16:
    case DType::BF16:
    case DType::F32:
        return true;
    default:
        return false;
    }
}

namespace detail {

void checkMatView(const MatView& w, const char* op) {
    // Built only when a check fails (this runs for every product of every token).
    const auto where = [op] { return std::string("cuda::") + op + ": "; };
    if (!isSupportedWeightType(w.type))
        throw Error(ErrorCode::Unsupported, where() + "weight type " +
                                                std::string(dtypeName(w.type)) + " (id " +
                                                std::to_string(static_cast<uint32_t>(w.type)) +
                                                ") is not supported by the CUDA kernels");
    if (w.data == nullptr) throw Error(ErrorCode::InvalidArgument, where() + "w.data is null");
    if (w.k <= 0 || w.n <= 0)
        throw Error(ErrorCode::InvalidArgument, where() + "shape [" + std::to_string(w.k) + ", " +
                                                    std::to_string(w.n) + "] must be positive");
    const auto block = int64_t(dtypeTraits(w.type).blockSize);
    if (w.k % block != 0)
        throw Error(ErrorCode::InvalidArgument,
                    where() + "w.k = " + std::to_string(w.k) + " is not a multiple of the " +
                        std::string(dtypeName(w.type)) + " block size " + std::to_string(block));
    if (w.rowStride < rowBytes(w.type, w.k))
        throw Error(ErrorCode::InvalidArgument,
                    where() + "w.rowStride = " + std::to_string(w.rowStride) +
                        " is below the row size " + std::to_string(rowBytes(w.type, w.k)));
}

} // namespace detail
} // namespace dw::cuda
