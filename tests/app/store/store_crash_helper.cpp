// Helper for tst_history_recovery: writes a user message, then streams an assistant reply
// forever ("word0 word1 ..."), printing "UPDATE <i>" after update i has returned (i.e. is
// committed). The test SIGKILLs it mid-stream and checks what reached the disk.
#include "store/history_store.h"

#include <chrono>
#include <cstdio>
#include <thread>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: store_crash_helper <history.db>\n");
        return 2;
    }
    try {
        using namespace dw::store;
        auto store = HistoryStore::open(argv[1]);
        const int64_t session = store->createSession();
        store->appendMessage(session, Role::User, "Tell me a story about a lighthouse.");
        const int64_t reply = store->beginAssistantMessage(session);
        std::printf("SESSION %lld\n", static_cast<long long>(session));
        std::fflush(stdout);
        std::string text;
        for (long i = 0;; ++i) {
            text += "word" + std::to_string(i) + " ";
            if (!store->updateStreamingMessage(reply, text)) return 3;
            std::printf("UPDATE %ld\n", i);
            std::fflush(stdout);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "store_crash_helper: %s\n", e.what());
        return 1;
    }
}
