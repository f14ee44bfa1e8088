#pragma once
// A check that no engine work (loading a model, tokenizing, a forward pass) runs on a thread
// that must stay responsive — the GUI thread. The program marks that thread once; the
// engine's entry points call noteEngineWork(), which on a marked thread counts the call and
// logs an error naming the entry point. Tests assert that the count stays zero.
//
// Cost on an unmarked thread: one read of a thread_local flag per entry-point call.
#include <cstdint>
#include <string>

namespace dw {

// Marks the calling thread as one on which no engine work may run (until unmarked).
void markForbiddenThread();
void unmarkForbiddenThread();
bool isForbiddenThread(); // the calling thread is marked

// Called at the engine's entry points with a static string naming the place
// ("Model::load", "Tokenizer::encode", ...).
void noteEngineWork(const char* where);

struct ForbiddenWorkReport {
    int64_t count = 0;      // calls of noteEngineWork() on a marked thread, all threads together
    std::string firstWhere; // the place of the first one ("" when count == 0)
};

// The number of entry-point calls seen on a marked thread since the start (or the last reset).
int64_t engineWorkOnForbiddenThread();
ForbiddenWorkReport forbiddenWorkReport();
void resetForbiddenWorkReport();

} // namespace dw
