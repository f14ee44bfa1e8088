#include "gguf/byte_cursor.h"

namespace dw::gguf {

void ByteCursor::failAt(uint64_t offset, const std::string& where,
                        const std::string& problem) const {
    throw Error(ErrorCode::Format, std::string(m_fileName) + ": " + where + ": " + problem +
                                       " (offset " + std::to_string(offset) + ", file size " +
                                       std::to_string(m_size) + ")");
}

void ByteCursor::failTruncated(const std::string& where, uint64_t need) const {
    fail(where, "truncated: needs " + std::to_string(need) + " bytes but only " +
                    std::to_string(remaining()) + " remain");
}

} // namespace dw::gguf
