#include "core/memory_ledger.h"

#include "deepwell/error.h"

#include <algorithm>
#include <utility>

namespace dw {

namespace {

constexpr std::array<const char*, kLedgerCategoryCount> kCategoryNames = {
    "weights", "kv_cache", "activations", "scratch", "vision", "other"};

// Cuts a label to at most maxBytes without splitting a UTF-8 sequence.
std::string boundedLabel(std::string_view label, size_t maxBytes) {
    if (label.size() <= maxBytes) return std::string(label);
    size_t n = maxBytes;
    while (n > 0 && (static_cast<unsigned char>(label[n]) & 0xC0) == 0x80) --n;
    return std::string(label.substr(0, n));
}

std::string describe(MemoryDevice device, LedgerCategory category) {
    return "category '" + std::string(ledgerCategoryName(category)) + "' on " + device.name();
}

void checkUsage(const std::string& pool, const PoolUsage& u) {
    if (u.used > u.capacity)
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: pool '" + pool + "' reports used = " + std::to_string(u.used) +
                        " bytes, more than its capacity of " + std::to_string(u.capacity));
    if (u.largestFreeRun > u.capacity - u.used)
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: pool '" + pool + "' reports largestFreeRun = " +
                        std::to_string(u.largestFreeRun) + " bytes, more than its free " +
                        std::to_string(u.capacity - u.used) + " bytes");
}

} // namespace

const char* ledgerCategoryName(LedgerCategory c) {
    const auto i = static_cast<size_t>(c);
    return i < kCategoryNames.size() ? kCategoryNames[i] : "invalid";
}

bool ledgerCategoryFromName(std::string_view name, LedgerCategory& out) {
    for (size_t i = 0; i < kCategoryNames.size(); ++i) {
        if (name == kCategoryNames[i]) {
            out = static_cast<LedgerCategory>(i);
            return true;
        }
    }
    return false;
}

std::string MemoryDevice::name() const {
    return kind == Kind::Host ? std::string("host") : "gpu:" + std::to_string(ordinal);
}

double poolFragmentation(const PoolUsage& u) {
    if (u.used >= u.capacity) return 0.0;
    const uint64_t free = u.capacity - u.used;
    const uint64_t run = std::min(u.largestFreeRun, free);
    return 1.0 - static_cast<double>(run) / static_cast<double>(free);
}

const LedgerDeviceUsage* LedgerSnapshot::device(MemoryDevice d) const {
    for (const auto& u : devices)
        if (u.device == d) return &u;
    return nullptr;
}

// --- MemoryLedger -----------------------------------------------------------------------------

MemoryLedger::MemoryLedger(size_t timelineCapacity) : m_timelineCapacity(timelineCapacity) {
    if (timelineCapacity < 1 || timelineCapacity > kMaxTimelineCapacity)
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: timelineCapacity = " + std::to_string(timelineCapacity) +
                        " is outside [1, " + std::to_string(kMaxTimelineCapacity) + "]");
    m_timeline.reserve(std::min<size_t>(timelineCapacity, 256));
    m_devices.push_back(DeviceState{LedgerDeviceUsage{MemoryDevice::host(), {}, 0, 0}});
}

MemoryLedger::~MemoryLedger() = default;

void MemoryLedger::checkDevice(MemoryDevice device) {
    if (device.kind == MemoryDevice::Kind::Host) {
        if (device.ordinal != 0)
            throw Error(ErrorCode::InvalidArgument,
                        "memory ledger: host device ordinal = " + std::to_string(device.ordinal) +
                            "; the host has ordinal 0 only");
        return;
    }
    if (device.kind != MemoryDevice::Kind::Gpu)
        throw Error(ErrorCode::InvalidArgument, "memory ledger: device kind = " +
                                                    std::to_string(static_cast<int>(device.kind)) +
                                                    " is not Host or Gpu");
    if (device.ordinal < 0 || device.ordinal > kMaxGpuOrdinal)
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: GPU ordinal = " + std::to_string(device.ordinal) +
                        " is outside [0, " + std::to_string(kMaxGpuOrdinal) + "]");
}

void MemoryLedger::checkCategory(LedgerCategory category) {
    const auto i = static_cast<int>(category);
    if (i < 0 || i >= kLedgerCategoryCount)
        throw Error(ErrorCode::InvalidArgument, "memory ledger: category = " + std::to_string(i) +
                                                    " is outside [0, " +
                                                    std::to_string(kLedgerCategoryCount - 1) + "]");
}

MemoryLedger::DeviceState& MemoryLedger::deviceLocked(MemoryDevice device) {
    auto it =
        std::lower_bound(m_devices.begin(), m_devices.end(), device,
                         [](const DeviceState& s, MemoryDevice d) { return s.usage.device < d; });
    if (it != m_devices.end() && it->usage.device == device) return *it;
    return *m_devices.insert(it, DeviceState{LedgerDeviceUsage{device, {}, 0, 0}});
}

const MemoryLedger::DeviceState* MemoryLedger::findDeviceLocked(MemoryDevice device) const {
    for (const auto& s : m_devices)
        if (s.usage.device == device) return &s;
    return nullptr;
}

void MemoryLedger::record(MemoryDevice device, LedgerCategory category, int64_t deltaBytes,
                          std::string_view label) {
    checkDevice(device);
    checkCategory(category);
    std::lock_guard lock(m_mutex);
    const DeviceState* state = findDeviceLocked(device);
    const uint64_t now = state ? state->usage[category].current : 0;
    if (deltaBytes < 0) {
        // -(INT64_MIN) overflows int64; in uint64 arithmetic it is exact.
        const uint64_t release = uint64_t(0) - static_cast<uint64_t>(deltaBytes);
        if (release > now)
            throw Error(ErrorCode::InvalidArgument,
                        "memory ledger: release of " + std::to_string(release) + " bytes ('" +
                            std::string(label) + "') under " + describe(device, category) +
                            " exceeds its current " + std::to_string(now) + " bytes");
    } else if (static_cast<uint64_t>(deltaBytes) > kMaxBytes - now) {
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: allocation of " + std::to_string(deltaBytes) + " bytes ('" +
                        std::string(label) + "') under " + describe(device, category) +
                        " would pass the limit of " + std::to_string(kMaxBytes) + " bytes");
    }
    applyLocked(device, category, deltaBytes, label);
}

void MemoryLedger::releaseNoThrow(MemoryDevice device, LedgerCategory category, uint64_t bytes,
                                  std::string_view label) noexcept {
    std::lock_guard lock(m_mutex);
    const DeviceState* state = findDeviceLocked(device);
    DW_ASSERT_MSG(state && state->usage[category].current >= bytes,
                  "a LedgerAllocation releases more than its category holds: something "
                  "released its bytes with a raw record() call");
    applyLocked(device, category, -static_cast<int64_t>(bytes), label);
}

void MemoryLedger::applyLocked(MemoryDevice device, LedgerCategory category, int64_t delta,
                               std::string_view label) {
    LedgerDeviceUsage& u = deviceLocked(device).usage;
    LedgerCategoryBytes& c = u.categories[static_cast<size_t>(category)];
    // Unsigned wrap-around adds a negative delta exactly; the callers checked the bounds.
    c.current += static_cast<uint64_t>(delta);
    u.totalBytes += static_cast<uint64_t>(delta);
    c.peak = std::max(c.peak, c.current);
    u.peakTotalBytes = std::max(u.peakTotalBytes, u.totalBytes);

    LedgerEvent e{std::chrono::steady_clock::now(),   m_events, device, category, delta, c.current,
                  boundedLabel(label, kMaxLabelBytes)};
    if (m_timeline.size() < m_timelineCapacity) {
        m_timeline.push_back(std::move(e));
    } else {
        m_timeline[m_next] = std::move(e);
    }
    m_next = (m_next + 1) % m_timelineCapacity;
    ++m_events;
}

uint64_t MemoryLedger::current(MemoryDevice device, LedgerCategory category) const {
    checkCategory(category);
    std::lock_guard lock(m_mutex);
    const DeviceState* s = findDeviceLocked(device);
    return s ? s->usage[category].current : 0;
}

uint64_t MemoryLedger::peak(MemoryDevice device, LedgerCategory category) const {
    checkCategory(category);
    std::lock_guard lock(m_mutex);
    const DeviceState* s = findDeviceLocked(device);
    return s ? s->usage[category].peak : 0;
}

uint64_t MemoryLedger::total(MemoryDevice device) const {
    std::lock_guard lock(m_mutex);
    const DeviceState* s = findDeviceLocked(device);
    return s ? s->usage.totalBytes : 0;
}

PoolRegistration MemoryLedger::registerPool(std::string name, MemoryDevice device,
                                            LedgerCategory category, PoolProbe probe) {
    checkDevice(device);
    checkCategory(category);
    std::lock_guard lock(m_poolMutex);
    const uint64_t id = m_nextPoolId++;
    m_pools.push_back(Pool{id, std::move(name), device, category, std::move(probe), {}});
    return PoolRegistration(this, id);
}

void MemoryLedger::updatePool(uint64_t id, const PoolUsage& usage) {
    std::lock_guard lock(m_poolMutex);
    for (auto& p : m_pools) {
        if (p.id != id) continue;
        checkUsage(p.name, usage);
        p.usage = usage;
        return;
    }
    DW_ASSERT_MSG(false, "update of a pool that is not registered");
}

void MemoryLedger::unregisterPool(uint64_t id) noexcept {
    std::lock_guard lock(m_poolMutex);
    std::erase_if(m_pools, [id](const Pool& p) { return p.id == id; });
}

LedgerSnapshot MemoryLedger::snapshot() const {
    LedgerSnapshot s;
    {
        // Probes run here, under m_poolMutex only (see PoolProbe).
        std::lock_guard lock(m_poolMutex);
        s.pools.reserve(m_pools.size());
        for (const auto& p : m_pools) {
            PoolUsage u = p.usage;
            if (p.probe) {
                u = p.probe();
                DW_ASSERT_MSG(u.used <= u.capacity && u.largestFreeRun <= u.capacity - u.used,
                              "a pool probe reported inconsistent usage");
            }
            s.pools.push_back(PoolStats{p.name, p.device, p.category, u, poolFragmentation(u)});
        }
    }
    std::lock_guard lock(m_mutex);
    s.takenAt = std::chrono::steady_clock::now();
    s.devices.reserve(m_devices.size());
    for (const auto& d : m_devices) {
        uint64_t sum = 0;
        for (const auto& c : d.usage.categories) sum += c.current;
        DW_ASSERT_MSG(sum == d.usage.totalBytes, "ledger categories do not add up to the total");
        s.devices.push_back(d.usage);
    }
    // Oldest first: once the ring is full, the oldest event sits at m_next.
    s.timeline.reserve(m_timeline.size());
    const size_t start = m_timeline.size() < m_timelineCapacity ? 0 : m_next;
    for (size_t i = 0; i < m_timeline.size(); ++i)
        s.timeline.push_back(m_timeline[(start + i) % m_timeline.size()]);
    s.eventsRecorded = m_events;
    return s;
}

// --- LedgerAllocation -------------------------------------------------------------------------

LedgerAllocation::LedgerAllocation(MemoryLedger& ledger, MemoryDevice device,
                                   LedgerCategory category, uint64_t bytes, std::string_view label)
    : m_device(device), m_category(category), m_bytes(bytes),
      m_label(boundedLabel(label, MemoryLedger::kMaxLabelBytes)) {
    if (bytes > MemoryLedger::kMaxBytes)
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: allocation of " + std::to_string(bytes) + " bytes ('" +
                        m_label + "') is over the limit of " +
                        std::to_string(MemoryLedger::kMaxBytes) + " bytes");
    ledger.record(device, category, static_cast<int64_t>(bytes), m_label);
    m_ledger = &ledger; // only once recorded: a throwing record() leaves nothing to release
}

LedgerAllocation::LedgerAllocation(LedgerAllocation&& other) noexcept
    : m_ledger(std::exchange(other.m_ledger, nullptr)), m_device(other.m_device),
      m_category(other.m_category), m_bytes(std::exchange(other.m_bytes, 0)),
      m_label(std::move(other.m_label)) {}

LedgerAllocation& LedgerAllocation::operator=(LedgerAllocation&& other) noexcept {
    if (this != &other) {
        release();
        m_ledger = std::exchange(other.m_ledger, nullptr);
        m_device = other.m_device;
        m_category = other.m_category;
        m_bytes = std::exchange(other.m_bytes, 0);
        m_label = std::move(other.m_label);
    }
    return *this;
}

void LedgerAllocation::release() noexcept {
    if (!m_ledger) return;
    m_ledger->releaseNoThrow(m_device, m_category, m_bytes, m_label);
    m_ledger = nullptr;
    m_bytes = 0;
}

void LedgerAllocation::resize(uint64_t newBytes) {
    DW_ASSERT_MSG(m_ledger, "resize() of an empty LedgerAllocation");
    if (newBytes > MemoryLedger::kMaxBytes)
        throw Error(ErrorCode::InvalidArgument,
                    "memory ledger: resize of '" + m_label + "' to " + std::to_string(newBytes) +
                        " bytes is over the limit of " + std::to_string(MemoryLedger::kMaxBytes) +
                        " bytes");
    if (newBytes == m_bytes) return;
    const int64_t delta = static_cast<int64_t>(newBytes) - static_cast<int64_t>(m_bytes);
    m_ledger->record(m_device, m_category, delta, m_label);
    m_bytes = newBytes;
}

// --- PoolRegistration -------------------------------------------------------------------------

PoolRegistration::PoolRegistration(PoolRegistration&& other) noexcept
    : m_ledger(std::exchange(other.m_ledger, nullptr)), m_id(std::exchange(other.m_id, 0)) {}

PoolRegistration& PoolRegistration::operator=(PoolRegistration&& other) noexcept {
    if (this != &other) {
        reset();
        m_ledger = std::exchange(other.m_ledger, nullptr);
        m_id = std::exchange(other.m_id, 0);
    }
    return *this;
}

void PoolRegistration::update(const PoolUsage& usage) {
    DW_ASSERT_MSG(m_ledger, "update() of an empty PoolRegistration");
    m_ledger->updatePool(m_id, usage);
}

void PoolRegistration::reset() noexcept {
    if (!m_ledger) return;
    m_ledger->unregisterPool(m_id);
    m_ledger = nullptr;
    m_id = 0;
}

} // namespace dw
