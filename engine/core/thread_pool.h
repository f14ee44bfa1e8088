#pragma once
// A small fork-join pool for the CPU kernels. The calling thread takes part as thread 0, so a
// pool of size 1 runs everything inline. Workers spin briefly after a job (decode issues
// hundreds of short jobs per token) and then sleep on a condition variable.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dw {

class ThreadPool {
public:
    explicit ThreadPool(int nThreads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return m_nThreads; }

    // Runs fn(thread, nThreads) once on every thread of the pool; returns when all are done.
    // Not re-entrant: fn must not call back into the same pool.
    void run(const std::function<void(int thread, int nThreads)>& fn);

    // Calls fn(begin, end) over chunks covering [0, n); chunk boundaries are multiples of
    // grain (except the last). Chunks are handed out dynamically for load balance.
    void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

    // Number of hardware threads (at least 1).
    static int hardwareThreads();

private:
    void workerLoop(int index);

    int m_nThreads;
    std::vector<std::thread> m_workers;
    const std::function<void(int, int)>* m_job = nullptr; // guarded by the generation protocol
    std::atomic<uint64_t> m_generation{0};
    std::atomic<int> m_pending{0};
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex; // guards the sleep/wake hand-off only
    std::condition_variable m_wake;
    std::atomic<int> m_sleepers{0};
};

} // namespace dw
