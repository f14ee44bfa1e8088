#pragma once
// Invariant checks shared by the KV bookkeeping tests: what the pool, the live tables and the
// prefix index must agree on after any sequence of operations.
#include "kv/block_pool.h"
#include "kv/block_table.h"
#include "kv/prefix_index.h"

#include <string>
#include <vector>

namespace dw::kv::test {

// Empty when everything holds, else the first broken invariant:
//   the pool's own invariants (free list, LRU list, counters);
//   refCount(b) == number of entries of live tables that name b, for every block b
//     (hence: sum of refcounts == references held, and no Free/Cached block is referenced);
//   used + free + cached == nBlocks;
//   each table: nLogicalBlocks == ceil(nTokens / B), held + dropped == logical;
//   index (when given): contains(b) <=> pool.isIndexed(b), size == number of indexed blocks.
inline std::string checkAll(const BlockPool& pool, const std::vector<const BlockTable*>& tables,
                            const PrefixIndex* index) {
    if (std::string s = pool.checkConsistency(); !s.empty()) return "pool: " + s;
    const int32_t n = pool.nBlocks(), b = pool.blockSize();
    std::vector<int32_t> refs(static_cast<size_t>(n), 0);
    for (const BlockTable* t : tables) {
        if (t->nLogicalBlocks() != (t->nTokens() + b - 1) / b)
            return "table: logical blocks != ceil(nTokens / B)";
        int32_t held = 0;
        for (BlockId id : t->blocks()) {
            if (id == kNoBlock) continue;
            if (id < 0 || id >= n) return "table names block " + std::to_string(id);
            ++refs[static_cast<size_t>(id)];
            ++held;
        }
        if (held != t->heldBlocks() || held + t->droppedBlocks() != t->nLogicalBlocks())
            return "table: held/dropped counters are wrong";
    }
    int32_t indexed = 0;
    for (BlockId id = 0; id < n; ++id) {
        if (pool.refCount(id) != refs[static_cast<size_t>(id)])
            return "block " + std::to_string(id) + ": refCount " +
                   std::to_string(pool.refCount(id)) + " but " +
                   std::to_string(refs[static_cast<size_t>(id)]) + " table references";
        if ((pool.state(id) == BlockState::Used) != (refs[static_cast<size_t>(id)] > 0))
            return "block " + std::to_string(id) + ": state disagrees with references";
        indexed += pool.isIndexed(id) ? 1 : 0;
        if (index && index->contains(id) != pool.isIndexed(id))
            return "block " + std::to_string(id) + ": index and pool disagree on content";
    }
    if (pool.usedCount() + pool.freeCount() + pool.cachedCount() != n)
        return "used + free + cached != nBlocks";
    if (index && index->size() != indexed) return "index size != indexed blocks";
    return {};
}

} // namespace dw::kv::test
