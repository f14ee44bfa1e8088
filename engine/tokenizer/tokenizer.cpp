#include "deepwell/tokenizer.h"

#include "deepwell/error.h"
#include "deepwell/thread_guard.h"
#include "tokenizer/bpe.h"
#include "tokenizer/eog.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_split.h"
#include "tokenizer/spm.h"
#include "tokenizer/utf8.h"
#include "tokenizer/vocab.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace dw {

namespace {

constexpr std::string_view kSpmSpace = "\xE2\x96\x81"; // U+2581, SentencePiece's space

void appendEscapedSpaces(std::string& out, std::string_view text) {
    for (const char c : text) {
        if (c == ' ')
            out += kSpmSpace;
        else
            out.push_back(c);
    }
}

void appendUnescapedSpaces(std::string& out, std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
        if (text.substr(pos, kSpmSpace.size()) == kSpmSpace) {
            out.push_back(' ');
            pos += kSpmSpace.size();
        } else {
            out.push_back(text[pos++]);
        }
    }
}

// GPT-2 alphabet text -> bytes; characters outside the alphabet are kept as they are.
void appendGpt2Decoded(std::string& out, std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
        const tok::Utf8Seq seq = tok::examineUtf8(text, pos);
        if (seq.status == tok::Utf8Status::Complete) {
            const int b = tok::gpt2CodePointToByte(tok::decodeUtf8(text, pos, seq.length));
            if (b >= 0) {
                out.push_back(static_cast<char>(b));
                pos += seq.length;
                continue;
            }
        }
        out.append(text.substr(pos, seq.length));
        pos += seq.length;
    }
}

} // namespace

struct Tokenizer::Impl {
    explicit Impl(VocabData data) : vocab(std::move(data)), special(vocab) {
        const VocabData& d = vocab.data();
        bool defaultAddBos = true;
        if (vocab.model() == tok::VocabModel::Spm) {
            spm.emplace(vocab);
        } else {
            pre.emplace(d.pre); // throws Unsupported for an unknown name
            bpe.emplace(vocab);
            ignoreMerges = pre->traits().ignoreMerges;
            defaultAddBos = pre->traits().defaultAddBos;
        }
        addBos = d.addBos.value_or(defaultAddBos);
        addEos = d.addEos.value_or(false);
        addSpacePrefix = vocab.model() == tok::VocabModel::Spm && d.addSpacePrefix.value_or(true);
        eog = tok::findEogIds(vocab);
    }

    void checkId(int32_t id) const {
        if (!vocab.contains(id))
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(id) +
                                                        " is out of range (vocabulary has " +
                                                        std::to_string(vocab.size()) + " tokens)");
    }

    void appendBytes(int32_t id, bool renderSpecial, std::string& out) const;

    tok::Vocab vocab;
    tok::SpecialSplitter special;
    std::optional<tok::SpmModel> spm;
    std::optional<tok::PreTokenizer> pre;
    std::optional<tok::BpeModel> bpe;
    bool addBos = false, addEos = false, addSpacePrefix = false, ignoreMerges = false;
    std::vector<int32_t> eog; // sorted
};

void Tokenizer::Impl::appendBytes(int32_t id, bool renderSpecial, std::string& out) const {
    checkId(id);
    const std::string& text = vocab.text(id);
    switch (vocab.type(id)) {
    case TokenType::Undefined:
    case TokenType::Normal:
        if (spm)
            appendUnescapedSpaces(out, text);
        else
            appendGpt2Decoded(out, text);
        return;
    case TokenType::Byte:
        out.push_back(static_cast<char>(vocab.byteValue(id)));
        return;
    case TokenType::UserDefined:
        out += text;
        return;
    case TokenType::Control:
    case TokenType::Unknown:
        if (renderSpecial) out += text;
        return;
    case TokenType::Unused:
        return;
    }
}

Tokenizer::Tokenizer(VocabData vocab) : m(std::make_unique<Impl>(std::move(vocab))) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial,
                                       bool parseSpecial) const {
    noteEngineWork("Tokenizer::encode");
    if (text.size() >= std::numeric_limits<uint32_t>::max())
        throw Error(ErrorCode::InvalidArgument, "text of " + std::to_string(text.size()) +
                                                    " bytes is too long to tokenize "
                                                    "in one call (limit 4 GiB); split it");
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (addSpecial && m->addBos && m->vocab.data().bos >= 0) out.push_back(m->vocab.data().bos);
    const std::vector<tok::Fragment> frags = m->special.split(text, parseSpecial);
    if (m->spm) {
        tok::SpmModel::Scratch scratch;
        std::string escaped;
        bool afterSpecial = true; // the start of the text counts as "after a special token"
        for (const tok::Fragment& f : frags) {
            if (f.token >= 0) {
                out.push_back(f.token);
                afterSpecial = true;
                continue;
            }
            escaped.clear();
            if (m->addSpacePrefix && afterSpecial) escaped += kSpmSpace;
            appendEscapedSpaces(escaped, text.substr(f.begin, f.end - f.begin));
            m->spm->encode(escaped, scratch, out);
            afterSpecial = false;
        }
    } else {
        tok::PreTokenizer::Session session(*m->pre);
        tok::BpeModel::Scratch scratch;
        std::vector<std::string_view> pieces;
        std::string sanitized;
        for (const tok::Fragment& f : frags) {
            if (f.token >= 0) {
                out.push_back(f.token);
                continue;
            }
            std::string_view raw = text.substr(f.begin, f.end - f.begin);
            if (!tok::isValidUtf8(raw)) { // the regexes need valid UTF-8; as llama.cpp does,
                sanitized = tok::sanitizeUtf8(raw); // invalid bytes become U+FFFD
                raw = sanitized;
            }
            pieces.clear();
            session.split(raw, pieces);
            for (const std::string_view piece : pieces)
                m->bpe->encode(piece, m->ignoreMerges, scratch, out);
        }
    }
    if (addSpecial && m->addEos && m->vocab.data().eos >= 0) out.push_back(m->vocab.data().eos);
    return out;
}

std::string Tokenizer::tokenBytes(int32_t id, bool renderSpecial) const {
    std::string out;
    m->appendBytes(id, renderSpecial, out);
    return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool renderSpecial) const {
    noteEngineWork("Tokenizer::decode");
    std::string out;
    // With add_space_prefix the encoder put a space before the text; the first piece that
    // has any text loses one leading space so that decode(encode(s)) == s.
    bool stripSpace = m->addSpacePrefix;
    for (const int32_t id : ids) {
        const size_t before = out.size();
        m->appendBytes(id, renderSpecial, out);
        if (stripSpace && out.size() > before) {
            if (out[before] == ' ') out.erase(before, 1);
            stripSpace = false;
        }
    }
    return out;
}

int32_t Tokenizer::nVocab() const {
    return m->vocab.size();
}

const std::string& Tokenizer::tokenText(int32_t id) const {
    m->checkId(id);
    return m->vocab.text(id);
}

TokenType Tokenizer::tokenType(int32_t id) const {
    m->checkId(id);
    return m->vocab.type(id);
}

int32_t Tokenizer::bos() const {
    return m->vocab.data().bos;
}
int32_t Tokenizer::eos() const {
    return m->vocab.data().eos;
}
bool Tokenizer::addBos() const {
    return m->addBos;
}
bool Tokenizer::addEos() const {
    return m->addEos;
}

bool Tokenizer::isEog(int32_t id) const {
    return std::binary_search(m->eog.begin(), m->eog.end(), id);
}

const std::vector<int32_t>& Tokenizer::eogIds() const {
    return m->eog;
}
int32_t Tokenizer::findToken(std::string_view text) const {
    return m->vocab.find(text);
}
const std::string& Tokenizer::model() const {
    return m->vocab.data().model;
}
const std::string& Tokenizer::pre() const {
    return m->vocab.data().pre;
}

} // namespace dw
