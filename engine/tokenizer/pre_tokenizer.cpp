#include "tokenizer/pre_tokenizer.h"

#include "deepwell/error.h"
#include "tokenizer/pre_tokenizer_patterns.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <span>

namespace dw::tok {

namespace {

enum class PreKind { Default, Gpt2, Llama3, Qwen2, DeepseekLlm, DeepseekV3 };

// tokenizer.ggml.pre values -> regex list (ENGINE_FACTS 5.4). Data, not code: a new alias
// is one row.
struct PreName {
    std::string_view name;
    PreKind kind;
};
constexpr PreName kPreNames[] = {
    {"", PreKind::Default},
    {"default", PreKind::Default},
    {"gpt-2", PreKind::Gpt2},
    {"olmo", PreKind::Gpt2},
    {"mpt", PreKind::Gpt2},
    {"phi-2", PreKind::Gpt2},
    {"jais", PreKind::Gpt2},
    {"trillion", PreKind::Gpt2},
    {"llama-bpe", PreKind::Llama3},
    {"llama3", PreKind::Llama3},
    {"llama-v3", PreKind::Llama3},
    {"falcon3", PreKind::Llama3},
    {"pixtral", PreKind::Llama3},
    {"qwen2", PreKind::Qwen2},
    {"deepseek-r1-qwen", PreKind::Qwen2},
    {"kormo", PreKind::Qwen2},
    {"f2llmv2", PreKind::Qwen2},
    {"megrez", PreKind::Qwen2},
    {"stablelm2", PreKind::Qwen2},
    {"hunyuan", PreKind::Qwen2},
    {"solar-open", PreKind::Qwen2},
    {"deepseek-llm", PreKind::DeepseekLlm},
    {"deepseek-v3", PreKind::DeepseekV3},
    {"hunyuan-dense", PreKind::DeepseekV3},
    {"joyai-llm", PreKind::DeepseekV3},
};

const PreName* lookup(std::string_view name) {
    for (const PreName& p : kPreNames)
        if (p.name == name) return &p;
    return nullptr;
}

std::span<const std::string_view> patternsOf(PreKind kind) {
    switch (kind) {
    case PreKind::Default:
        return patterns::kDefault;
    case PreKind::Gpt2:
        return {&patterns::kGpt2, 1};
    case PreKind::Llama3:
        return {&patterns::kLlama3, 1};
    case PreKind::Qwen2:
        return {&patterns::kQwen2, 1};
    case PreKind::DeepseekLlm:
        return patterns::kDeepseekLlm;
    case PreKind::DeepseekV3:
        return patterns::kDeepseekV3;
    }
    return {};
}

// PCRE2's UCP `\s` also matches U+180E (MONGOLIAN VOWEL SEPARATOR, no longer a space since
// Unicode 6.3); llama.cpp, HF and Python's `regex` use the White_Space property, which is
// exactly the set below. Rewrites `\s` and `\S` (inside and outside classes) to it.
constexpr std::string_view kWhiteSpace = R"re(\t-\r\p{Z}\x{85})re";

std::string withWhiteSpaceClass(std::string_view pattern) {
    std::string out;
    bool inClass = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char e = pattern[++i];
            DW_ASSERT_MSG(!(e == 'S' && inClass), "\\S inside a class is not rewritten");
            if (e == 's')
                out += inClass ? std::string(kWhiteSpace) : "[" + std::string(kWhiteSpace) + "]";
            else if (e == 'S')
                out += "[^" + std::string(kWhiteSpace) + "]";
            else
                out += {c, e};
            continue;
        }
        if (c == '[') inClass = true;
        if (c == ']') inClass = false;
        out.push_back(c);
    }
    return out;
}

std::string pcre2Message(int code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return reinterpret_cast<const char*>(buf);
}

} // namespace

struct PreTokenizer::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() { pcre2_code_free(code); }
};

struct PreTokenizer::Session::State {
    pcre2_match_data* matchData = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* jitStack = nullptr;
    ~State() {
        pcre2_match_data_free(matchData);
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(jitStack);
    }
};

bool PreTokenizer::isKnown(std::string_view name) {
    return lookup(name) != nullptr;
}

PreTokenizer::PreTokenizer(std::string_view name) {
    const PreName* entry = lookup(name);
    if (!entry) {
        std::string known;
        for (const PreName& p : kPreNames)
            if (!p.name.empty()) known += (known.empty() ? "" : ", ") + std::string(p.name);
        throw Error(ErrorCode::Unsupported, "pre-tokenizer '" + std::string(name) +
                                                "' (tokenizer.ggml.pre) is not supported; "
                                                "supported: " +
                                                known);
    }
    m_traits.ignoreMerges = entry->kind == PreKind::Llama3;
    m_traits.defaultAddBos = entry->kind == PreKind::Llama3;
    // DOLLAR_ENDONLY: `$` is the end of the fragment only (llama.cpp's std::regex meaning),
    // never "before a final newline".
    const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY;
    int index = 0;
    for (const std::string_view original : patternsOf(entry->kind)) {
        const std::string pattern = withWhiteSpaceClass(original);
        int err = 0;
        PCRE2_SIZE errOffset = 0;
        auto c = std::make_unique<Compiled>();
        c->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                options, &err, &errOffset, nullptr);
        if (!c->code)
            throw Error(ErrorCode::Internal, "pre-tokenizer '" + std::string(name) + "' regex " +
                                                 std::to_string(index) + " does not compile at " +
                                                 std::to_string(errOffset) + ": " +
                                                 pcre2Message(err));
        pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE); // no JIT: the interpreter still works
        m_regexes.push_back(std::move(c));
        ++index;
    }
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

size_t PreTokenizer::regexCount() const {
    return m_regexes.size();
}

PreTokenizer::Session::Session(const PreTokenizer& pre)
    : m_pre(pre), m_state(std::make_unique<State>()) {
    // One (start, end) pair is all we read; the patterns have no capturing groups.
    m_state->matchData = pcre2_match_data_create(1, nullptr);
    m_state->context = pcre2_match_context_create(nullptr);
    // Long whitespace runs make `\s+(?!\S)` backtrack deep; give the JIT room beyond the
    // 32 KiB it gets on the machine stack by default.
    m_state->jitStack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (!m_state->matchData || !m_state->context)
        throw Error(ErrorCode::OutOfMemory, "pre-tokenizer: cannot allocate PCRE2 match data");
    if (m_state->jitStack) pcre2_jit_stack_assign(m_state->context, nullptr, m_state->jitStack);
}

PreTokenizer::Session::~Session() = default;

void PreTokenizer::Session::split(std::string_view text, std::vector<std::string_view>& out) {
    const size_t first = out.size();
    if (text.empty()) return;
    out.push_back(text);
    for (size_t r = 0; r < m_pre.m_regexes.size(); ++r) {
        const pcre2_code* code = m_pre.m_regexes[r]->code;
        m_next.clear();
        for (size_t i = first; i < out.size(); ++i) {
            const std::string_view frag = out[i];
            const auto* subject = reinterpret_cast<PCRE2_SPTR>(frag.data());
            size_t gapStart = 0, offset = 0;
            while (offset < frag.size()) {
                const int rc = pcre2_match(code, subject, frag.size(), offset, PCRE2_NO_UTF_CHECK,
                                           m_state->matchData, m_state->context);
                if (rc == PCRE2_ERROR_NOMATCH) break;
                if (rc < 0)
                    throw Error(ErrorCode::Internal, "pre-tokenizer regex " + std::to_string(r) +
                                                         " failed on a " +
                                                         std::to_string(frag.size()) +
                                                         "-byte fragment: " + pcre2Message(rc));
                const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(m_state->matchData);
                const size_t begin = ov[0], end = ov[1];
                if (end == begin) { // cannot happen with these patterns; never loop forever
                    offset = begin + 1;
                    while (offset < frag.size() && (uint8_t(frag[offset]) & 0xC0) == 0x80) ++offset;
                    continue;
                }
                if (begin > gapStart) m_next.push_back(frag.substr(gapStart, begin - gapStart));
                m_next.push_back(frag.substr(begin, end - begin));
                gapStart = offset = end;
            }
            if (gapStart < frag.size()) m_next.push_back(frag.substr(gapStart));
        }
        out.resize(first);
        out.insert(out.end(), m_next.begin(), m_next.end());
    }
}

} // namespace dw::tok
