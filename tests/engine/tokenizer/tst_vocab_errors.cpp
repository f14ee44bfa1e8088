// Malformed vocabularies give dw::Error (Format/Unsupported) naming the field, never a crash;
// vocabFromGguf reads keys, types and defaults; EOG ids (ENGINE_FACTS 5.5).
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/tokenizer.h"
#include "tokenizer_test_util.h"

#include <QtTest>

#include <cmath>
#include <functional>

using namespace dw;

namespace {

VocabData smallSpm() {
    VocabData v;
    v.model = "llama";
    v.tokens = {"<unk>", "<s>", "</s>", "a", "b", "ab"};
    v.scores = {0, 0, 0, -1, -2, -0.5f};
    v.types = {TokenType::Unknown, TokenType::Control, TokenType::Control,
               TokenType::Normal,  TokenType::Normal,  TokenType::Normal};
    v.unk = 0;
    v.bos = 1;
    v.eos = 2;
    return v;
}

VocabData smallBpe() {
    VocabData v;
    v.model = "gpt2";
    v.pre = "qwen2";
    v.tokens = {"a", "b", "ab", "Ġ"};
    v.merges = {"a b"};
    return v;
}

// Runs make(), expects dw::Error with `code` whose message contains every one of `words`.
void expectError(const std::function<void()>& make, ErrorCode code,
                 std::initializer_list<const char*> words) {
    try {
        make();
    } catch (const Error& e) {
        QCOMPARE(errorCodeName(e.code()), errorCodeName(code));
        for (const char* w : words)
            QVERIFY2(std::string(e.what()).find(w) != std::string::npos,
                     qPrintable(QString("'%1' not in: %2").arg(w, e.what())));
        return;
    }
    QFAIL("no dw::Error thrown");
}

// A GGUF holding only tokenizer keys, parsed from memory.
struct MemGguf {
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;
    explicit MemGguf(const gguf::Writer& w) : bytes(w.toBytes()) {
        file = gguf::File::fromMemory(bytes.data(), bytes.size(), "vocab.gguf");
    }
};

gguf::Writer spmWriter() {
    gguf::Writer w;
    w.set("tokenizer.ggml.model", gguf::Value::string("llama"));
    w.set("tokenizer.ggml.tokens", gguf::Value::stringArray({"<unk>", "<s>", "</s>", "a", "b"}));
    w.set("tokenizer.ggml.scores",
          gguf::Value::floatArray(gguf::ValueType::F32, {0, 0, 0, -1, -2}));
    w.set("tokenizer.ggml.token_type",
          gguf::Value::intArray(gguf::ValueType::I32, {2, 3, 3, 1, 1}));
    return w;
}

} // namespace

class TestVocabErrors : public QObject {
    Q_OBJECT
private slots:
    void malformedVocabData() {
        expectError(
            [] {
                VocabData v = smallSpm();
                v.scores.pop_back();
                Tokenizer t(v);
            },
            ErrorCode::Format, {"scores", "5", "6"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.types.push_back(TokenType::Normal);
                Tokenizer t(v);
            },
            ErrorCode::Format, {"token_type", "7", "6"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.bos = 6;
                Tokenizer t(v);
            },
            ErrorCode::Format, {"bos", "6", "out of range"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.eos = -2;
                Tokenizer t(v);
            },
            ErrorCode::Format, {"eos", "-2"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.eot = 1000;
                Tokenizer t(v);
            },
            ErrorCode::Format, {"eot", "1000"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.types[3] = TokenType(9);
                Tokenizer t(v);
            },
            ErrorCode::Format, {"token 3", "9"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.types[4] = TokenType::Byte;
                Tokenizer t(v);
            },
            ErrorCode::Format, {"token 4", "BYTE", "<0xXX>"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.tokens.clear();
                v.scores.clear();
                v.types.clear();
                Tokenizer t(v);
            },
            ErrorCode::Format, {"empty"});
        expectError(
            [] {
                VocabData v = smallSpm();
                v.scores[5] = std::nanf("");
                Tokenizer t(v);
            },
            ErrorCode::Format, {"scores[5]", "NaN"});
        // Byte-level BPE: a BYTE token may also be written as its alphabet character.
        {
            VocabData v = smallBpe();
            v.types = {TokenType::Normal, TokenType::Normal, TokenType::Normal, TokenType::Byte};
            const Tokenizer t(v);
            QCOMPARE(t.tokenBytes(3), std::string(" "));
            v.types[2] = TokenType::Byte; // "ab" is no byte
            expectError([&] { Tokenizer u(v); }, ErrorCode::Format, {"token 2", "BYTE"});
        }
        expectError(
            [] {
                VocabData v = smallSpm();
                v.model = "bert";
                Tokenizer t(v);
            },
            ErrorCode::Unsupported, {"bert"});
    }

    void malformedMerges() {
        expectError(
            [] {
                VocabData v = smallBpe();
                v.merges = {"a b", "a x"};
                Tokenizer t(v);
            },
            ErrorCode::Format, {"merges[1]", "'x'", "not a token"});
        expectError(
            [] {
                VocabData v = smallBpe();
                v.merges = {"zz b"};
                Tokenizer t(v);
            },
            ErrorCode::Format, {"merges[0]", "'zz'"});
        expectError(
            [] {
                VocabData v = smallBpe();
                v.merges = {"b a"};
                Tokenizer t(v);
            },
            ErrorCode::Format, {"merged text 'ba'"});
        expectError(
            [] {
                VocabData v = smallBpe();
                v.merges = {"ab"};
                Tokenizer t(v);
            },
            ErrorCode::Format, {"merges[0]", "left right"});
        expectError(
            [] {
                VocabData v = smallBpe();
                v.merges = {""};
                Tokenizer t(v);
            },
            ErrorCode::Format, {"merges[0]"});
        // Fine: a well-formed one.
        const Tokenizer t(smallBpe());
        DW_COMPARE_IDS(t.encode("ab ab", false, false), (std::vector<int32_t>{2, 3, 2}));
    }

    void fromGguf() {
        gguf::Writer w = spmWriter();
        w.set("tokenizer.ggml.bos_token_id", gguf::Value::integer(gguf::ValueType::U32, 1));
        w.set("tokenizer.ggml.add_space_prefix", gguf::Value::boolean(false));
        w.set("tokenizer.ggml.padding_token_id", gguf::Value::integer(gguf::ValueType::U32, 5));
        const MemGguf g(w);
        const VocabData v = vocabFromGguf(*g.file);
        QCOMPARE(v.model, std::string("llama"));
        QCOMPARE(v.tokens.size(), size_t(5));
        QCOMPARE(v.scores[4], -2.0f);
        QCOMPARE(v.types[0], TokenType::Unknown);
        QCOMPARE(v.bos, 1);
        QCOMPARE(v.eos, 2);  // SPM default
        QCOMPARE(v.unk, 0);  // SPM default
        QCOMPARE(v.pad, -1); // 5 is outside the vocabulary: ignored (llama.cpp does too)
        QCOMPARE(v.addSpacePrefix, std::optional<bool>(false));
        QVERIFY(!v.addBos.has_value());
        const Tokenizer t(v);
        DW_COMPARE_IDS(t.encode("ab", true, false), (std::vector<int32_t>{1, 3, 4}));
    }

    void fromGgufErrors() {
        auto load = [](const gguf::Writer& w) {
            const MemGguf g(w);
            return Tokenizer(vocabFromGguf(*g.file));
        };
        {
            gguf::Writer w = spmWriter();
            w.set("tokenizer.ggml.model", gguf::Value::string("t5"));
            expectError([&] { load(w); }, ErrorCode::Unsupported, {"'t5'", "tokenizer.ggml.model"});
        }
        {
            gguf::Writer w;
            w.set("tokenizer.ggml.tokens", gguf::Value::stringArray({"a"}));
            expectError([&] { load(w); }, ErrorCode::Format, {"tokenizer.ggml.model"});
        }
        {
            gguf::Writer w = spmWriter();
            w.set("tokenizer.ggml.tokens", gguf::Value::intArray(gguf::ValueType::I32, {1, 2}));
            expectError([&] { load(w); }, ErrorCode::Format, {"tokenizer.ggml.tokens", "strings"});
        }
        {
            gguf::Writer w = spmWriter();
            w.set("tokenizer.ggml.scores", gguf::Value::floatArray(gguf::ValueType::F32, {0, 0}));
            expectError([&] { load(w); }, ErrorCode::Format, {"scores", "2", "5"});
        }
        {
            gguf::Writer w = spmWriter();
            w.set("tokenizer.ggml.token_type",
                  gguf::Value::intArray(gguf::ValueType::I32, {2, 3, 3, 1, 77}));
            expectError([&] { load(w); }, ErrorCode::Format, {"token_type[4]", "77"});
        }
        {
            gguf::Writer w = spmWriter();
            w.set("tokenizer.ggml.model", gguf::Value::string("gpt2"));
            w.set("tokenizer.ggml.pre", gguf::Value::string("qwen2"));
            expectError([&] { load(w); }, ErrorCode::Format, {"tokenizer.ggml.merges"});
            w.set("tokenizer.ggml.merges", gguf::Value::stringArray({"a q"}));
            expectError([&] { load(w); }, ErrorCode::Format, {"merges[0]", "'q'"});
            w.set("tokenizer.ggml.pre", gguf::Value::string("superbpe-9000"));
            expectError([&] { load(w); }, ErrorCode::Unsupported, {"superbpe-9000"});
        }
        {
            gguf::Writer w = spmWriter();
            w.set("tokenizer.ggml.bos_token_id", gguf::Value::string("1"));
            expectError([&] { load(w); }, ErrorCode::Format, {"tokenizer.ggml.bos_token_id"});
        }
    }

    void eog() {
        VocabData v = smallSpm();
        for (const char* t : {"<|im_end|>", "<end_of_turn>", "<|eot_id|>", "</s>x", "<|end|>"})
            v.tokens.push_back(t);
        v.scores.resize(v.tokens.size(), 0);
        v.types.resize(v.tokens.size(), TokenType::Control);
        v.eot = 8; // <|eot_id|> also by text
        {
            const Tokenizer t(v);
            // eos 2 (also "</s>" by text), 6, 7, 8 by text, 10 <|end|>.
            QCOMPARE(t.eogIds(), (std::vector<int32_t>{2, 6, 7, 8, 10}));
            QVERIFY(t.isEog(7));
            QVERIFY(!t.isEog(9));
            QVERIFY(!t.isEog(-1));
        }
        {
            // Harmony (gpt-oss): with <|return|> and <|call|> present, <|end|> does not stop.
            VocabData h = v;
            h.tokens.push_back("<|return|>");
            h.tokens.push_back("<|call|>");
            h.scores.resize(h.tokens.size(), 0);
            h.types.resize(h.tokens.size(), TokenType::Control);
            QCOMPARE(Tokenizer(h).eogIds(), (std::vector<int32_t>{2, 6, 7, 8, 11, 12}));
        }
        {
            // A user-defined token whose text is on the list (Gemma 3's HTML "</s>") is not an
            // end of generation.
            VocabData u = v;
            u.eos = 7;
            u.types[2] = TokenType::UserDefined;
            QCOMPARE(Tokenizer(u).eogIds(), (std::vector<int32_t>{6, 7, 8, 10}));
        }
    }
};

QTEST_APPLESS_MAIN(TestVocabErrors)
#include "tst_vocab_errors.moc"
