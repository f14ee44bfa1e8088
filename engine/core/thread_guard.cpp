// The GUI-thread check (deepwell/thread_guard.h). The flag is thread_local so that the fast
// path (an unmarked thread) touches no shared cache line; the counters are process-wide.
#include "deepwell/thread_guard.h"

#include "core/log.h"

#include <atomic>
#include <mutex>

namespace dw {

namespace {

thread_local bool t_forbidden = false;

std::atomic<int64_t> g_count{0};
std::mutex g_firstMutex;
std::string g_firstWhere; // guarded by g_firstMutex

} // namespace

void markForbiddenThread() { t_forbidden = true; }
void unmarkForbiddenThread() { t_forbidden = false; }
bool isForbiddenThread() { return t_forbidden; }

void noteEngineWork(const char* where) {
    if (!t_forbidden) [[likely]]
        return;
    if (g_count.fetch_add(1) == 0) {
        std::lock_guard<std::mutex> lock(g_firstMutex);
        g_firstWhere = where ? where : "?";
    }
    log().error("engine work ({}) on a thread that must not run it (the GUI thread)",
                where ? where : "?");
}

int64_t engineWorkOnForbiddenThread() { return g_count.load(); }

ForbiddenWorkReport forbiddenWorkReport() {
    ForbiddenWorkReport r;
    std::lock_guard<std::mutex> lock(g_firstMutex);
    r.count = g_count.load();
    r.firstWhere = g_firstWhere;
    return r;
}

void resetForbiddenWorkReport() {
    std::lock_guard<std::mutex> lock(g_firstMutex);
    g_count.store(0);
    g_firstWhere.clear();
}

} // namespace dw
