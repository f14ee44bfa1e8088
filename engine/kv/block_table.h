#pragma once
// Paged KV cache bookkeeping, part 2: one sequence's block table.
//
// Maps logical block i (token positions [i*B, (i+1)*B), B = pool.blockSize()) to a physical
// block of the pool, or to kNoBlock when the sliding window released it ("dropped"). Logical
// positions never move: dropping a block keeps every later token at its position, so RoPE
// positions and the mapping of the kept blocks stay valid; attention skips dropped blocks.
//
// Invariants:
//   nLogicalBlocks() == ceil(nTokens() / B);
//   the table holds exactly one pool reference per non-dropped entry (heldBlocks() of them);
//   the block holding the last token is never dropped (the window always keeps the newest
//   tokens), so the next token's K/V always lands in a held or a fresh block;
//   the last block, when partially filled, is referenced by this table only and is not in the
//   prefix index, so writing the next token's K/V into it cannot change anything shared.
//   (Shared blocks are always full; truncate() copies a shared block before it would become a
//   partial tail: copy-on-write.)
//
// All-or-nothing growth: append() first checks that the pool can supply every block it needs
// (free + cached), so on "KV full" nothing changes, not even the cached blocks.
//
// Lifetime: the pool must outlive the table. The destructor releases every block (a cancelled
// or finished sequence just drops its table). Not thread-safe: owned by the scheduler thread.
#include "kv/block_pool.h"

#include <optional>
#include <span>
#include <vector>

namespace dw::kv {

// Expected outcomes of growing a table (STYLE.md habit 8: status values, not exceptions).
enum class KvStatus { Ok, KvFull };

// Copy rows [0, rows) of physical block `src` into physical block `dst`, in every layer, K and
// V, before the next forward pass (copy-on-write of a shared block; see truncate()).
struct BlockCopy {
    BlockId src = kNoBlock;
    BlockId dst = kNoBlock;
    int32_t rows = 0;
};

struct TruncateResult {
    KvStatus status = KvStatus::Ok;
    std::optional<BlockCopy> copy; // set when the new partial tail had to be un-shared
};

class BlockTable {
public:
    explicit BlockTable(BlockPool& pool);
    ~BlockTable();
    BlockTable(const BlockTable&) = delete;
    BlockTable& operator=(const BlockTable&) = delete;
    BlockTable(BlockTable&& other) noexcept;
    BlockTable& operator=(BlockTable&& other) noexcept;

    BlockPool& pool() const { return *m_pool; }
    int32_t blockSize() const { return m_pool->blockSize(); }
    int32_t nTokens() const { return m_nTokens; }
    int32_t nLogicalBlocks() const { return static_cast<int32_t>(m_blocks.size()); }
    // Entries that hold a physical block (logical blocks minus dropped ones).
    int32_t heldBlocks() const { return nLogicalBlocks() - m_nDropped; }
    int32_t droppedBlocks() const { return m_nDropped; }
    // Logical index of the first dropped block, or nLogicalBlocks() when none was dropped.
    int32_t firstDropped() const;
    // [nLogicalBlocks()] physical id per logical block, kNoBlock for a dropped one. This is the
    // row of the device block table the attention kernels read.
    std::span<const BlockId> blocks() const { return m_blocks; }
    BlockId block(int32_t logicalIndex) const;
    bool isDropped(int32_t logicalIndex) const { return block(logicalIndex) == kNoBlock; }

    // Physical row of token position `pos` in the pool's KV storage: block * B + pos % B.
    // Throws when pos is outside [0, nTokens()) or its block was dropped.
    int64_t physicalRow(int32_t pos) const;

    // New pool blocks needed to append nNewTokens tokens (for admission decisions).
    int32_t blocksNeededFor(int32_t nNewTokens) const;
    // Reserve KV slots for nNewTokens more positions; KvFull (and no change) when the pool
    // cannot supply the blocks.
    KvStatus append(int32_t nNewTokens);
    // Start the table with full blocks whose content is already computed (a prefix-cache hit):
    // retains each (reviving cached ones) and sets nTokens = blocks.size() * B. The table must
    // be empty; every block must be Used or Cached. PrefixIndex::attach() calls this.
    void adoptPrefix(std::span<const BlockId> fullBlocks);
    // Shrink to nTokens tokens (<= nTokens()), releasing blocks past the end; the block holding
    // the new last token must not be dropped. If the new last
    // block is partial and shared, it is replaced by a fresh block and `copy` says what to copy
    // (KvFull and no change when no block is available); if it is partial and indexed, its
    // index entry is dropped (its content is about to change).
    TruncateResult truncate(int32_t nTokens);
    // Release every block; the table is empty afterwards. Releases the last logical block
    // first, so the deepest blocks of a prefix become least recently used and are evicted
    // before their parents (a child without its parent can never be matched).
    void releaseAll();

    // Long-context mode: keep logical blocks [0, sinkBlocks) and every block that holds one of
    // the last windowTokens positions; release the others (entries become kNoBlock). Returns
    // the number of blocks newly dropped. Afterwards heldBlocks() <= sinkBlocks +
    // ceil(windowTokens / B) + 1, whatever nTokens() is. windowTokens must be >= 1.
    int32_t dropWindowedOut(int32_t sinkBlocks, int32_t windowTokens);
    // Whole blocks covering the first sinkTokens positions (rounded up).
    static int32_t sinkBlocksFor(int32_t sinkTokens, int32_t blockSize);

private:
    BlockPool* m_pool;
    std::vector<BlockId> m_blocks; // [nLogicalBlocks] physical id or kNoBlock
    int32_t m_nTokens = 0;
    int32_t m_nDropped = 0;
};

} // namespace dw::kv
