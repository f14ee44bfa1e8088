// Tensor-info records and tensor data placement (ENGINE_FACTS.md 1.5, 1.6).
// Record: name gguf_string, u32 n_dims, n_dims x u64 ne (ne[0] fastest), u32 ggml type id,
// u64 offset relative to the data section.
#include "gguf/gguf_limits.h"
#include "gguf/gguf_parse.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace dw::gguf {
namespace {

std::string shapeText(const TensorInfo& t) {
    std::string s = "[";
    for (uint32_t d = 0; d < t.nDims; ++d) s += (d ? ", " : "") + std::to_string(t.ne[d]);
    return s + "]";
}

class TensorInfoReader {
public:
    explicit TensorInfoReader(ByteCursor& cur) : m_cur(cur) {}

    std::vector<TensorInfo> readAll(uint64_t count) {
        std::vector<TensorInfo> out;
        out.reserve(reserveFor(count));
        std::unordered_map<std::string_view, uint64_t> seen; // views into the buffer
        seen.reserve(reserveFor(count));
        for (m_index = 0; m_index < count; ++m_index) {
            m_name = {};
            const uint64_t namePos = m_cur.pos();
            m_name = m_cur.readString([&] { return where() + ": name"; });
            checkName(namePos + 8);
            const auto [it, fresh] = seen.emplace(m_name, m_index);
            if (!fresh)
                m_cur.failAt(namePos, where(),
                             "duplicate tensor name (first seen as tensor info #" +
                                 std::to_string(it->second) + ")");
            out.push_back(readRest());
        }
        return out;
    }

private:
    std::string where() const {
        std::string s = "tensor info #" + std::to_string(m_index);
        if (!m_name.empty()) {
            s += " ('";
            s += printable(m_name);
            s += "')";
        }
        return s;
    }

    void checkName(uint64_t bytesPos) {
        if (m_name.empty()) m_cur.failAt(bytesPos, where(), "empty tensor name");
        if (m_name.size() > kMaxTensorNameBytes)
            m_cur.failAt(bytesPos, where(),
                         "name is " + std::to_string(m_name.size()) + " bytes long; the limit is " +
                             std::to_string(kMaxTensorNameBytes));
        size_t bad = 0;
        if (!isValidUtf8(m_name, &bad))
            m_cur.failAt(bytesPos + bad, where(),
                         "name is not valid UTF-8 (bad byte at index " + std::to_string(bad) + ")");
    }

    TensorInfo readRest() {
        TensorInfo t;
        t.name = std::string(m_name);
        uint64_t pos = m_cur.pos();
        t.nDims = m_cur.read<uint32_t>([&] { return where() + ": n_dims"; });
        if (t.nDims < 1 || t.nDims > kMaxDims)
            m_cur.failAt(pos, where(),
                         "n_dims " + std::to_string(t.nDims) + " is outside 1.." +
                             std::to_string(kMaxDims));
        for (uint32_t d = 0; d < t.nDims; ++d) {
            const std::string dim = "ne[" + std::to_string(d) + "]";
            pos = m_cur.pos();
            const auto n = m_cur.read<uint64_t>([&] { return where() + ": " + dim; });
            if (n == 0)
                m_cur.failAt(pos, where(), dim + " is 0; every dimension must be at least 1");
            if (n > static_cast<uint64_t>(INT64_MAX))
                m_cur.failAt(pos, where(), dim + " = " + std::to_string(n) + " exceeds INT64_MAX");
            t.ne[d] = static_cast<int64_t>(n);
        }
        pos = m_cur.pos();
        const auto typeId = m_cur.read<uint32_t>([&] { return where() + ": type"; });
        if (!isKnownDTypeId(typeId))
            m_cur.failAt(pos, where(),
                         "type id " + std::to_string(typeId) + " is not a known GGML tensor type");
        t.type = static_cast<DType>(typeId);
        pos = m_cur.pos();
        t.offset = m_cur.read<uint64_t>([&] { return where() + ": offset"; });
        computeSize(t, pos);
        return t;
    }

    // Element count must fit int64 (TensorInfo::nElements); ne[0] must be whole blocks.
    void computeSize(TensorInfo& t, uint64_t recordPos) {
        int64_t elements = 1;
        for (int64_t n : t.ne)
            if (__builtin_mul_overflow(elements, n, &elements))
                m_cur.failAt(recordPos, where(),
                             "element count of shape " + shapeText(t) + " overflows int64");
        const DTypeTraits& tr = dtypeTraits(t.type);
        if (t.ne[0] % tr.blockSize != 0)
            m_cur.failAt(recordPos, where(),
                         "ne[0] = " + std::to_string(t.ne[0]) +
                             " is not a multiple of the block size " +
                             std::to_string(tr.blockSize) + " of " + std::string(tr.name));
        uint64_t row = 0, bytes = 0;
        const auto blocks = static_cast<uint64_t>(t.ne[0] / tr.blockSize);
        if (__builtin_mul_overflow(blocks, uint64_t{tr.blockBytes}, &row) ||
            __builtin_mul_overflow(row, static_cast<uint64_t>(t.nRows()), &bytes))
            m_cur.failAt(recordPos, where(),
                         "byte size of " + std::string(tr.name) + " " + shapeText(t) +
                             " overflows");
        t.nBytes = bytes;
    }

    ByteCursor& m_cur;
    uint64_t m_index = 0;
    std::string_view m_name; // into the buffer
};

} // namespace

std::vector<TensorInfo> readTensorInfos(ByteCursor& cur, uint64_t count) {
    return TensorInfoReader(cur).readAll(count);
}

void placeTensors(const ByteCursor& cur, std::vector<TensorInfo>& tensors, uint64_t dataOffset,
                  uint32_t alignment) {
    const uint64_t size = cur.size();
    auto fail = [&](const TensorInfo& t, const std::string& problem) {
        throw Error(ErrorCode::Format, std::string(cur.fileName()) + ": tensor '" +
                                           printable(t.name) + "': " + problem);
    };
    for (TensorInfo& t : tensors) {
        if (t.offset % alignment != 0)
            fail(t, "data offset " + std::to_string(t.offset) +
                        " is not a multiple of the alignment " + std::to_string(alignment));
        // dataOffset + offset + nBytes <= size, without overflowing.
        if (dataOffset > size || t.offset > size - dataOffset ||
            t.nBytes > size - dataOffset - t.offset)
            fail(t, "data [data offset " + std::to_string(t.offset) + ", " +
                        std::to_string(t.nBytes) + " bytes] runs past the end of the file " +
                        "(data section starts at " + std::to_string(dataOffset) + ", file size " +
                        std::to_string(size) + ")");
        t.data = cur.data() + dataOffset + t.offset;
    }
    // Any two overlapping ranges make some neighbours in offset order overlap.
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    for (size_t i = 1; i < order.size(); ++i) {
        const TensorInfo& prev = tensors[order[i - 1]];
        const TensorInfo& next = tensors[order[i]];
        if (next.offset < prev.offset + prev.nBytes) // both ends lie inside the file
            fail(next, "data [data offset " + std::to_string(next.offset) + ", " +
                           std::to_string(next.nBytes) + " bytes] overlaps tensor '" +
                           printable(prev.name) + "' [data offset " + std::to_string(prev.offset) +
                           ", " + std::to_string(prev.nBytes) + " bytes]");
    }
}

} // namespace dw::gguf
