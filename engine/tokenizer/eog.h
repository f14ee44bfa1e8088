#pragma once
// End-of-generation ids (ENGINE_FACTS 5.5).
#include "tokenizer/vocab.h"

#include <cstdint>
#include <vector>

namespace dw::tok {

// eos, eot and eom, plus every token whose text is a known end-of-turn text; sorted, unique.
std::vector<int32_t> findEogIds(const Vocab& vocab);

} // namespace dw::tok
