#pragma once
// The memory ledger (the recorder): current and peak bytes per (device, category), a bounded timeline of
// allocation events, and the state of registered pools. One ledger is built by main() (no
// singleton) and handed to everything that allocates; readers on other threads take a
// snapshot() of plain values (deepwell/memory_ledger.h).
//
// Threading: every member function may be called from any thread. Allocations are rare
// (load time, KV growth, arena creation), so one mutex is enough.
//
// Prefer LedgerAllocation to raw record() calls: it releases what it recorded when it dies.
#include "deepwell/memory_ledger.h"

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

class PoolRegistration;

class MemoryLedger {
public:
    static constexpr size_t kDefaultTimelineCapacity = 4096;
    static constexpr size_t kMaxTimelineCapacity = size_t(1) << 20;
    static constexpr size_t kMaxLabelBytes = 96;             // longer labels are cut (UTF-8 safe)
    static constexpr uint64_t kMaxBytes = uint64_t(1) << 60; // per category: 1 EiB
    static constexpr int kMaxGpuOrdinal = 63;

    // A probe returns the pool's usage now. It runs on the thread calling snapshot(), with
    // no ledger lock held except the pool-list lock: it may call record(), but not
    // registerPool(), snapshot() or PoolRegistration members (they would deadlock).
    using PoolProbe = std::function<PoolUsage()>;

    // timelineCapacity in [1, kMaxTimelineCapacity], else dw::Error(InvalidArgument).
    explicit MemoryLedger(size_t timelineCapacity = kDefaultTimelineCapacity);
    MemoryLedger(const MemoryLedger&) = delete;
    MemoryLedger& operator=(const MemoryLedger&) = delete;
    // Outstanding LedgerAllocations and PoolRegistrations must be gone by now.
    ~MemoryLedger();

    // Records deltaBytes (> 0 allocate, < 0 release) under `category` on `device`, with one
    // timeline event. Throws dw::Error(InvalidArgument) for an unknown category, a bad
    // device, a release larger than the category's current bytes, or a total over kMaxBytes;
    // nothing is recorded then.
    void record(MemoryDevice device, LedgerCategory category, int64_t deltaBytes,
                std::string_view label);

    uint64_t current(MemoryDevice device, LedgerCategory category) const;
    uint64_t peak(MemoryDevice device, LedgerCategory category) const;
    uint64_t total(MemoryDevice device) const;
    size_t timelineCapacity() const { return m_timelineCapacity; }

    // Registers a pool under `name` (any text; escaped where it is shown). With a probe the
    // ledger asks the pool at each snapshot; without one the pool pushes through
    // PoolRegistration::update(). The pool is listed until the registration dies.
    PoolRegistration registerPool(std::string name, MemoryDevice device, LedgerCategory category,
                                  PoolProbe probe = {});

    LedgerSnapshot snapshot() const;

private:
    friend class LedgerAllocation;
    friend class PoolRegistration;

    struct DeviceState {
        LedgerDeviceUsage usage;
    };
    struct Pool {
        uint64_t id = 0;
        std::string name;
        MemoryDevice device;
        LedgerCategory category = LedgerCategory::Other;
        PoolProbe probe;
        PoolUsage usage; // last pushed value (or last probe answer)
    };

    // Validation shared by record() and LedgerAllocation; throws dw::Error.
    static void checkDevice(MemoryDevice device);
    static void checkCategory(LedgerCategory category);
    // The release path of LedgerAllocation: cannot fail for bytes it recorded itself, so a
    // mismatch is a broken invariant (DW_ASSERT), never an exception from a destructor.
    void releaseNoThrow(MemoryDevice device, LedgerCategory category, uint64_t bytes,
                        std::string_view label) noexcept;
    // Caller holds m_mutex. Returns the device's state, adding it when new.
    DeviceState& deviceLocked(MemoryDevice device);
    const DeviceState* findDeviceLocked(MemoryDevice device) const;
    void applyLocked(MemoryDevice device, LedgerCategory category, int64_t delta,
                     std::string_view label);

    void updatePool(uint64_t id, const PoolUsage& usage);
    void unregisterPool(uint64_t id) noexcept;

    const size_t m_timelineCapacity;

    mutable std::mutex m_mutex;          // guards m_devices, m_timeline, m_next, m_events
    std::vector<DeviceState> m_devices;  // sorted by device
    std::vector<LedgerEvent> m_timeline; // ring: grows to m_timelineCapacity, then wraps
    size_t m_next = 0;                   // ring slot the next event goes to
    uint64_t m_events = 0;               // events ever recorded

    // Guards m_pools and m_nextPoolId, and is held while probes run so that a pool's
    // registration cannot die under a running probe. Never held together with m_mutex.
    mutable std::mutex m_poolMutex;
    std::vector<Pool> m_pools;
    uint64_t m_nextPoolId = 1;
};

// Records +bytes on construction and -bytes on destruction (or release()), so no path can
// forget the release. Move-only; a moved-from or default-built allocation records nothing.
// The ledger must outlive it.
class LedgerAllocation {
public:
    LedgerAllocation() = default;
    // Throws dw::Error(InvalidArgument) like MemoryLedger::record (bytes <= kMaxBytes).
    LedgerAllocation(MemoryLedger& ledger, MemoryDevice device, LedgerCategory category,
                     uint64_t bytes, std::string_view label);
    LedgerAllocation(LedgerAllocation&& other) noexcept;
    LedgerAllocation& operator=(LedgerAllocation&& other) noexcept;
    LedgerAllocation(const LedgerAllocation&) = delete;
    LedgerAllocation& operator=(const LedgerAllocation&) = delete;
    ~LedgerAllocation() { release(); }

    // Records the release now; afterwards the allocation is empty. Idempotent.
    void release() noexcept;
    // Records the difference to newBytes (a pool that grew or shrank). Throws like record().
    void resize(uint64_t newBytes);

    bool active() const { return m_ledger != nullptr; }
    uint64_t bytes() const { return m_bytes; }
    MemoryDevice device() const { return m_device; }
    LedgerCategory category() const { return m_category; }
    const std::string& label() const { return m_label; }

private:
    MemoryLedger* m_ledger = nullptr;
    MemoryDevice m_device;
    LedgerCategory m_category = LedgerCategory::Other;
    uint64_t m_bytes = 0;
    std::string m_label;
};

// Keeps a pool listed in its ledger; unregisters it when it dies. Move-only. After the
// destructor returns, the pool's probe is not running and will not run again.
class PoolRegistration {
public:
    PoolRegistration() = default;
    PoolRegistration(PoolRegistration&& other) noexcept;
    PoolRegistration& operator=(PoolRegistration&& other) noexcept;
    PoolRegistration(const PoolRegistration&) = delete;
    PoolRegistration& operator=(const PoolRegistration&) = delete;
    ~PoolRegistration() { reset(); }

    // Pushes the pool's usage. Throws dw::Error(InvalidArgument) when used > capacity or
    // largestFreeRun > capacity - used (naming the pool and the values).
    void update(const PoolUsage& usage);
    // Unregisters now; afterwards the registration is empty. Idempotent.
    void reset() noexcept;
    bool active() const { return m_ledger != nullptr; }

private:
    friend class MemoryLedger;
    PoolRegistration(MemoryLedger* ledger, uint64_t id) : m_ledger(ledger), m_id(id) {}

    MemoryLedger* m_ledger = nullptr;
    uint64_t m_id = 0;
};

} // namespace dw
