// deepwell-cli logits: the top-k logits at every position of a prompt, as JSON Lines, for
// comparison with other engines. First {"tokens":[...]}, then one line per position
// {"pos":i,"token":id,"top":[[id,logit],...]} (logits as computed, before any sampling).
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "deepwell/error.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace dw::cli {
namespace {

struct LogitsFlags {
    ModelFlags model;
    PromptFlags prompt;
    int topK = 10;
    bool chat = false;
};

void run(const LogitsFlags& f) {
    auto model = loadModel(f.model.model);
    const std::string text = promptText(f.prompt);
    if (text.empty()) throw Error(ErrorCode::InvalidArgument, "give a prompt with -p or -f");
    std::vector<int32_t> tokens;
    if (f.chat) {
        tokens = chatTokens(*model, {{"user", text, {}}}, true);
    } else {
        tokens = textTokens(*model, text);
    }
    ModelFlags mf = f.model;
    if (mf.ctx == 0) mf.ctx = std::max<int64_t>(int64_t(tokens.size()), 1);
    Context ctx(model, contextOptions(mf, *model, mf.ctx));
    std::printf("{\"tokens\":[");
    for (size_t i = 0; i < tokens.size(); ++i) std::printf("%s%d", i ? "," : "", tokens[i]);
    std::printf("]}\n");
    const int64_t V = model->hparams().nVocab;
    const int k = int(std::min<int64_t>(f.topK, V));
    std::vector<int32_t> idx(static_cast<size_t>(V));
    ctx.eval(tokens.data(), int64_t(tokens.size()), LogitsMode::All, [&](int64_t i, const float* l) {
        std::iota(idx.begin(), idx.end(), 0);
        std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int32_t a, int32_t b) {
            return l[a] > l[b] || (l[a] == l[b] && a < b);
        });
        std::printf("{\"pos\":%lld,\"token\":%d,\"top\":[", (long long)i, tokens[size_t(i)]);
        for (int j = 0; j < k; ++j)
            std::printf("%s[%d,%.9g]", j ? "," : "", idx[size_t(j)], double(l[idx[size_t(j)]]));
        std::printf("]}\n");
    });
}

} // namespace

void addLogitsCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("logits", "Top-k logits at each position of a prompt (JSON Lines)");
    auto f = std::make_shared<LogitsFlags>();
    addModelFlags(*cmd, f->model, 0);
    addPromptFlags(*cmd, f->prompt);
    cmd->add_option("--top-k", f->topK, "logits shown per position")->check(CLI::PositiveNumber);
    cmd->add_flag("--chat", f->chat, "wrap the prompt in the model's chat template");
    cmd->callback([f, &exitCode] {
        run(*f);
        exitCode = 0;
    });
}

} // namespace dw::cli
