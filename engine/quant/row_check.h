#pragma once
// Argument checks shared by the row functions of quant.h: bad input is a dw::Error naming the
// function, the field, the value and the limit.
#include "deepwell/dtype.h"
#include "deepwell/error.h"

#include <string>

namespace dw::quant {

// Number of blocks in a row of n elements of type t; throws when t is not a type id of the
// format or n is negative or not a multiple of the block size.
inline int64_t checkedBlockCount(DType t, int64_t n, const char* function) {
    const auto id = static_cast<uint32_t>(t);
    if (!isKnownDTypeId(id)) {
        throw Error(ErrorCode::Unsupported, std::string(function) + ": type id " +
                                                std::to_string(id) + " is not a known type");
    }
    const int64_t bs = dtypeTraits(t).blockSize;
    if (n < 0 || n % bs != 0) {
        throw Error(ErrorCode::InvalidArgument,
                    std::string(function) + ": row length n = " + std::to_string(n) +
                        " must be a non-negative multiple of the " + std::string(dtypeName(t)) +
                        " block size " + std::to_string(bs));
    }
    return n / bs;
}

} // namespace dw::quant
