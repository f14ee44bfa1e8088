#pragma once
#include "deepwell/model.h"

#include <memory>
#include <vector>

namespace dw::cli {

struct EngineBenchOptions {
    std::vector<int> concurrency{1}; // one run per value
    int sharedPrefix = 0;            // prompt tokens every request shares
    int uniquePrompt = 16;           // prompt tokens of each request's own
    int nGen = 128;
    int threads = 0;
    int stepBudget = 256;
};

void runEngineBench(const std::shared_ptr<const Model>& model, const EngineBenchOptions& o);

} // namespace dw::cli
