#pragma once
// Paged KV cache bookkeeping, part 3: the prefix index (automatic prefix caching).
//
// Maps the content of a FULL block to the physical block that holds its K/V, so sequences that
// start with the same tokens (system prompt, a shared document) reuse computed blocks instead
// of recomputing them. The K/V rows of a block depend on every earlier token, not only on the
// block's own tokens, so the key is a hash chain:
//   h(-1) = salt,   h(i) = XXH3_64(token ids of block i, seed = h(i-1)).
// Equal block contents after different prefixes thus get different keys. Each entry also keeps
// its block's token ids and parent hash, and a match checks them, so a 64-bit collision of the
// block's own key cannot hand out wrong K/V (it would take a collision of the parent chain too).
// `salt` separates contexts whose K/V differ for the same token ids (image embeddings behind
// placeholder tokens, an adapter); use 0 for plain text with one model.
//
// Rules:
//   - only full blocks are listed: a partial block is still being written;
//   - a match never includes the block holding the prompt's last token, so at least that
//     token is evaluated and yields logits: at most (prompt.size() - 1) / B blocks match;
//   - only the leading blocks of a table before its first dropped block are registered (blocks
//     computed after the sliding window dropped context hold different K/V);
//   - a block is listed under one key at most, and a key names one block; registering content
//     that is already listed under another block keeps the older entry;
//   - entries disappear when the pool evicts their block (allocate() under pressure, least
//     recently cached first), when a table truncates into the block, or on clear().
// Invariant: a block is listed here <=> pool.isIndexed(block); listed blocks are Used or Cached.
//
// Lifetime: the index attaches itself to the pool as its content owner (one per pool) and must
// be destroyed before the pool; destroying it turns every cached block Free. Not thread-safe:
// owned by the scheduler thread like the pool and the tables.
#include "kv/block_pool.h"
#include "kv/block_table.h"

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace dw::kv {

struct PrefixMatch {
    std::vector<BlockId> blocks; // physical ids of logical blocks 0 .. blocks.size()-1
    int32_t nTokens = 0;         // blocks.size() * blockSize: positions whose K/V is reused
};

// Counters for metrics (prefix-hit rate). Only attach() counts as a lookup; match() is a free
// peek for admission decisions.
struct PrefixStats {
    uint64_t lookups = 0;          // attach() calls
    uint64_t hits = 0;             // attach() calls that reused at least one block
    uint64_t tokensLookedUp = 0;   // prompt tokens passed to attach()
    uint64_t tokensReused = 0;     // of those, tokens whose K/V came from the cache
    uint64_t blocksRegistered = 0; // entries created by registerBlocks()
    uint64_t entriesDropped = 0;   // entries erased (eviction, truncation, clear())

    double hitRate() const { return lookups ? double(hits) / double(lookups) : 0.0; }
    double tokenReuseRate() const {
        return tokensLookedUp ? double(tokensReused) / double(tokensLookedUp) : 0.0;
    }
};

class PrefixIndex {
public:
    explicit PrefixIndex(BlockPool& pool);
    ~PrefixIndex();
    PrefixIndex(const PrefixIndex&) = delete;
    PrefixIndex& operator=(const PrefixIndex&) = delete;

    // Longest run of listed blocks matching the prompt from its start (never the block of the
    // last prompt token). No side effect: nothing is retained and no counter moves; a later
    // allocate() may evict a cached block of the result, so adopt it at once or call attach().
    PrefixMatch match(std::span<const int32_t> prompt, uint64_t salt = 0) const;
    // match() + table.adoptPrefix(): the empty table starts with the matched blocks (retained;
    // cached ones revived). Returns the number of prompt tokens reused; the caller evaluates
    // prompt[result ..]. Counts one lookup.
    int32_t attach(BlockTable& table, std::span<const int32_t> prompt, uint64_t salt = 0);
    // List the table's full blocks whose K/V has been computed: `computed` holds the token ids
    // of positions [0, computed.size()), computed.size() <= table.nTokens(). Stops at the first
    // dropped block. Returns the number of new entries. Call before releasing a finished
    // sequence (or after a prefill) so its blocks turn Cached instead of Free.
    int32_t registerBlocks(const BlockTable& table, std::span<const int32_t> computed,
                           uint64_t salt = 0);
    // Forget every entry; cached blocks become Free.
    void clear();

    int32_t size() const { return static_cast<int32_t>(m_byHash.size()); }
    bool contains(BlockId id) const;
    const PrefixStats& stats() const { return m_stats; }

    // h(i) from h(i-1) and block i's token ids (see the top of this file).
    static uint64_t chainHash(uint64_t parent, std::span<const int32_t> blockTokens);

private:
    void onContentDropped(BlockId id);
    bool entryMatches(BlockId id, uint64_t parent, std::span<const int32_t> tokens) const;
    void checkTable(const BlockTable& table, const char* what) const;

    BlockPool& m_pool;
    std::unordered_map<uint64_t, BlockId> m_byHash; // key h(i) -> physical block
    std::vector<uint64_t> m_keyOf;                  // [nBlocks] key of a listed block
    std::vector<uint64_t> m_parentOf;               // [nBlocks] h(i-1) of a listed block
    std::vector<int32_t> m_tokensOf;                // [nBlocks * B] token ids of listed blocks
    PrefixStats m_stats;
};

} // namespace dw::kv
