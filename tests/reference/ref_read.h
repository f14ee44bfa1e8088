#pragma once
// Helpers for reading GGUF keys in the reference loader (ref_hparams.cpp, ref_loader.cpp).
#include "ref_model.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dw::gguf {
class File;
}

namespace dw::ref::detail {

std::string num(int64_t v);
[[noreturn]] void formatError(const std::string& msg); // dw::Error(Format), "reference: " + msg
// An integer key that may be a scalar or a per-layer array (then all entries must agree).
std::optional<int64_t> uniformInt(const gguf::File& f, const std::string& key);
int64_t requiredInt(const gguf::File& f, const std::string& key);
// Format error naming `what`, the value and the range when v is outside 1..limit.
void requirePositive(const std::string& what, int64_t v, int64_t limit = int64_t(1) << 24);

// Every hyper-parameter of the file, after the per-architecture defaults and rules.
HParams readHParams(const gguf::File& f);

} // namespace dw::ref::detail
