// deepwell-cli run: prompt -> streamed text; --chat applies the model's chat template;
// without a prompt, an interactive chat in the terminal.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/error.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace dw::cli {
namespace {

struct RunFlags {
    ModelFlags model;
    SamplingFlags sampling;
    PromptFlags prompt;
    bool chat = false;
    std::string system;
    bool showStats = false;
};

constexpr int64_t kDefaultCtx = 4096;

GenerateOptions generateOptions(const RunFlags& f, const Model* chatModel = nullptr) {
    GenerateOptions o;
    o.maxTokens = f.sampling.nPredict;
    o.stop = f.sampling.stop;
    if (chatModel)
        o.stop.insert(o.stop.end(), chatModel->chatStopStrings().begin(), chatModel->chatStopStrings().end());
    o.sampling = f.sampling.params;
    return o;
}

void printStats(const GenerateResult& r) {
    const double prefill = r.prefillSeconds > 0 ? double(r.promptTokens) / r.prefillSeconds : 0.0;
    const double decode = r.decodeSeconds > 0 ? double(r.tokens.size()) / r.decodeSeconds : 0.0;
    std::fprintf(stderr, "[%lld prompt tokens at %.1f tok/s; %zu generated at %.1f tok/s; first token after %.0f ms; %s]\n",
                 (long long)r.promptTokens, prefill, r.tokens.size(), decode,
                 r.firstTokenSeconds * 1000.0, finishReasonName(r.reason));
}

bool streamToStdout(std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
    return true;
}

// Evaluates only what differs from the tokens already in the context (the chat history is
// re-rendered every turn, so most of it is already cached).
std::vector<int32_t> reuseCache(Context& ctx, std::vector<int32_t>& cached,
                                const std::vector<int32_t>& wanted) {
    size_t common = 0;
    while (common < cached.size() && common < wanted.size() && cached[common] == wanted[common]) ++common;
    if (common == wanted.size() && common > 0) --common; // re-evaluate the last token for fresh logits
    ctx.truncate(int64_t(common));
    cached.assign(wanted.begin(), wanted.begin() + std::ptrdiff_t(common));
    return {wanted.begin() + std::ptrdiff_t(common), wanted.end()};
}

void interactive(const RunFlags& f, const std::shared_ptr<const Model>& model) {
    Context ctx(model, contextOptions(f.model, *model, kDefaultCtx));
    std::vector<ChatMessage> messages;
    if (!f.system.empty()) messages.push_back({"system", f.system, {}});
    std::vector<int32_t> cached;
    const bool tty = isatty(STDIN_FILENO) != 0;
    std::fprintf(stderr, "Chatting with %s. Type a message and press Enter; an empty line or "
                         "Ctrl+D ends the chat.\n", model->name().c_str());
    for (;;) {
        if (tty) std::fprintf(stderr, "\n> ");
        std::string line;
        if (!std::getline(std::cin, line) || line.empty()) break;
        messages.push_back({"user", line, {}});
        const auto wanted = chatTokens(*model, messages, true);
        if (int64_t(wanted.size()) >= ctx.nCtx()) {
            std::fprintf(stderr, "The conversation (%zu tokens) no longer fits the context of %lld "
                                 "tokens; start again with a larger -c.\n",
                         wanted.size(), (long long)ctx.nCtx());
            break;
        }
        const auto fresh = reuseCache(ctx, cached, wanted);
        auto result = generate(ctx, fresh, generateOptions(f, model.get()), streamToStdout);
        std::printf("\n");
        std::fflush(stdout);
        if (f.showStats) printStats(result);
        messages.push_back({"assistant", result.text, {}});
        cached.insert(cached.end(), fresh.begin(), fresh.end());
        cached.insert(cached.end(), result.tokens.begin(), result.tokens.end());
        cached.resize(size_t(std::min<int64_t>(int64_t(cached.size()), ctx.nPast())));
    }
}

void run(const RunFlags& f) {
    auto model = loadModel(f.model.model);
    const std::string text = promptText(f.prompt);
    if (text.empty() && f.prompt.file.empty()) {
        interactive(f, model);
        return;
    }
    std::vector<int32_t> tokens;
    if (f.chat) {
        std::vector<ChatMessage> messages;
        if (!f.system.empty()) messages.push_back({"system", f.system, {}});
        messages.push_back({"user", text, {}});
        tokens = chatTokens(*model, messages, true);
    } else {
        tokens = textTokens(*model, text);
    }
    Context ctx(model, contextOptions(f.model, *model, kDefaultCtx));
    if (int64_t(tokens.size()) >= ctx.nCtx())
        throw Error(ErrorCode::InvalidArgument,
                    "the prompt has " + std::to_string(tokens.size()) +
                        " tokens and does not fit the context of " + std::to_string(ctx.nCtx()) +
                        " tokens; raise -c");
    if (!f.chat) streamToStdout(text);
    auto result = generate(ctx, tokens, generateOptions(f, f.chat ? model.get() : nullptr), streamToStdout);
    std::printf("\n");
    std::fflush(stdout);
    if (f.showStats) printStats(result);
}

} // namespace

void addRunCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("run", "Generate text from a prompt, or chat interactively when no prompt is given");
    auto f = std::make_shared<RunFlags>();
    addModelFlags(*cmd, f->model, kDefaultCtx);
    addSamplingFlags(*cmd, f->sampling);
    addPromptFlags(*cmd, f->prompt);
    cmd->add_flag("--chat", f->chat, "wrap the prompt in the model's chat template");
    cmd->add_option("--system", f->system, "system prompt for --chat and interactive chat");
    cmd->add_flag("--stats", f->showStats, "print token counts and speeds after each reply");
    cmd->callback([f, &exitCode] {
        run(*f);
        exitCode = 0;
    });
}

} // namespace dw::cli
