#pragma once
// What the memory ledger tells its readers (monitor panel, `deepwell-cli bench`, /metrics):
// plain values, copied out under the ledger's lock, safe to keep on any thread.
//
// Every host and device allocation of the engine is recorded under one category per device;
// pools (arenas, the KV block pool) report capacity, use and their largest free run.
// The recorder itself (dw::MemoryLedger, dw::LedgerAllocation) is in deepwell/ledger.h.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

// Closed set; the names ("weights", "kv_cache", ...) are stable: they are Prometheus label
// values and panel keys. Never renumber: values index LedgerDeviceUsage::categories.
// (Named LedgerCategory, not MemoryCategory, because engine/cuda/device.h already declares
// a dw::MemoryCategory for its arenas.)
enum class LedgerCategory : uint8_t { Weights, KvCache, Activations, Scratch, Vision, Other };
inline constexpr int kLedgerCategoryCount = 6;

// "weights", "kv_cache", "activations", "scratch", "vision", "other"; "invalid" out of range.
const char* ledgerCategoryName(LedgerCategory c);
// Inverse of ledgerCategoryName; false for an unknown name.
bool ledgerCategoryFromName(std::string_view name, LedgerCategory& out);

// Where bytes live: the host (ordinal 0) or GPU `ordinal`.
struct MemoryDevice {
    enum class Kind : uint8_t { Host, Gpu };
    Kind kind = Kind::Host;
    int ordinal = 0;

    static MemoryDevice host() { return {Kind::Host, 0}; }
    static MemoryDevice gpu(int ordinal) { return {Kind::Gpu, ordinal}; }
    // "host", "gpu:0", "gpu:1", ...
    std::string name() const;

    friend bool operator==(const MemoryDevice&, const MemoryDevice&) = default;
    // Host first, then GPUs by ordinal: the order of LedgerSnapshot::devices.
    friend auto operator<=>(const MemoryDevice&, const MemoryDevice&) = default;
};

struct LedgerCategoryBytes {
    uint64_t current = 0;
    uint64_t peak = 0; // highest `current` since the ledger was built
};

struct LedgerDeviceUsage {
    MemoryDevice device;
    std::array<LedgerCategoryBytes, kLedgerCategoryCount> categories{}; // indexed by category
    uint64_t totalBytes = 0;     // == sum of categories[i].current (an invariant)
    uint64_t peakTotalBytes = 0; // highest totalBytes seen; <= sum of the category peaks

    const LedgerCategoryBytes& operator[](LedgerCategory c) const {
        return categories[static_cast<size_t>(c)];
    }
};

// One record() call: `delta` bytes (negative = release) under `category` on `device`.
struct LedgerEvent {
    std::chrono::steady_clock::time_point time;
    uint64_t sequence = 0; // 0, 1, 2, ... over the ledger's life (gaps = dropped from the ring)
    MemoryDevice device;
    LedgerCategory category = LedgerCategory::Other;
    int64_t delta = 0;
    uint64_t categoryBytesAfter = 0; // the category's current bytes right after this event
    std::string label;               // what was allocated, e.g. "blk.3.ffn_up" (<= 96 bytes)
};

// What a pool reports about itself (pushed, or returned by its probe callback).
struct PoolUsage {
    uint64_t capacity = 0;       // bytes the pool owns
    uint64_t used = 0;           // bytes handed out; <= capacity
    uint64_t largestFreeRun = 0; // largest contiguous free piece; <= capacity - used
};

struct PoolStats {
    std::string name;
    MemoryDevice device;
    LedgerCategory category = LedgerCategory::Other;
    PoolUsage usage;
    // 1 - largestFreeRun / (capacity - used): 0 when all free bytes are one run (or none is
    // free), approaching 1 when the free bytes are scattered in small pieces.
    double fragmentation = 0.0;
};

// Fragmentation as defined above, from a usage; 0 when nothing is free.
double poolFragmentation(const PoolUsage& usage);

struct LedgerSnapshot {
    std::chrono::steady_clock::time_point takenAt;
    // Host always; each GPU once something was recorded for it. Sorted by MemoryDevice.
    std::vector<LedgerDeviceUsage> devices;
    std::vector<PoolStats> pools;      // in registration order
    std::vector<LedgerEvent> timeline; // oldest first, at most the ledger's timeline capacity
    uint64_t eventsRecorded = 0;       // all events ever, including those the ring dropped

    // The device's usage, or nullptr when the ledger has never seen that device.
    const LedgerDeviceUsage* device(MemoryDevice d) const;
};

} // namespace dw
