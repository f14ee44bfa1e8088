#include "deepwell/dtype.h"

#include "deepwell/error.h"

#include <array>
#include <cctype>
#include <string>

namespace dw {
namespace {

// Block sizes and bytes from ../shared/reference/ENGINE_FACTS.md section 1.6.
constexpr std::array<DTypeTraits, kDTypeIdCount> makeTable() {
    std::array<DTypeTraits, kDTypeIdCount> t{};
    auto set = [&t](DType d, std::string_view name, uint32_t bs, uint32_t bb, bool q, bool c) {
        t[static_cast<uint32_t>(d)] = DTypeTraits{name, bs, bb, q, c};
    };
    set(DType::F32, "F32", 1, 4, false, true);
    set(DType::F16, "F16", 1, 2, false, true);
    set(DType::Q4_0, "Q4_0", 32, 18, true, true);
    set(DType::Q4_1, "Q4_1", 32, 20, true, true);
    set(DType::Q5_0, "Q5_0", 32, 22, true, true);
    set(DType::Q5_1, "Q5_1", 32, 24, true, true);
    set(DType::Q8_0, "Q8_0", 32, 34, true, true);
    set(DType::Q8_1, "Q8_1", 32, 36, true, false);
    set(DType::Q2_K, "Q2_K", 256, 84, true, true);
    set(DType::Q3_K, "Q3_K", 256, 110, true, true);
    set(DType::Q4_K, "Q4_K", 256, 144, true, true);
    set(DType::Q5_K, "Q5_K", 256, 176, true, true);
    set(DType::Q6_K, "Q6_K", 256, 210, true, true);
    set(DType::Q8_K, "Q8_K", 256, 292, true, false);
    set(DType::IQ2_XXS, "IQ2_XXS", 256, 66, true, false);
    set(DType::IQ2_XS, "IQ2_XS", 256, 74, true, false);
    set(DType::IQ3_XXS, "IQ3_XXS", 256, 98, true, false);
    set(DType::IQ1_S, "IQ1_S", 256, 50, true, false);
    set(DType::IQ4_NL, "IQ4_NL", 32, 18, true, false);
    set(DType::IQ3_S, "IQ3_S", 256, 110, true, false);
    set(DType::IQ2_S, "IQ2_S", 256, 82, true, false);
    set(DType::IQ4_XS, "IQ4_XS", 256, 136, true, false);
    set(DType::I8, "I8", 1, 1, false, false);
    set(DType::I16, "I16", 1, 2, false, false);
    set(DType::I32, "I32", 1, 4, false, false);
    set(DType::I64, "I64", 1, 8, false, false);
    set(DType::F64, "F64", 1, 8, false, false);
    set(DType::IQ1_M, "IQ1_M", 256, 56, true, false);
    set(DType::BF16, "BF16", 1, 2, false, true);
    set(DType::TQ1_0, "TQ1_0", 256, 54, true, false);
    set(DType::TQ2_0, "TQ2_0", 256, 66, true, false);
    set(DType::MXFP4, "MXFP4", 32, 17, true, false);
    set(DType::NVFP4, "NVFP4", 64, 36, true, false);
    set(DType::Q1_0, "Q1_0", 128, 18, true, false);
    set(DType::Q2_0, "Q2_0", 64, 18, true, false);
    return t;
}

constexpr auto kTable = makeTable();

} // namespace

bool isKnownDTypeId(uint32_t id) {
    return id < kDTypeIdCount && !kTable[id].name.empty();
}

const DTypeTraits& dtypeTraits(DType t) {
    const auto id = static_cast<uint32_t>(t);
    DW_ASSERT(isKnownDTypeId(id));
    return kTable[id];
}

std::string_view dtypeName(DType t) {
    const auto id = static_cast<uint32_t>(t);
    return isKnownDTypeId(id) ? kTable[id].name : std::string_view("?");
}

bool dtypeFromName(std::string_view name, DType& out) {
    std::string upper(name);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (uint32_t id = 0; id < kDTypeIdCount; ++id) {
        if (!kTable[id].name.empty() && kTable[id].name == upper) {
            out = static_cast<DType>(id);
            return true;
        }
    }
    return false;
}

size_t rowBytes(DType t, int64_t n) {
    const auto& tr = dtypeTraits(t);
    DW_ASSERT(n >= 0 && n % tr.blockSize == 0);
    return static_cast<size_t>(n / tr.blockSize) * tr.blockBytes;
}

} // namespace dw
