#pragma once
// Paged KV cache bookkeeping, part 1: the pool of physical blocks.
//
// A physical block holds the K and V rows of `blockSize` consecutive token positions of one
// sequence, in every layer. The pool only counts: it owns no KV memory. The device storage is a
// tensor of nBlocks * blockSize rows per layer; physical row = blockId * blockSize + offset
// (BlockTable::physicalRow). STYLE.md habit 7: bookkeeping apart from memory.
//
// Each block is in exactly one of three states:
//   Used   refCount > 0; referenced by that many BlockTable entries;
//   Cached refCount == 0, but its content is still listed in the PrefixIndex, so a later
//          sequence with the same prefix can take it back (retain() revives it);
//   Free   refCount == 0, content meaningless, on the free list.
// Invariants (checkConsistency() verifies all of them):
//   usedCount() + freeCount() + cachedCount() == nBlocks();
//   a block is on the free list  <=> state Free  <=> refCount 0 and not indexed;
//   a block is on the LRU list   <=> state Cached <=> refCount 0 and indexed;
//   the LRU list is ordered by the moment each block became Cached (head = oldest).
// Cached blocks count as available capacity: allocate() takes a Free block when there is one,
// otherwise it evicts the least recently cached block (telling the content owner, i.e. the
// PrefixIndex, to forget it first). An empty pool is an expected outcome ("KV full") and is
// reported by std::nullopt, never by an exception.
//
// Misuse by a caller (an id out of range, releasing an unreferenced block, retaining a Free block)
// throws dw::Error{InvalidArgument}; broken internal invariants trip DW_ASSERT.
//
// Thread-safety: none, by design. The scheduler thread owns the pool, its tables and its prefix
// index, and is the only thread that touches them; no locks are needed or taken.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dw::kv {

using BlockId = int32_t;
// "No physical block": a logical block released by the sliding window (BlockTable), or none.
inline constexpr BlockId kNoBlock = -1;

enum class BlockState : uint8_t { Free, Used, Cached };

class BlockPool {
public:
    // nBlocks in [1, 2^30], blockSize in [1, 65536] (so every physical row fits in int64).
    BlockPool(int32_t nBlocks, int32_t blockSize);
    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;

    int32_t nBlocks() const { return static_cast<int32_t>(m_refCount.size()); }
    int32_t blockSize() const { return m_blockSize; }

    // A block with refCount 1, state Used, no indexed content; std::nullopt when every block is
    // Used (KV full). Prefers Free blocks (most recently freed first); otherwise evicts the
    // least recently cached block.
    std::optional<BlockId> allocate();
    // One more reference. A Cached block is revived (leaves the LRU list, keeps its content).
    void retain(BlockId id);
    // One reference less. At 0 the block becomes Cached when indexed, Free otherwise.
    void release(BlockId id);

    int32_t refCount(BlockId id) const;
    BlockState state(BlockId id) const;
    bool isIndexed(BlockId id) const;

    int32_t usedCount() const { return m_used; }
    int32_t freeCount() const { return static_cast<int32_t>(m_freeList.size()); }
    int32_t cachedCount() const { return m_cached; }
    // Blocks allocate() can still hand out: free + cached.
    int32_t availableCount() const { return freeCount() + m_cached; }
    // Cached blocks reclaimed by allocate() since construction.
    uint64_t evictions() const { return m_evictions; }

    // For the memory ledger: 1 - (longest run of consecutive available block ids) / available,
    // where available = Free or Cached (both can be handed out). 0 when nothing is available.
    double fragmentation() const;

    // Content hooks, used by the PrefixIndex only. At most one content owner per pool; its
    // callback is called with a block id whenever the pool discards that block's content
    // (eviction in allocate(), or dropContent()), so the owner erases its entry.
    void attachContentOwner(std::function<void(BlockId)> onContentDropped);
    void detachContentOwner();
    // The block (Used) now holds content listed by the content owner.
    void markIndexed(BlockId id);
    // The block's content is no longer valid or listed: tells the owner (when indexed), clears
    // the flag, and a Cached block becomes Free. No-op for a block that is not indexed.
    void dropContent(BlockId id);

    // Empty when every invariant above holds, else a description of the first one broken.
    // O(nBlocks); for tests and debug checks.
    std::string checkConsistency() const;

private:
    void checkId(BlockId id, const char* what) const;
    void lruPushBack(BlockId id);
    void lruUnlink(BlockId id);

    int32_t m_blockSize;
    std::vector<int32_t> m_refCount; // [nBlocks]
    std::vector<BlockState> m_state; // [nBlocks]
    std::vector<uint8_t> m_indexed;  // [nBlocks] 1 = content listed by the content owner
    std::vector<BlockId> m_freeList; // stack of Free ids; back() is handed out next
    std::vector<BlockId> m_lruPrev;  // [nBlocks] intrusive doubly linked LRU of Cached blocks
    std::vector<BlockId> m_lruNext;  // [nBlocks]
    BlockId m_lruHead = kNoBlock;    // oldest Cached block, evicted first
    BlockId m_lruTail = kNoBlock;    // newest Cached block
    int32_t m_used = 0;
    int32_t m_cached = 0;
    uint64_t m_evictions = 0;
    std::function<void(BlockId)> m_onContentDropped;
};

} // namespace dw::kv
