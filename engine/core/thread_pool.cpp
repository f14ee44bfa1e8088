#include "core/thread_pool.h"

#include "deepwell/error.h"

#include <algorithm>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DW_CPU_RELAX() _mm_pause()
#else
#define DW_CPU_RELAX() std::this_thread::yield()
#endif

namespace dw {
namespace {
constexpr int kSpinIterations = 1 << 12;
}

ThreadPool::ThreadPool(int nThreads) : m_nThreads(std::max(1, nThreads)) {
    m_workers.reserve(m_nThreads - 1);
    for (int i = 1; i < m_nThreads; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
        m_generation.fetch_add(1);
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

int ThreadPool::hardwareThreads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

void ThreadPool::workerLoop(int index) {
    uint64_t seen = 0;
    for (;;) {
        uint64_t gen = m_generation.load(std::memory_order_acquire);
        for (int spin = 0; gen == seen && spin < kSpinIterations; ++spin) {
            DW_CPU_RELAX();
            gen = m_generation.load(std::memory_order_acquire);
        }
        if (gen == seen) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_sleepers.fetch_add(1);
            m_wake.wait(lock, [&] { return m_generation.load() != seen; });
            m_sleepers.fetch_sub(1);
            gen = m_generation.load();
        }
        seen = gen;
        if (m_stop.load()) return;
        (*m_job)(index, m_nThreads);
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (m_nThreads == 1) {
        fn(0, 1);
        return;
    }
    m_job = &fn;
    m_pending.store(m_nThreads - 1, std::memory_order_relaxed);
    {
        // The generation bump under the mutex pairs with the sleepers' predicate check, so a
        // worker that is about to sleep cannot miss the wake-up.
        std::lock_guard<std::mutex> lock(m_mutex);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
    }
    if (m_sleepers.load() > 0) m_wake.notify_all();
    fn(0, m_nThreads);
    // Spin briefly, then yield: when the machine is oversubscribed a worker may not be
    // running, and a caller that only spins would burn the core that worker needs.
    for (int spin = 0; m_pending.load(std::memory_order_acquire) != 0; ++spin) {
        if (spin < kSpinIterations)
            DW_CPU_RELAX();
        else
            std::this_thread::yield();
    }
    m_job = nullptr;
}

void ThreadPool::parallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (n + grain - 1) / grain;
    if (m_nThreads == 1 || units == 1) {
        fn(0, n);
        return;
    }
    // About four chunks per thread balances uneven rows without much hand-out traffic.
    const int64_t unitsPerChunk = std::max<int64_t>(1, units / (int64_t(m_nThreads) * 4));
    const int64_t chunk = unitsPerChunk * grain;
    std::atomic<int64_t> next{0};
    run([&](int, int) {
        for (;;) {
            const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
            if (begin >= n) break;
            fn(begin, std::min(n, begin + chunk));
        }
    });
}

} // namespace dw
