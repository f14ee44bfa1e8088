#pragma once
// A small fork-join pool for the CPU kernels. The calling thread takes part as thread 0, so a
// pool of size 1 runs everything inline. Workers spin briefly after a job (decode issues
// hundreds of short jobs per token) and then sleep on a condition variable.
//
// One job at a time is published through a single atomic state word (its own cache line):
// a generation number, a closed flag and the counts of workers that entered and left the
// job. Workers spin on that word only; a worker enters a job by a compare-and-swap that
// fails once the job is closed. run() never closes (every thread must take part), so it
// waits for all workers; parallelFor() closes its job as soon as the calling thread finds
// no chunk left and then waits only for the workers that entered. A worker that is
// preempted or asleep when a job is published therefore delays a parallelFor by at most the
// chunk it holds, not by the time until it is scheduled again (on a machine shared with
// other processes that was about 200 us per job, measured with bench_quant --pool).
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

    // Calls fn(begin, end) over chunks covering [0, n), each exactly once; chunk boundaries
    // are multiples of grain (except the last). Chunks are handed out dynamically for load
    // balance, and a worker that has not started by the time the calling thread runs out of
    // chunks is not waited for, so any number of the workers (none included) may take part.
    void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

    // Calls fn(i) for every i in [0, n), one index per hand-out, on the threads that take
    // part as in parallelFor: for work already cut into pieces of similar cost, where the
    // grouping of parallelFor would hand out a quarter of a thread's share at once.
    void forEach(int64_t n, const std::function<void(int64_t)>& fn);

    // Number of hardware threads (at least 1).
    static int hardwareThreads();

private:
    void dispatch(const std::function<void(int, int)>& fn, bool everyThread);
    void workerLoop(int index);

    int m_nThreads;
    std::vector<std::thread> m_workers;
    // The job: [generation:32 | closed:1 | entered:15 | left:16] (see thread_pool.cpp).
    alignas(64) std::atomic<uint64_t> m_state{0};
    // Written by the calling thread before the job's generation is published; read by a
    // worker after it entered (so never while a job is being replaced).
    alignas(64) const std::function<void(int, int)>* m_job = nullptr;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex; // guards the sleep/wake hand-off only
    std::condition_variable m_wake;
    std::atomic<int> m_sleepers{0};
};

} // namespace dw
