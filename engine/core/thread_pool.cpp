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

// Pause loops a worker spins for the next job before it sleeps (a pause is ~25 ns on Zen 4:
// ~0.8 ms, longer than the serial stretches between the jobs of a decode step).
constexpr int kSpinIterations = 1 << 15;
// Pause loops the calling thread spins for the workers to finish before it yields its core
// (~0.8 ms). A yield can hand the core to another process for a whole time slice, so it
// must not come while a worker is merely finishing its last piece of a decode product.
constexpr int kCallerSpins = 1 << 15;

// The state word: generation in the high 32 bits, then the closed flag, then the number of
// workers that entered the job (15 bits) and that left it (16 bits).
constexpr uint64_t kLeftOne = 1;
constexpr uint64_t kEnteredOne = uint64_t(1) << 16;
constexpr uint64_t kClosed = uint64_t(1) << 31;

uint32_t generationOf(uint64_t s) {
    return uint32_t(s >> 32);
}
uint64_t enteredOf(uint64_t s) {
    return (s >> 16) & 0x7fff;
}
uint64_t leftOf(uint64_t s) {
    return s & 0xffff;
}

} // namespace

ThreadPool::ThreadPool(int nThreads) : m_nThreads(std::max(1, nThreads)) {
    DW_ASSERT_MSG(m_nThreads <= 0x7fff, "too many threads for the pool's state word");
    m_workers.reserve(size_t(m_nThreads - 1));
    for (int i = 1; i < m_nThreads; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    m_stop.store(true);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        const uint32_t next = generationOf(m_state.load()) + 1;
        m_state.store(uint64_t(next) << 32 | kClosed);
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

int ThreadPool::hardwareThreads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

void ThreadPool::workerLoop(int index) {
    uint32_t seen = 0;
    for (;;) {
        uint64_t s = m_state.load(std::memory_order_acquire);
        for (int spin = 0; generationOf(s) == seen && spin < kSpinIterations; ++spin) {
            DW_CPU_RELAX();
            s = m_state.load(std::memory_order_acquire);
        }
        if (generationOf(s) == seen) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_sleepers.fetch_add(1); // seq_cst: pairs with the publisher's load in dispatch()
            m_wake.wait(lock, [&] { return generationOf(m_state.load()) != seen; });
            m_sleepers.fetch_sub(1);
            s = m_state.load(std::memory_order_acquire);
        }
        if (m_stop.load()) return;
        seen = generationOf(s);
        // Enter the job unless it is closed (or already replaced by a newer one, which the
        // next round of the loop picks up).
        bool entered = false;
        while (generationOf(s) == seen && (s & kClosed) == 0) {
            if (m_state.compare_exchange_weak(s, s + kEnteredOne, std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
                entered = true;
                break;
            }
        }
        if (!entered) {
            if (generationOf(s) != seen) seen = generationOf(s) - 1; // take the newer job next
            continue;
        }
        (*m_job)(index, m_nThreads);
        m_state.fetch_add(kLeftOne, std::memory_order_release);
    }
}

void ThreadPool::dispatch(const std::function<void(int, int)>& fn, bool everyThread) {
    m_job = &fn;
    const uint32_t gen = generationOf(m_state.load(std::memory_order_relaxed)) + 1;
    m_state.store(uint64_t(gen) << 32); // seq_cst: pairs with the sleepers' increment
    if (m_sleepers.load() > 0) {
        // Taking the mutex orders this wake-up after a sleeper's predicate check.
        { std::lock_guard<std::mutex> lock(m_mutex); }
        m_wake.notify_all();
    }
    fn(0, m_nThreads);
    uint64_t s;
    if (everyThread) {
        s = m_state.load(std::memory_order_acquire);
        for (int spin = 0; leftOf(s) != uint64_t(m_nThreads - 1); ++spin) {
            if (spin < kCallerSpins)
                DW_CPU_RELAX();
            else
                std::this_thread::yield();
            s = m_state.load(std::memory_order_acquire);
        }
    } else {
        s = m_state.fetch_or(kClosed, std::memory_order_acq_rel) | kClosed;
        for (int spin = 0; leftOf(s) != enteredOf(s); ++spin) {
            if (spin < kCallerSpins)
                DW_CPU_RELAX();
            else
                std::this_thread::yield();
            s = m_state.load(std::memory_order_acquire);
        }
    }
    m_job = nullptr;
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (m_nThreads == 1) {
        fn(0, 1);
        return;
    }
    dispatch(fn, true);
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
    struct Shared {
        alignas(64) std::atomic<int64_t> next{0};
        int64_t n, chunk;
        const std::function<void(int64_t, int64_t)>* fn;
    } shared;
    shared.n = n;
    shared.chunk = chunk;
    shared.fn = &fn;
    Shared* sh = &shared; // one pointer: the std::function below stores it without allocating
    const std::function<void(int, int)> body = [sh](int, int) {
        for (;;) {
            const int64_t begin = sh->next.fetch_add(sh->chunk, std::memory_order_relaxed);
            if (begin >= sh->n) break;
            (*sh->fn)(begin, std::min(sh->n, begin + sh->chunk));
        }
    };
    dispatch(body, false);
}

void ThreadPool::forEach(int64_t n, const std::function<void(int64_t)>& fn) {
    if (n <= 0) return;
    if (m_nThreads == 1 || n == 1) {
        for (int64_t i = 0; i < n; ++i) fn(i);
        return;
    }
    struct Shared {
        alignas(64) std::atomic<int64_t> next{0};
        int64_t n;
        const std::function<void(int64_t)>* fn;
    } shared;
    shared.n = n;
    shared.fn = &fn;
    Shared* sh = &shared;
    const std::function<void(int, int)> body = [sh](int, int) {
        for (int64_t i; (i = sh->next.fetch_add(1, std::memory_order_relaxed)) < sh->n;)
            (*sh->fn)(i);
    };
    dispatch(body, false);
}

} // namespace dw
