#pragma once
#include "deepwell/gguf.h"
#include "deepwell/model.h"
#include "model/arch.h"
#include "model/weights.h"

#include <memory>

namespace dw {

struct Model::Impl {
    std::string path;
    std::string name;
    std::unique_ptr<gguf::File> file;
    HParams hp;
    model::Weights weights;
    std::unique_ptr<Tokenizer> tokenizer;
    std::string chatTemplate;
    bool chatTemplateBuiltin = false; // the file had none; a built-in one is used
    std::vector<std::string> chatStops; // where a reply ends besides end-of-generation tokens
};

} // namespace dw
