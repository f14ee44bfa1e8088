#include "kv/block_table.h"

#include "deepwell/error.h"

#include <algorithm>
#include <limits>
#include <string>

namespace dw::kv {

namespace {
[[noreturn]] void badArgument(const std::string& what) {
    throw Error(ErrorCode::InvalidArgument, "KV block table: " + what);
}

int32_t ceilDiv(int64_t a, int32_t b) {
    return static_cast<int32_t>((a + b - 1) / b);
}
} // namespace

BlockTable::BlockTable(BlockPool& pool) : m_pool(&pool) {}

BlockTable::~BlockTable() {
    releaseAll();
}

BlockTable::BlockTable(BlockTable&& other) noexcept
    : m_pool(other.m_pool), m_blocks(std::move(other.m_blocks)), m_nTokens(other.m_nTokens),
      m_nDropped(other.m_nDropped) {
    other.m_blocks.clear();
    other.m_nTokens = 0;
    other.m_nDropped = 0;
}

BlockTable& BlockTable::operator=(BlockTable&& other) noexcept {
    if (this == &other) return *this;
    releaseAll();
    m_pool = other.m_pool;
    m_blocks = std::move(other.m_blocks);
    m_nTokens = other.m_nTokens;
    m_nDropped = other.m_nDropped;
    other.m_blocks.clear();
    other.m_nTokens = 0;
    other.m_nDropped = 0;
    return *this;
}

int32_t BlockTable::firstDropped() const {
    const auto it = std::find(m_blocks.begin(), m_blocks.end(), kNoBlock);
    return static_cast<int32_t>(it - m_blocks.begin());
}

BlockId BlockTable::block(int32_t logicalIndex) const {
    if (logicalIndex < 0 || logicalIndex >= nLogicalBlocks())
        badArgument("logical block " + std::to_string(logicalIndex) + " is outside [0, " +
                    std::to_string(nLogicalBlocks()) + ")");
    return m_blocks[static_cast<size_t>(logicalIndex)];
}

int64_t BlockTable::physicalRow(int32_t pos) const {
    if (pos < 0 || pos >= m_nTokens)
        badArgument("token position " + std::to_string(pos) + " is outside [0, " +
                    std::to_string(m_nTokens) + ")");
    const int32_t b = blockSize();
    const BlockId id = m_blocks[static_cast<size_t>(pos / b)];
    if (id == kNoBlock)
        badArgument("token position " + std::to_string(pos) + " lies in logical block " +
                    std::to_string(pos / b) + ", dropped by the sliding window");
    return static_cast<int64_t>(id) * b + pos % b;
}

int32_t BlockTable::blocksNeededFor(int32_t nNewTokens) const {
    if (nNewTokens < 0 || nNewTokens > std::numeric_limits<int32_t>::max() - m_nTokens)
        badArgument("nNewTokens = " + std::to_string(nNewTokens) + " is negative or makes " +
                    std::to_string(m_nTokens) + " + nNewTokens overflow int32");
    return ceilDiv(int64_t(m_nTokens) + nNewTokens, blockSize()) - nLogicalBlocks();
}

KvStatus BlockTable::append(int32_t nNewTokens) {
    const int32_t needed = blocksNeededFor(nNewTokens);
    if (needed > m_pool->availableCount()) return KvStatus::KvFull;
    if (m_nTokens % blockSize() != 0) {
        // The partial tail receives the new rows: it must be ours alone and unindexed.
        const BlockId tail = m_blocks.back();
        DW_ASSERT(tail != kNoBlock && m_pool->refCount(tail) == 1 && !m_pool->isIndexed(tail));
    }
    for (int32_t i = 0; i < needed; ++i) {
        const std::optional<BlockId> id = m_pool->allocate();
        DW_ASSERT_MSG(id.has_value(), "availableCount() promised a block");
        m_blocks.push_back(*id);
    }
    m_nTokens += nNewTokens;
    return KvStatus::Ok;
}

void BlockTable::adoptPrefix(std::span<const BlockId> fullBlocks) {
    if (m_nTokens != 0 || !m_blocks.empty())
        badArgument("adoptPrefix needs an empty table; this one holds " +
                    std::to_string(m_nTokens) + " tokens");
    if (fullBlocks.size() > size_t(std::numeric_limits<int32_t>::max() / blockSize()))
        badArgument("adoptPrefix: " + std::to_string(fullBlocks.size()) + " blocks overflow int32");
    for (BlockId id : fullBlocks) {
        if (m_pool->state(id) == BlockState::Free) // state() also range-checks id
            badArgument("adoptPrefix: block " + std::to_string(id) +
                        " is free; only used or cached blocks hold computed content");
    }
    for (BlockId id : fullBlocks) {
        m_pool->retain(id);
        m_blocks.push_back(id);
    }
    m_nTokens = static_cast<int32_t>(fullBlocks.size()) * blockSize();
}

TruncateResult BlockTable::truncate(int32_t nTokens) {
    if (nTokens < 0 || nTokens > m_nTokens)
        badArgument("truncate to " + std::to_string(nTokens) + " tokens is outside [0, " +
                    std::to_string(m_nTokens) + "]");
    const int32_t b = blockSize();
    const int32_t keep = ceilDiv(nTokens, b);
    if (nTokens > 0 && m_blocks[static_cast<size_t>(keep - 1)] == kNoBlock)
        badArgument("truncate to " + std::to_string(nTokens) +
                    " tokens: the block of the new "
                    "last token (logical " +
                    std::to_string(keep - 1) + ") was dropped");
    TruncateResult result;
    const bool partialTail = nTokens % b != 0;
    const BlockId tail = partialTail ? m_blocks[static_cast<size_t>(keep - 1)] : kNoBlock;
    const bool mustCopy = partialTail && m_pool->refCount(tail) > 1;
    if (mustCopy) {
        // Released blocks we hold alone become available; count them before changing anything.
        int32_t freed = 0;
        for (size_t i = static_cast<size_t>(keep); i < m_blocks.size(); ++i)
            if (m_blocks[i] != kNoBlock && m_pool->refCount(m_blocks[i]) == 1) ++freed;
        if (m_pool->availableCount() + freed < 1) {
            result.status = KvStatus::KvFull;
            return result;
        }
    }
    while (nLogicalBlocks() > keep) {
        const BlockId id = m_blocks.back();
        m_blocks.pop_back();
        if (id == kNoBlock)
            --m_nDropped;
        else
            m_pool->release(id);
    }
    if (mustCopy) {
        const std::optional<BlockId> fresh = m_pool->allocate();
        DW_ASSERT_MSG(fresh.has_value(), "capacity was checked before releasing");
        result.copy = BlockCopy{tail, *fresh, nTokens % b};
        m_blocks.back() = *fresh;
        m_pool->release(tail);
    } else if (partialTail) {
        m_pool->dropContent(tail); // ours alone; its rows past nTokens will be overwritten
    }
    m_nTokens = nTokens;
    return result;
}

void BlockTable::releaseAll() {
    for (auto it = m_blocks.rbegin(); it != m_blocks.rend(); ++it)
        if (*it != kNoBlock) m_pool->release(*it);
    m_blocks.clear();
    m_nTokens = 0;
    m_nDropped = 0;
}

int32_t BlockTable::dropWindowedOut(int32_t sinkBlocks, int32_t windowTokens) {
    if (sinkBlocks < 0) badArgument("sinkBlocks = " + std::to_string(sinkBlocks) + " is < 0");
    if (windowTokens < 1) badArgument("windowTokens = " + std::to_string(windowTokens) + " is < 1");
    if (m_nTokens == 0) return 0;
    // First logical block that holds one of the last windowTokens positions.
    const int32_t windowFirst = std::max(0, m_nTokens - windowTokens) / blockSize();
    int32_t dropped = 0;
    for (int32_t i = windowFirst - 1; i >= sinkBlocks; --i) {
        BlockId& id = m_blocks[static_cast<size_t>(i)];
        if (id == kNoBlock) continue;
        m_pool->release(id);
        id = kNoBlock;
        ++dropped;
    }
    m_nDropped += dropped;
    return dropped;
}

int32_t BlockTable::sinkBlocksFor(int32_t sinkTokens, int32_t blockSize) {
    if (sinkTokens < 0) badArgument("sinkTokens = " + std::to_string(sinkTokens) + " is < 0");
    if (blockSize < 1) badArgument("blockSize = " + std::to_string(blockSize) + " is < 1");
    return ceilDiv(sinkTokens, blockSize);
}

} // namespace dw::kv
