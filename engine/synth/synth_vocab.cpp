// Tokenizers of synthetic models (ENGINE_FACTS 3.3, 5.2, 5.3, 5.5). Layouts, by id:
//
// SPM ("llama" model; llama (also with experts) and gemma3 archs), every piece reachable by
// the score-driven merges of 5.2 because every prefix of a word piece is itself a piece:
//   llama : 0 <unk> UNKNOWN, 1 <s> CONTROL (bos), 2 </s> CONTROL (eos),
//           3 <|start_header_id|>, 4 <|end_header_id|>, 5 <|eot_id|> CONTROL (eot)
//   gemma3: 0 <pad> CONTROL, 1 <eos> CONTROL, 2 <bos> CONTROL, 3 <unk> UNKNOWN,
//           4 <start_of_turn>, 5 <end_of_turn> CONTROL
//   then 256 byte tokens <0x00>..<0xFF> (BYTE, score 0), then NORMAL pieces: "▁", the 94
//   printable ASCII characters, then for common words the chain "▁w", "▁wo", "▁wor",
//   "▁word" (capitalised words also bare: "He", "Hel", ...), then for a few suffixes "in",
//   "ing". NORMAL scores are -(index among the normal pieces), so earlier pieces merge
//   first. Unfilled ids: "<unusedN>" UNUSED. add_bos true; add_space_prefix true (llama) /
//   false (gemma3, as in real Gemma files).
//
// Byte-level BPE ("gpt2" model; every other arch): optional leading specials, then the 256
// GPT-2 byte symbols in GPT-2 order (the 188 bytes that map to themselves, then U+0100.. for
// the other 68), then one token per merge in rank order ("Ġ Ġ", "Ċ Ċ", then chains "Ġ t",
// "Ġt h", "Ġth e" for common words, bare chains for capitalised words and suffixes), then the
// trailing specials, then "[PADN]" UNUSED fillers. Flavours (pre, specials, add_bos, template):
//   qwen2/qwen3/qwen2moe/qwen3moe: "qwen2"; trailing <|endoftext|> (bos, pad), <|im_start|>,
//     <|im_end|> (eos) CONTROL, for qwen3/qwen3moe <think>, </think> USER_DEFINED; no BOS
//     added; ChatML.
//   deepseek/deepseek2: "deepseek-llm"; trailing <｜begin▁of▁sentence｜> (bos),
//     <｜end▁of▁sentence｜> (eos) CONTROL, as V2's ids 100000/100001 follow its merges; BOS
//     added; the official DeepSeek-V2 chat template.
//   deepseek2 with deepseekV3Tokenizer: "deepseek-v3"; leading 0 <｜begin▁of▁sentence｜> (bos),
//     1 <｜end▁of▁sentence｜> (eos), 2 <｜▁pad▁｜> (pad) CONTROL as in V3; trailing <｜User｜>,
//     <｜Assistant｜>, <think>, </think> USER_DEFINED; BOS added; the official V3 template.
//   olmoe: "olmo"; trailing <|endoftext|> (bos, eos), <|padding|> (pad) CONTROL; no BOS
//     added; a Tulu-style template (<|user|> ... lines; not an official text).
#include "deepwell/error.h"
#include "synth/synth_internal.h"

#include <cstdio>
#include <string>
#include <unordered_map>

namespace dw::synth {
namespace {

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6;

const char* const kSpace = "\xe2\x96\x81"; // U+2581 "▁"

// Common English words, most frequent first (words the tests use come early, so they fit the
// default 512-token vocabulary).
const char* const kWords[] = {
    "the",      "of",      "and",       "to",     "a",      "in",      "is",      "it",
    "you",      "that",    "he",        "was",    "for",    "on",      "are",     "with",
    "as",       "I",       "his",       "they",   "be",     "at",      "one",     "have",
    "this",     "from",    "Hello",     "world",  "model",  "The",     "It",      "We",
    "said",     "or",      "had",       "by",     "hot",    "word",    "but",     "what",
    "some",     "we",      "can",       "out",    "other",  "were",    "all",     "there",
    "when",     "up",      "use",       "your",   "how",    "an",      "each",    "she",
    "which",    "do",      "their",     "time",   "if",     "will",    "way",     "about",
    "many",     "then",    "them",      "write",  "would",  "like",    "so",      "these",
    "her",      "long",    "make",      "thing",  "see",    "him",     "two",     "has",
    "look",     "more",    "day",       "could",  "go",     "come",    "did",     "number",
    "sound",    "no",      "most",      "people", "my",     "over",    "know",    "water",
    "than",     "call",    "first",     "who",    "may",    "down",    "side",    "been",
    "now",      "find",    "This",      "In",     "You",    "He",      "She",     "They",
    "What",     "How",     "any",       "new",    "work",   "part",    "take",    "get",
    "place",    "made",    "live",      "where",  "after",  "back",    "little",  "only",
    "round",    "man",     "year",      "came",   "show",   "every",   "good",    "me",
    "give",     "our",     "under",     "name",   "very",   "through", "just",    "form",
    "sentence", "great",   "think",     "say",    "help",   "low",     "line",    "differ",
    "turn",     "cause",   "much",      "mean",   "before", "move",    "right",   "boy",
    "old",      "too",     "same",      "tell",   "does",   "set",     "three",   "want",
    "air",      "well",    "also",      "play",   "small",  "end",     "put",     "home",
    "read",     "hand",    "port",      "large",  "spell",  "add",     "even",    "land",
    "here",     "must",    "big",       "high",   "such",   "follow",  "act",     "why",
    "ask",      "men",     "change",    "went",   "light",  "kind",    "off",     "need",
    "house",    "picture", "try",       "us",     "again",  "animal",  "point",   "mother",
    "near",     "build",   "self",      "earth",  "father", "head",    "stand",   "own",
    "page",     "should",  "country",   "found",  "answer", "school",  "grow",    "study",
    "still",    "learn",   "plant",     "cover",  "food",   "sun",     "four",    "between",
    "state",    "keep",    "eye",       "never",  "last",   "let",     "thought", "city",
    "tree",     "cross",   "farm",      "hard",   "start",  "might",   "story",   "saw",
    "far",      "sea",     "draw",      "left",   "late",   "run",     "while",   "press",
    "close",    "night",   "real",      "life",   "few",    "north",   "token",   "text",
    "question", "user",    "assistant", "system", "data",   "code",
};
const char* const kSuffixes[] = {"ing", "ed", "er", "es", "ly", "tion", "s", "ment", "est"};

class Builder {
public:
    explicit Builder(int64_t limit) : m_limit(limit) {}
    bool has(const std::string& t) const { return m_index.count(t) != 0; }
    int32_t add(const std::string& text, int32_t type, float score = 0.0f) {
        const auto id = static_cast<int32_t>(m_v.tokens.size());
        m_index.emplace(text, id);
        m_v.tokens.push_back(text);
        m_v.types.push_back(type);
        m_v.scores.push_back(score);
        return id;
    }
    int64_t size() const { return static_cast<int64_t>(m_v.tokens.size()); }
    int64_t room() const { return m_limit - size(); }
    SynthVocab& vocab() { return m_v; }

private:
    int64_t m_limit;
    SynthVocab m_v;
    std::unordered_map<std::string, int32_t> m_index;
};

std::string byteToken(int b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    return buf;
}

// UTF-8 of a code point below U+0800 (all the GPT-2 byte symbols are).
std::string utf8(uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else {
        s += static_cast<char>(0xc0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
}

// GPT-2 byte -> symbol table (ENGINE_FACTS 5.3), in GPT-2 vocabulary order.
std::vector<std::pair<int, std::string>> gpt2ByteSymbols() {
    std::vector<std::pair<int, std::string>> out;
    auto selfMapped = [](int b) {
        return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    };
    for (int b = 0; b < 256; ++b) {
        if (selfMapped(b)) out.emplace_back(b, utf8(static_cast<uint32_t>(b)));
    }
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
        if (!selfMapped(b)) out.emplace_back(b, utf8(next++));
    }
    return out;
}

const char* const kChatMl =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}";

const char* const kGemmaTurns =
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set first_user_prefix = "
    "messages[0]['content'] + '\\n\\n' %}{% set loop_messages = messages[1:] %}{% else %}"
    "{% set first_user_prefix = '' %}{% set loop_messages = messages %}{% endif %}"
    "{% for message in loop_messages %}{% if (message['role'] == 'user') != "
    "(loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'assistant' %}"
    "{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') + "
    "message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";

const char* const kLlama3Style =
    "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{% endif %}";

SynthVocab spmVocab(const SynthSpec& spec) {
    Builder b(spec.nVocab);
    SynthVocab& v = b.vocab();
    v.model = "llama";
    v.addBos = true;
    if (spec.arch == Arch::Gemma3) {
        v.pad = b.add("<pad>", kControl);
        v.eos = b.add("<eos>", kControl);
        v.bos = b.add("<bos>", kControl);
        v.unk = b.add("<unk>", kUnknown);
        b.add("<start_of_turn>", kControl);
        b.add("<end_of_turn>", kControl);
        v.addSpacePrefix = false;
        v.chatTemplate = kGemmaTurns;
    } else {
        v.unk = b.add("<unk>", kUnknown);
        v.bos = b.add("<s>", kControl);
        v.eos = b.add("</s>", kControl);
        b.add("<|start_header_id|>", kControl);
        b.add("<|end_header_id|>", kControl);
        v.eot = b.add("<|eot_id|>", kControl);
        v.addSpacePrefix = true;
        v.chatTemplate = kLlama3Style;
    }
    for (int c = 0; c < 256; ++c) b.add(byteToken(c), kByte);
    float score = 0.0f;
    b.add(kSpace, kNormal, score--);
    for (int c = 0x21; c <= 0x7e; ++c)
        b.add(std::string(1, static_cast<char>(c)), kNormal, score--);
    // A chain is added whole or not at all, so every piece present is reachable by merges.
    auto addChain = [&](const std::string& word) {
        std::vector<std::string> missing; // prefixes of two or more UTF-8 characters
        int chars = 0;
        for (size_t len = 1; len <= word.size(); ++len) {
            const bool charEnd =
                len == word.size() || (static_cast<unsigned char>(word[len]) & 0xc0) != 0x80;
            if (!charEnd || ++chars < 2) continue;
            const std::string piece = word.substr(0, len);
            if (!b.has(piece)) missing.push_back(piece);
        }
        if (static_cast<int64_t>(missing.size()) > b.room()) return false;
        for (const auto& p : missing) b.add(p, kNormal, score--);
        return true;
    };
    bool full = false;
    for (const char* w : kWords) {
        full = !addChain(kSpace + std::string(w));
        // Bare forms for capitalised words, which start texts (no space prefix in Gemma).
        if (!full && w[0] >= 'A' && w[0] <= 'Z') full = !addChain(w);
        if (full) break;
    }
    for (const char* s : kSuffixes) {
        if (full || !addChain(s)) break;
    }
    for (int64_t i = 0; b.room() > 0; ++i) b.add("<unused" + std::to_string(i) + ">", kUnused);
    return v;
}

// Special tokens of a byte-level BPE flavour; role 'b' bos, 'e' eos, 'p' pad, 'B' bos + eos,
// 'P' bos + pad, 0 none.
struct Special {
    const char* text;
    int32_t type;
    char role;
};

struct BpeFlavour {
    const char* pre;
    std::vector<Special> leading;  // before the byte symbols
    std::vector<Special> trailing; // after the merges
    bool addBos;
    const char* chatTemplate;
};

const char* const kBos = "<\xef\xbd\x9c"
                         "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>";
const char* const kEos = "<\xef\xbd\x9c"
                         "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>";

const char* const kTulu =
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{ '<|system|>\\n' + message['content'] + '\\n' }}{% elif message['role'] == 'user' %}"
    "{{ '<|user|>\\n' + message['content'] + '\\n' }}{% else %}{{ '<|assistant|>\\n' + "
    "message['content'] + eos_token + '\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

BpeFlavour bpeFlavour(const SynthSpec& spec) {
    switch (spec.arch) {
    case Arch::DeepSeek:
    case Arch::DeepSeek2:
        if (spec.deepseekV3Tokenizer) {
            return {"deepseek-v3",
                    {{kBos, kControl, 'b'},
                     {kEos, kControl, 'e'},
                     {"<\xef\xbd\x9c\xe2\x96\x81pad\xe2\x96\x81\xef\xbd\x9c>", kControl, 'p'}},
                    {{"<\xef\xbd\x9cUser\xef\xbd\x9c>", kUserDefined, 0},
                     {"<\xef\xbd\x9c"
                      "Assistant\xef\xbd\x9c>",
                      kUserDefined, 0},
                     {"<think>", kUserDefined, 0},
                     {"</think>", kUserDefined, 0}},
                    true,
                    detail::kDeepSeekV3Template};
        }
        return {"deepseek-llm",
                {},
                {{kBos, kControl, 'b'}, {kEos, kControl, 'e'}},
                true,
                detail::kDeepSeekV2Template};
    case Arch::Olmoe:
        return {"olmo",
                {},
                {{"<|endoftext|>", kControl, 'B'}, {"<|padding|>", kControl, 'p'}},
                false,
                kTulu};
    default: {
        BpeFlavour f{"qwen2",
                     {},
                     {{"<|endoftext|>", kControl, 'P'},
                      {"<|im_start|>", kControl, 0},
                      {"<|im_end|>", kControl, 'e'}},
                     false,
                     kChatMl};
        if (spec.arch == Arch::Qwen3 || spec.arch == Arch::Qwen3Moe) {
            f.trailing.push_back({"<think>", kUserDefined, 0});
            f.trailing.push_back({"</think>", kUserDefined, 0});
        }
        return f;
    }
    }
}

void addSpecial(Builder& b, const Special& sp) {
    const int32_t id = b.add(sp.text, sp.type);
    SynthVocab& v = b.vocab();
    if (sp.role == 'b' || sp.role == 'B' || sp.role == 'P') v.bos = id;
    if (sp.role == 'e' || sp.role == 'B') v.eos = id;
    if (sp.role == 'p' || sp.role == 'P') v.pad = id;
}

SynthVocab bpeVocab(const SynthSpec& spec) {
    const BpeFlavour f = bpeFlavour(spec);
    Builder b(spec.nVocab - static_cast<int64_t>(f.trailing.size()));
    SynthVocab& v = b.vocab();
    v.model = "gpt2";
    v.pre = f.pre;
    v.addBos = f.addBos;
    v.chatTemplate = f.chatTemplate;
    for (const Special& sp : f.leading) addSpecial(b, sp);
    std::string symbol[256];
    for (const auto& [byte, sym] : gpt2ByteSymbols()) {
        symbol[byte] = sym;
        b.add(sym, kNormal);
    }
    // Merge chains: each merge joins the previous result with the next byte symbol.
    auto addChain = [&](const std::string& bytes) {
        std::vector<std::pair<std::string, std::string>> missing;
        std::string acc = symbol[static_cast<unsigned char>(bytes[0])];
        for (size_t i = 1; i < bytes.size(); ++i) {
            const std::string& right = symbol[static_cast<unsigned char>(bytes[i])];
            if (!b.has(acc + right)) missing.emplace_back(acc, right);
            acc += right;
        }
        if (static_cast<int64_t>(missing.size()) > b.room()) return false;
        for (const auto& [l, r] : missing) {
            v.merges.push_back(l + " " + r);
            b.add(l + r, kNormal);
        }
        return true;
    };
    bool ok = addChain("  ") && addChain("\n\n");
    for (const char* w : kWords) {
        if (!ok) break;
        std::string spaced(1, ' '); // (not " " + w: g++ 12 -Wrestrict false positive at -O3)
        spaced.append(w);
        ok = addChain(spaced);
        // Bare (no leading space) forms only for capitalised words, which start texts.
        if (ok && w[0] >= 'A' && w[0] <= 'Z') ok = addChain(w);
    }
    for (const char* s : kSuffixes) {
        if (!ok) break;
        ok = addChain(s);
    }
    for (const Special& sp : f.trailing) addSpecial(b, sp);
    while (b.size() < spec.nVocab) b.add("[PAD" + std::to_string(b.size()) + "]", kUnused);
    v.scores.clear(); // BPE vocabularies carry no scores
    return v;
}

bool isSpm(Arch a) {
    return a == Arch::Llama || a == Arch::Gemma3;
}

} // namespace

int64_t synthMinVocab(const SynthSpec& spec) {
    if (isSpm(spec.arch)) return 6 + 256 + 95;
    const BpeFlavour f = bpeFlavour(spec);
    return 256 + static_cast<int64_t>(f.leading.size() + f.trailing.size());
}

SynthVocab synthVocab(const SynthSpec& spec) {
    const int64_t lo = synthMinVocab(spec);
    if (spec.nVocab < lo || spec.nVocab > (int64_t(1) << 20)) {
        throw Error(ErrorCode::InvalidArgument, "synth: nVocab = " + std::to_string(spec.nVocab) +
                                                    " is outside " + std::to_string(lo) +
                                                    "..1048576 for " + archName(spec.arch));
    }
    return isSpm(spec.arch) ? spmVocab(spec) : bpeVocab(spec);
}

} // namespace dw::synth
