#pragma once
// Internal steps of gguf::File::parse (gguf_file.cpp). Each validates what it reads against
// the file and throws dw::Error(Format) naming the field.
#include "deepwell/gguf.h"
#include "gguf/byte_cursor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dw::gguf {

struct ParsedMetadata {
    std::vector<std::pair<std::string, Value>> entries; // file order
    uint32_t alignment = 32;                            // general.alignment or the default
};

// Reads `count` key-value records at the cursor.
ParsedMetadata readMetadata(ByteCursor& cur, uint64_t count);

// Reads `count` tensor-info records at the cursor: names, dims, types and sizes are checked;
// where the data lies is not (see placeTensors). TensorInfo::data stays null.
std::vector<TensorInfo> readTensorInfos(ByteCursor& cur, uint64_t count);

// Checks each tensor's offset against the alignment, that its bytes lie inside the file
// (dataOffset + offset + nBytes <= file size) and that no two tensors overlap; then points
// TensorInfo::data into the buffer.
void placeTensors(const ByteCursor& cur, std::vector<TensorInfo>& tensors, uint64_t dataOffset,
                  uint32_t alignment);

} // namespace dw::gguf
