#pragma once
// Holds back streamed text that could still become a stop string, and cuts the text at the
// first stop string that appears (the stop string itself is never emitted).
#include <string>
#include <string_view>
#include <vector>

namespace dw::model {

class StopFilter {
public:
    explicit StopFilter(std::vector<std::string> stops) : m_stops(std::move(stops)) {}

    // Appends text; returns what can be shown now. Sets `stopped` when a stop string appeared
    // (the returned text then ends just before it, and later calls return nothing).
    std::string push(std::string_view text, bool& stopped);
    // Whatever is held back (call at the end of generation).
    std::string flush();

private:
    std::vector<std::string> m_stops;
    std::string m_pending;
};

} // namespace dw::model
