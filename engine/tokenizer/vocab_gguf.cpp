// vocabFromGguf: tokenizer.ggml.* keys (ENGINE_FACTS 3.3) -> VocabData.
#include "core/log.h"
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/tokenizer.h"
#include "tokenizer/pre_tokenizer.h"

#include <limits>

namespace dw {

namespace {

[[noreturn]] void formatError(const gguf::File& file, const std::string& msg) {
    throw Error(ErrorCode::Format, file.path() + ": " + msg);
}

const gguf::Value& requireKey(const gguf::File& file, std::string_view key) {
    const gguf::Value* v = file.find(key);
    if (!v) formatError(file, "missing key " + std::string(key));
    return *v;
}

std::string typeOf(const gguf::Value& v) {
    std::string t = gguf::valueTypeName(v.type());
    if (v.isArray()) t += std::string(" of ") + gguf::valueTypeName(v.elementType());
    return t;
}

std::vector<std::string> stringArray(const gguf::File& file, std::string_view key,
                                     const gguf::Value& v) {
    const std::vector<std::string>* a = v.toStringArray();
    if (!a) formatError(file, std::string(key) + " must be an array of strings, not " + typeOf(v));
    return *a;
}

// Special ids: a missing key takes the model's default; an id outside the vocabulary is
// ignored with a warning, as llama.cpp does (real files carry e.g. a padding id equal to the
// vocabulary size).
int32_t specialId(const gguf::File& file, const char* key, int64_t fallback, size_t nVocab) {
    const std::optional<int64_t> v = file.getInt(key); // throws Format for a non-integer
    if (!v) return fallback >= 0 && size_t(fallback) < nVocab ? int32_t(fallback) : -1;
    if (*v < 0 || uint64_t(*v) >= nVocab) {
        log().warn("{}: {} = {} is outside the vocabulary ({} tokens); ignored", file.path(), key,
                   *v, nVocab);
        return -1;
    }
    return int32_t(*v);
}

} // namespace

VocabData vocabFromGguf(const gguf::File& file) {
    VocabData d;
    const std::optional<std::string> model = file.getString("tokenizer.ggml.model");
    if (!model) formatError(file, "missing key tokenizer.ggml.model");
    d.model = *model;
    if (d.model != "llama" && d.model != "gpt2")
        throw Error(ErrorCode::Unsupported, file.path() + ": tokenizer model '" + d.model +
                                                "' (tokenizer.ggml.model) is not supported; "
                                                "supported: llama, gpt2");
    const bool spm = d.model == "llama";
    d.pre = file.getString("tokenizer.ggml.pre").value_or("");
    if (!spm && !tok::PreTokenizer::isKnown(d.pre))
        throw Error(ErrorCode::Unsupported, file.path() + ": pre-tokenizer '" + d.pre +
                                                "' (tokenizer.ggml.pre) is not supported");

    d.tokens =
        stringArray(file, "tokenizer.ggml.tokens", requireKey(file, "tokenizer.ggml.tokens"));
    const size_t n = d.tokens.size();
    if (n == 0) formatError(file, "tokenizer.ggml.tokens is empty");
    if (n > size_t(std::numeric_limits<int32_t>::max()))
        formatError(file,
                    "tokenizer.ggml.tokens has " + std::to_string(n) + " entries (limit 2^31-1)");

    if (const gguf::Value* v = file.find("tokenizer.ggml.scores")) {
        std::optional<std::vector<float>> s = v->isArray() ? v->toFloatArray() : std::nullopt;
        if (!s)
            formatError(file,
                        "tokenizer.ggml.scores must be an array of numbers, not " + typeOf(*v));
        d.scores = std::move(*s);
    }
    if (const gguf::Value* v = file.find("tokenizer.ggml.token_type")) {
        std::optional<std::vector<int64_t>> t = v->isArray() ? v->toIntArray() : std::nullopt;
        if (!t)
            formatError(file, "tokenizer.ggml.token_type must be an array of integers, not " +
                                  typeOf(*v));
        d.types.reserve(t->size());
        for (size_t i = 0; i < t->size(); ++i) {
            const int64_t x = (*t)[i];
            if (x < 0 || x > int64_t(TokenType::Byte))
                formatError(file, "tokenizer.ggml.token_type[" + std::to_string(i) +
                                      "] = " + std::to_string(x) + " (valid: 0..6)");
            d.types.push_back(static_cast<TokenType>(x));
        }
    }
    if (const gguf::Value* v = file.find("tokenizer.ggml.merges"))
        d.merges = stringArray(file, "tokenizer.ggml.merges", *v);
    else if (!spm)
        formatError(file, "missing key tokenizer.ggml.merges (needed by the gpt2 tokenizer)");

    // Defaults when the key is missing (ENGINE_FACTS 3.3).
    d.bos = specialId(file, "tokenizer.ggml.bos_token_id", spm ? 1 : 11, n);
    d.eos = specialId(file, "tokenizer.ggml.eos_token_id", spm ? 2 : 11, n);
    d.unk = specialId(file, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n);
    d.pad = specialId(file, "tokenizer.ggml.padding_token_id", -1, n);
    d.eot = specialId(file, "tokenizer.ggml.eot_token_id", -1, n);
    d.eom = specialId(file, "tokenizer.ggml.eom_token_id", -1, n);
    d.addBos = file.getBool("tokenizer.ggml.add_bos_token");
    d.addEos = file.getBool("tokenizer.ggml.add_eos_token");
    d.addSpacePrefix = file.getBool("tokenizer.ggml.add_space_prefix");
    return d;
}

} // namespace dw
