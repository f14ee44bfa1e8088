#pragma once
#include <string>
#include <vector>

namespace dw::model {

// Chat format for model files without a chat template (see the .cpp for why).
const char* transcriptChatTemplate();
// Where a reply in that format ends.
const std::vector<std::string>& transcriptStopStrings();

} // namespace dw::model
