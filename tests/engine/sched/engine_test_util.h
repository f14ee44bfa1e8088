#pragma once
// Collects a request's streamed events (called on the engine thread) and waits for its end.
#include "deepwell/engine.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

struct Collected {
    std::vector<int32_t> tokens;
    std::vector<int64_t> tokenSteps;   // engine step of each generated token
    std::string text;
    std::vector<float> promptLogprobs; // in position order (position 1 onwards)
    int finishes = 0;
    dw::FinishEvent finish;
};

class Collector {
public:
    dw::RequestCallbacks callbacks() {
        dw::RequestCallbacks cb;
        cb.onTokens = [this](const dw::TokenEvent& e) {
            std::lock_guard<std::mutex> lock(m_mutex);
            for (int32_t t : e.tokens) {
                m_data.tokens.push_back(t);
                m_data.tokenSteps.push_back(e.step);
            }
            m_data.text += e.text;
            m_data.promptLogprobs.insert(m_data.promptLogprobs.end(), e.promptLogprobs.begin(), e.promptLogprobs.end());
        };
        cb.onFinish = [this](const dw::FinishEvent& e) {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_data.finishes;
            m_data.finish = e;
            m_done.notify_all();
        };
        return cb;
    }

    // Waits for the finish event (at most `seconds`); returns a copy of everything collected.
    Collected wait(double seconds = 120.0) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return m_data.finishes > 0; });
        return m_data;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_done;
    Collected m_data;
};
