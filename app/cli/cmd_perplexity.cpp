// deepwell-cli perplexity: the usual method — split the text into windows of the context
// size, evaluate each window from scratch, and score the second half of each (every scored
// token then has at least n_ctx/2 tokens of context).
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/error.h"
#include "deepwell/perplexity.h"

#include <cstdio>

namespace dw::cli {
namespace {

struct PplFlags {
    ModelFlags model;
    std::string file;
    int chunks = 0; // 0 = all
};

constexpr int64_t kDefaultCtx = 512;

void run(const PplFlags& f) {
    auto model = loadModel(f.model.model);
    const Tokenizer& tok = model->tokenizer();
    const std::string text = readTextFile(f.file);
    const auto tokens = tok.encode(text, false, false);
    Context ctx(model, contextOptions(f.model, *model, kDefaultCtx));
    std::fprintf(stderr, "perplexity: %zu tokens, windows of %lld, scoring the second half of each\n",
                 tokens.size(), (long long)ctx.nCtx());
    const auto r = computePerplexity(ctx, tokens, f.chunks, [](int64_t w, double ppl) {
        std::printf("[%lld]%.4f ", (long long)(w + 1), ppl);
        std::fflush(stdout);
    });
    std::printf("\nFinal estimate: PPL = %.4f +/- %.4f (%lld windows, %lld tokens scored)\n",
                r.perplexity, r.stdError, (long long)r.windows, (long long)r.scoredTokens);
}

} // namespace

void addPerplexityCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("perplexity", "Perplexity of a model over a text file");
    auto f = std::make_shared<PplFlags>();
    addModelFlags(*cmd, f->model, kDefaultCtx);
    cmd->add_option("-f,--file", f->file, "text file")->required()->check(CLI::ExistingFile);
    cmd->add_option("--chunks", f->chunks, "evaluate at most this many windows")->check(CLI::NonNegativeNumber);
    cmd->callback([f, &exitCode] {
        run(*f);
        exitCode = 0;
    });
}

} // namespace dw::cli
