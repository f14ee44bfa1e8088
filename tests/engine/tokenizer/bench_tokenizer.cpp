// Tokenizer throughput on about 1 MB of mixed text (prose, code, CJK, emoji): a program,
// not a test. Usage: bench_tokenizer [model.gguf] [bpe.json]
//   model.gguf: default the Gemma 3 270M cache path (skipped when absent);
//   bpe.json:   {"tokens": [...], "merges": [...], "pre": "..."}, a byte-level BPE vocabulary
//               (e.g. one trained with HF tokenizers) measured besides a built-in tiny one.
#include "deepwell/gguf.h"
#include "deepwell/tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace dw;

namespace {

std::string makeText(size_t bytes) {
    const char* parts[] = {
        "Deepwell runs large language models locally. It reads GGUF files, maps their "
        "weights into memory and tokenizes the prompt with the model's own vocabulary. ",
        "def tokenize(text):\n    for i, piece in enumerate(split(text)):\n\t\tyield i, piece\n",
        "今天天气很好，我们来测试中文分词。日本語のテキストと한국어 텍스트. ",
        "Emoji 🦀🐍👩‍💻 and numbers 3.14159, 1,234,567, 2024-05-17 —  "
        "“quotes”.\n\n",
    };
    std::string out;
    for (size_t i = 0; out.size() < bytes; ++i) out += parts[i % 4];
    return out;
}

void measure(const char* name, const Tokenizer& t, const std::string& text) {
    double best = 1e9;
    size_t n = 0;
    for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        n = t.encode(text, false, false).size();
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
    }
    const auto ids = t.encode(text, false, false);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string back = t.decode(ids);
    const double dec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-28s %8zu bytes -> %8zu tokens  encode %.3f s (%.0f tokens/s, %.1f MB/s)"
                "  decode %.3f s  round trip %s\n",
                name, text.size(), n, best, double(n) / best, double(text.size()) / best / 1e6, dec,
                back == text ? "ok" : "DIFFERS");
}

VocabData byteLevelVocab() {
    VocabData v;
    v.model = "gpt2";
    v.pre = "qwen2";
    // The 256 byte symbols in the GPT-2 alphabet, and merges of a few common pairs.
    auto mapped = [](int b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        int cp = b;
        if (!printable) {
            int k = 0;
            for (int x = 0; x < b; ++x)
                if (!((x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE)) ++k;
            cp = 0x100 + k;
        }
        std::string s;
        if (cp < 0x80)
            s.push_back(char(cp));
        else {
            s.push_back(char(0xC0 | (cp >> 6)));
            s.push_back(char(0x80 | (cp & 0x3F)));
        }
        return s;
    };
    for (int b = 0; b < 256; ++b) v.tokens.push_back(mapped(b));
    const char* pairs[][2] = {{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}, {"i", "n"}, {"e", "r"},
                              {"o", "n"}, {"Ġ", "a"}, {"r", "e"},   {"a", "t"}, {"e", "n"}};
    for (auto& p : pairs) {
        v.merges.push_back(std::string(p[0]) + " " + p[1]);
        v.tokens.push_back(std::string(p[0]) + p[1]);
    }
    return v;
}

} // namespace

int main(int argc, char** argv) {
    const std::string text = makeText(1 << 20);
    std::string path = argc > 1 ? argv[1] : "";
    if (path.empty() && std::getenv("HOME"))
        path =
            std::string(std::getenv("HOME")) + "/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf";
    if (std::filesystem::exists(path)) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto file = gguf::File::open(path);
        const Tokenizer gemma(vocabFromGguf(*file));
        std::printf("load %s: %.3f s\n", path.c_str(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        measure("SPM (model vocabulary)", gemma, text);
        measure("SPM, 1 MB of 'a'", gemma, std::string(1 << 20, 'a'));
        measure("SPM, 1 MB of spaces", gemma, std::string(1 << 20, ' '));
    }
    measure("byte-level BPE (tiny, qwen2)", Tokenizer(byteLevelVocab()), text);
    if (argc > 2) {
        std::ifstream in(argv[2]);
        const nlohmann::json j = nlohmann::json::parse(in);
        VocabData v;
        v.model = "gpt2";
        v.pre = j.value("pre", "");
        v.tokens = j["tokens"].get<std::vector<std::string>>();
        v.merges = j["merges"].get<std::vector<std::string>>();
        const auto t0 = std::chrono::steady_clock::now();
        const Tokenizer bpe(std::move(v));
        std::printf("build %zu-token BPE: %.3f s\n", size_t(bpe.nVocab()),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        measure("byte-level BPE (json)", bpe, text);
        measure("BPE, 1 MB of 'a'", bpe, std::string(1 << 20, 'a'));
        measure("BPE, 1 MB of spaces", bpe, std::string(1 << 20, ' '));
    }
    return 0;
}
