#include "model/stop_filter.h"

#include <algorithm>
#include <utility>

namespace dw::model {

std::string StopFilter::push(std::string_view text, bool& stopped) {
    m_pending.append(text);
    size_t cut = std::string::npos;
    for (const auto& s : m_stops) {
        if (s.empty()) continue;
        const size_t at = m_pending.find(s);
        if (at != std::string::npos) cut = std::min(cut, at);
    }
    if (cut != std::string::npos) {
        stopped = true;
        std::string out = m_pending.substr(0, cut);
        m_pending.clear();
        return out;
    }
    // Keep the longest tail that is a proper prefix of some stop string.
    size_t hold = 0;
    for (const auto& s : m_stops) {
        if (s.empty()) continue;
        for (size_t len = std::min(s.size() - 1, m_pending.size()); len > hold; --len)
            if (m_pending.compare(m_pending.size() - len, len, s, 0, len) == 0) {
                hold = len;
                break;
            }
    }
    std::string out = m_pending.substr(0, m_pending.size() - hold);
    m_pending.erase(0, m_pending.size() - hold);
    return out;
}

std::string StopFilter::flush() { return std::exchange(m_pending, {}); }

} // namespace dw::model
