#include "kv/block_pool.h"

#include "deepwell/error.h"

#include <algorithm>

namespace dw::kv {

namespace {
constexpr int32_t kMaxBlocks = int32_t(1) << 30;
constexpr int32_t kMaxBlockSize = 65536;

const char* stateName(BlockState s) {
    switch (s) {
    case BlockState::Free:
        return "free";
    case BlockState::Used:
        return "used";
    case BlockState::Cached:
        return "cached";
    }
    return "?";
}
} // namespace

BlockPool::BlockPool(int32_t nBlocks, int32_t blockSize) : m_blockSize(blockSize) {
    if (nBlocks < 1 || nBlocks > kMaxBlocks)
        throw Error(ErrorCode::InvalidArgument,
                    "KV block pool: nBlocks = " + std::to_string(nBlocks) + " is outside [1, " +
                        std::to_string(kMaxBlocks) + "]");
    if (blockSize < 1 || blockSize > kMaxBlockSize)
        throw Error(ErrorCode::InvalidArgument,
                    "KV block pool: blockSize = " + std::to_string(blockSize) + " is outside [1, " +
                        std::to_string(kMaxBlockSize) + "]");
    const auto n = static_cast<size_t>(nBlocks);
    m_refCount.assign(n, 0);
    m_state.assign(n, BlockState::Free);
    m_indexed.assign(n, 0);
    m_lruPrev.assign(n, kNoBlock);
    m_lruNext.assign(n, kNoBlock);
    // Pushed in reverse so that a fresh pool hands out 0, 1, 2, ... (readable tests and dumps).
    m_freeList.reserve(n);
    for (BlockId id = nBlocks - 1; id >= 0; --id) m_freeList.push_back(id);
}

void BlockPool::checkId(BlockId id, const char* what) const {
    if (id < 0 || id >= nBlocks())
        throw Error(ErrorCode::InvalidArgument,
                    std::string("KV block pool: ") + what + ": block id " + std::to_string(id) +
                        " is outside [0, " + std::to_string(nBlocks()) + ")");
}

void BlockPool::lruPushBack(BlockId id) {
    m_lruPrev[id] = m_lruTail;
    m_lruNext[id] = kNoBlock;
    if (m_lruTail != kNoBlock)
        m_lruNext[m_lruTail] = id;
    else
        m_lruHead = id;
    m_lruTail = id;
}

void BlockPool::lruUnlink(BlockId id) {
    const BlockId prev = m_lruPrev[id], next = m_lruNext[id];
    if (prev != kNoBlock)
        m_lruNext[prev] = next;
    else
        m_lruHead = next;
    if (next != kNoBlock)
        m_lruPrev[next] = prev;
    else
        m_lruTail = prev;
    m_lruPrev[id] = m_lruNext[id] = kNoBlock;
}

std::optional<BlockId> BlockPool::allocate() {
    BlockId id = kNoBlock;
    if (!m_freeList.empty()) {
        id = m_freeList.back();
        m_freeList.pop_back();
        DW_ASSERT(m_state[id] == BlockState::Free && m_refCount[id] == 0 && !m_indexed[id]);
    } else if (m_lruHead != kNoBlock) {
        id = m_lruHead;
        DW_ASSERT(m_state[id] == BlockState::Cached && m_refCount[id] == 0 && m_indexed[id]);
        lruUnlink(id);
        --m_cached;
        ++m_evictions;
        m_indexed[id] = 0;
        if (m_onContentDropped) m_onContentDropped(id);
    } else {
        return std::nullopt; // KV full: every block is referenced by a live sequence
    }
    m_state[id] = BlockState::Used;
    m_refCount[id] = 1;
    ++m_used;
    return id;
}

void BlockPool::retain(BlockId id) {
    checkId(id, "retain");
    switch (m_state[id]) {
    case BlockState::Used:
        ++m_refCount[id];
        return;
    case BlockState::Cached:
        lruUnlink(id);
        --m_cached;
        ++m_used;
        m_state[id] = BlockState::Used;
        m_refCount[id] = 1;
        return;
    case BlockState::Free:
        break;
    }
    throw Error(ErrorCode::InvalidArgument,
                "KV block pool: retain: block " + std::to_string(id) +
                    " is free (its content is meaningless); only used or cached blocks can be "
                    "retained");
}

void BlockPool::release(BlockId id) {
    checkId(id, "release");
    if (m_state[id] != BlockState::Used)
        throw Error(ErrorCode::InvalidArgument,
                    "KV block pool: release: block " + std::to_string(id) + " is " +
                        stateName(m_state[id]) + " (refCount 0); nothing to release");
    DW_ASSERT(m_refCount[id] > 0);
    if (--m_refCount[id] > 0) return;
    --m_used;
    if (m_indexed[id]) {
        m_state[id] = BlockState::Cached;
        ++m_cached;
        lruPushBack(id);
    } else {
        m_state[id] = BlockState::Free;
        m_freeList.push_back(id);
    }
}

int32_t BlockPool::refCount(BlockId id) const {
    checkId(id, "refCount");
    return m_refCount[id];
}

BlockState BlockPool::state(BlockId id) const {
    checkId(id, "state");
    return m_state[id];
}

bool BlockPool::isIndexed(BlockId id) const {
    checkId(id, "isIndexed");
    return m_indexed[id] != 0;
}

double BlockPool::fragmentation() const {
    const int32_t available = availableCount();
    if (available == 0) return 0.0;
    int32_t longest = 0, run = 0;
    for (BlockState s : m_state) {
        run = (s == BlockState::Used) ? 0 : run + 1;
        longest = std::max(longest, run);
    }
    return 1.0 - static_cast<double>(longest) / static_cast<double>(available);
}

void BlockPool::attachContentOwner(std::function<void(BlockId)> onContentDropped) {
    if (m_onContentDropped)
        throw Error(ErrorCode::InvalidArgument,
                    "KV block pool: a content owner (prefix index) is already attached; "
                    "one pool takes at most one prefix index");
    m_onContentDropped = std::move(onContentDropped);
}

void BlockPool::detachContentOwner() {
    for (BlockId id = 0; id < nBlocks(); ++id)
        DW_ASSERT_MSG(!m_indexed[id], "detach the content owner after it dropped its content");
    m_onContentDropped = nullptr;
}

void BlockPool::markIndexed(BlockId id) {
    checkId(id, "markIndexed");
    if (m_state[id] != BlockState::Used)
        throw Error(ErrorCode::InvalidArgument,
                    "KV block pool: markIndexed: block " + std::to_string(id) + " is " +
                        stateName(m_state[id]) + "; only a used block holds fresh content");
    m_indexed[id] = 1;
}

void BlockPool::dropContent(BlockId id) {
    checkId(id, "dropContent");
    if (!m_indexed[id]) return;
    m_indexed[id] = 0;
    if (m_onContentDropped) m_onContentDropped(id);
    if (m_state[id] == BlockState::Cached) {
        lruUnlink(id);
        --m_cached;
        m_state[id] = BlockState::Free;
        m_freeList.push_back(id);
    }
}

std::string BlockPool::checkConsistency() const {
    const int32_t n = nBlocks();
    std::vector<uint8_t> onFree(static_cast<size_t>(n), 0), onLru(static_cast<size_t>(n), 0);
    for (BlockId id : m_freeList) {
        if (id < 0 || id >= n) return "free list holds out-of-range id " + std::to_string(id);
        if (onFree[id]++) return "block " + std::to_string(id) + " is on the free list twice";
    }
    int32_t lruLen = 0;
    BlockId prev = kNoBlock;
    for (BlockId id = m_lruHead; id != kNoBlock; id = m_lruNext[id]) {
        if (id < 0 || id >= n || onLru[id]++ || ++lruLen > n) return "LRU list is corrupt";
        if (m_lruPrev[id] != prev) return "LRU back link of " + std::to_string(id) + " is wrong";
        prev = id;
    }
    if (prev != m_lruTail) return "LRU tail is wrong";
    int32_t used = 0, freeN = 0, cached = 0;
    for (BlockId id = 0; id < n; ++id) {
        const std::string b = "block " + std::to_string(id) + ": ";
        switch (m_state[id]) {
        case BlockState::Used:
            ++used;
            if (m_refCount[id] <= 0) return b + "used with refCount <= 0";
            if (onFree[id] || onLru[id]) return b + "used but on the free or LRU list";
            break;
        case BlockState::Free:
            ++freeN;
            if (m_refCount[id] != 0 || m_indexed[id]) return b + "free but referenced or indexed";
            if (!onFree[id] || onLru[id]) return b + "free but not (only) on the free list";
            break;
        case BlockState::Cached:
            ++cached;
            if (m_refCount[id] != 0 || !m_indexed[id])
                return b + "cached but referenced or not indexed";
            if (!onLru[id] || onFree[id]) return b + "cached but not (only) on the LRU list";
            break;
        }
    }
    if (used != m_used || cached != m_cached || freeN != freeCount())
        return "counters disagree with the states";
    if (used + freeN + cached != n) return "used + free + cached != nBlocks";
    return {};
}

} // namespace dw::kv
