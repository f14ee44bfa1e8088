#pragma once
// Pieces shared by the deepwell-cli commands: common flags (named as llama.cpp names them,
// so habits carry over), model loading with a progress bar, chat prompt building.
#include "deepwell/chat_template.h"
#include "deepwell/generate.h"
#include "deepwell/model.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace dw::cli {

struct ModelFlags {
    std::string model;     // -m
    int threads = 0;       // -t (0 = all)
    int64_t ctx = 0;       // -c (0 = command default)
    int64_t batch = 256;   // -b
    std::string device = "auto"; // --device auto|cpu|cuda
};
void addModelFlags(CLI::App& app, ModelFlags& f, int64_t defaultCtx);

struct SamplingFlags {
    SamplingParams params;
    int nPredict = 256;            // -n
    std::vector<std::string> stop; // --stop
};
void addSamplingFlags(CLI::App& app, SamplingFlags& f);

struct PromptFlags {
    std::string prompt; // -p
    std::string file;   // -f
};
void addPromptFlags(CLI::App& app, PromptFlags& f);
// The prompt text from -p or -f (reading the file); empty when neither was given.
std::string promptText(const PromptFlags& f);
std::string readTextFile(const std::string& path);

// Loads with a progress bar on a terminal.
std::shared_ptr<const Model> loadModel(const std::string& path);
ContextOptions contextOptions(const ModelFlags& f, const Model& model, int64_t defaultCtx);
DeviceKind deviceKind(const std::string& name); // "auto", "cpu" or "cuda"

// Renders the model's chat template and tokenizes it (special tokens parsed, BOS added only
// when the template did not write it already).
std::vector<int32_t> chatTokens(const Model& model, const std::vector<ChatMessage>& messages,
                                bool addGenerationPrompt);
// Plain text prompt -> tokens with the vocabulary's BOS/EOS rules.
std::vector<int32_t> textTokens(const Model& model, const std::string& text);

std::string humanBytes(uint64_t bytes);

} // namespace dw::cli
