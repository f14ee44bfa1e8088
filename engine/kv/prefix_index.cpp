#include "kv/prefix_index.h"

#include "deepwell/error.h"

#include <xxhash.h>

#include <algorithm>
#include <string>

namespace dw::kv {

PrefixIndex::PrefixIndex(BlockPool& pool)
    : m_pool(pool), m_keyOf(static_cast<size_t>(pool.nBlocks()), 0),
      m_parentOf(static_cast<size_t>(pool.nBlocks()), 0),
      // 4 bytes per token slot: small next to the K/V bytes of the same slot.
      m_tokensOf(static_cast<size_t>(pool.nBlocks()) * static_cast<size_t>(pool.blockSize()), 0) {
    m_pool.attachContentOwner([this](BlockId id) { onContentDropped(id); });
}

PrefixIndex::~PrefixIndex() {
    clear();
    m_pool.detachContentOwner();
}

uint64_t PrefixIndex::chainHash(uint64_t parent, std::span<const int32_t> blockTokens) {
    return XXH3_64bits_withSeed(blockTokens.data(), blockTokens.size_bytes(), parent);
}

bool PrefixIndex::contains(BlockId id) const {
    if (id < 0 || id >= m_pool.nBlocks()) return false;
    const auto it = m_byHash.find(m_keyOf[static_cast<size_t>(id)]);
    return it != m_byHash.end() && it->second == id;
}

bool PrefixIndex::entryMatches(BlockId id, uint64_t parent, std::span<const int32_t> tokens) const {
    const auto b = static_cast<size_t>(m_pool.blockSize());
    const int32_t* stored = m_tokensOf.data() + static_cast<size_t>(id) * b;
    return m_parentOf[static_cast<size_t>(id)] == parent &&
           std::equal(tokens.begin(), tokens.end(), stored);
}

void PrefixIndex::checkTable(const BlockTable& table, const char* what) const {
    if (&table.pool() != &m_pool)
        throw Error(ErrorCode::InvalidArgument,
                    std::string("prefix index: ") + what +
                        ": the block table belongs to another block pool");
}

PrefixMatch PrefixIndex::match(std::span<const int32_t> prompt, uint64_t salt) const {
    PrefixMatch result;
    const auto b = static_cast<size_t>(m_pool.blockSize());
    // Never the block of the last prompt token: it must be evaluated to produce logits.
    const size_t maxBlocks = prompt.empty() ? 0 : (prompt.size() - 1) / b;
    uint64_t parent = salt;
    for (size_t i = 0; i < maxBlocks; ++i) {
        const std::span<const int32_t> tokens = prompt.subspan(i * b, b);
        const uint64_t key = chainHash(parent, tokens);
        const auto it = m_byHash.find(key);
        if (it == m_byHash.end() || !entryMatches(it->second, parent, tokens)) break;
        DW_ASSERT(m_pool.isIndexed(it->second) && m_pool.state(it->second) != BlockState::Free);
        result.blocks.push_back(it->second);
        parent = key;
    }
    result.nTokens = static_cast<int32_t>(result.blocks.size() * b);
    return result;
}

int32_t PrefixIndex::attach(BlockTable& table, std::span<const int32_t> prompt, uint64_t salt) {
    checkTable(table, "attach");
    const PrefixMatch m = match(prompt, salt);
    table.adoptPrefix(m.blocks);
    ++m_stats.lookups;
    if (!m.blocks.empty()) ++m_stats.hits;
    m_stats.tokensLookedUp += prompt.size();
    m_stats.tokensReused += static_cast<uint64_t>(m.nTokens);
    return m.nTokens;
}

int32_t PrefixIndex::registerBlocks(const BlockTable& table, std::span<const int32_t> computed,
                                    uint64_t salt) {
    checkTable(table, "registerBlocks");
    if (computed.size() > static_cast<size_t>(table.nTokens()))
        throw Error(ErrorCode::InvalidArgument,
                    "prefix index: registerBlocks: " + std::to_string(computed.size()) +
                        " computed tokens exceed the table's " + std::to_string(table.nTokens()) +
                        " positions");
    const auto b = static_cast<size_t>(m_pool.blockSize());
    const size_t nFull = std::min(computed.size() / b, static_cast<size_t>(table.firstDropped()));
    int32_t added = 0;
    uint64_t parent = salt;
    for (size_t i = 0; i < nFull; ++i) {
        const std::span<const int32_t> tokens = computed.subspan(i * b, b);
        const uint64_t key = chainHash(parent, tokens);
        const BlockId id = table.block(static_cast<int32_t>(i));
        const auto it = m_byHash.find(key);
        // Already listed (this block, or the same content computed in another block: keep the
        // older entry), or this block is listed under another key: nothing to add. The chain
        // goes on either way, since the key depends only on the token ids.
        if (it == m_byHash.end() && !m_pool.isIndexed(id)) {
            m_byHash.emplace(key, id);
            m_keyOf[static_cast<size_t>(id)] = key;
            m_parentOf[static_cast<size_t>(id)] = parent;
            std::copy(tokens.begin(), tokens.end(),
                      m_tokensOf.begin() +
                          static_cast<std::ptrdiff_t>(static_cast<size_t>(id) * b));
            m_pool.markIndexed(id);
            ++added;
        }
        parent = key;
    }
    m_stats.blocksRegistered += static_cast<uint64_t>(added);
    return added;
}

void PrefixIndex::clear() {
    std::vector<BlockId> listed;
    listed.reserve(m_byHash.size());
    for (const auto& [key, id] : m_byHash) listed.push_back(id);
    for (BlockId id : listed) m_pool.dropContent(id); // calls back onContentDropped()
    DW_ASSERT(m_byHash.empty());
}

void PrefixIndex::onContentDropped(BlockId id) {
    const auto it = m_byHash.find(m_keyOf[static_cast<size_t>(id)]);
    DW_ASSERT_MSG(it != m_byHash.end() && it->second == id,
                  "the pool dropped the content of a block the prefix index does not list");
    m_byHash.erase(it);
    ++m_stats.entriesDropped;
}

} // namespace dw::kv
