// Deliberately broken GGUF files: each gives its own dw::Error(Format) naming the field.
#include "raw_gguf.h"

#include <QtTest>

#include <random>

using namespace dw;
using namespace dw::gguf;
using dw::gguf::test::RawGguf;

namespace {

constexpr uint32_t kF32 = 0, kQ4K = 12, kF64 = 28;

// A valid file whose fields are all marked, for the "cut inside field X" rows. The first KV
// is long so that every cut from the second KV on passes the header's count check (the counts
// promise at least 3*14 + 2*32 = 106 bytes after the header).
RawGguf markedFile() {
    RawGguf f;
    f.header(2, 3);
    f.kvString("general.description", std::string(120, 'd'));
    f.mark("key len").u64(12).mark("key bytes").bytes("general.name");
    f.mark("value type").u32(8).mark("string len").u64(4).mark("string bytes").bytes("tiny");
    f.str("tok.ids").u32(9).mark("array type").u32(5).mark("array count").u64(3);
    f.mark("array elems").pod(int32_t{1}).pod(int32_t{-2}).pod(int32_t{3});
    f.mark("name len").u64(1).mark("name bytes").bytes("a").mark("n_dims").u32(2);
    f.mark("ne").u64(4).u64(2).mark("type").u32(kF32).mark("offset").u64(0);
    f.tensorInfo("b", {8}, kF32, 32);
    f.mark("padding").padTo(32).mark("data a").zeros(32).mark("data b").zeros(32);
    return f;
}

} // namespace

class TestGgufCorrupt : public QObject {
    Q_OBJECT
private slots:
    void brokenFile_data() {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QStringList>("expected");
        auto row = [](const char* name, const RawGguf& f, QStringList expected) {
            QTest::newRow(name) << test::toQByteArray(f.data()) << expected;
        };
        const std::vector<uint64_t> ne8{8};

        // Header.
        row("empty", RawGguf(), {"header: magic", "truncated"});
        row("bad magic", RawGguf().bytes("GGML").u32(3).u64(0).u64(0),
            {"header: magic", "not a GGUF file"});
        row("byte-swapped magic", RawGguf().bytes("FUGG").u32(3).u64(0).u64(0),
            {"magic", "big-endian"});
        row("version 0", RawGguf().header(0, 0, 0), {"header: version", "version 0"});
        row("version 1", RawGguf().header(0, 0, 1), {"header: version", "v1 is not supported"});
        row("version 4", RawGguf().header(0, 0, 4), {"header: version", "version 4", "newer"});
        row("big-endian v3", RawGguf().bytes("GGUF").u32(0x03000000).u64(0).u64(0),
            {"header: version", "0x03000000", "big-endian"});
        row("huge kv count", RawGguf().header(0, 1ull << 60).zeros(100),
            {"header: metadata_kv_count", "1152921504606846976 records cannot fit"});
        row("kv count beyond file", RawGguf().header(0, 2).kvU32("a", 1),
            {"header: metadata_kv_count", "2 records cannot fit"});
        row("huge tensor count", RawGguf().header(~0ull, 0).zeros(100),
            {"header: tensor_count", "cannot fit"});

        // Key-value records.
        row("key length past end", RawGguf().header(0, 1).u64(1844674407).zeros(20),
            {"metadata key #0: key", "string length 1844674407 runs past the end"});
        row("empty key", RawGguf().header(0, 1).str("").u32(4).u32(1).zeros(4),
            {"metadata key #0", "empty key"});
        row("key invalid UTF-8", RawGguf().header(0, 1).kvU32("ab\xff", 1),
            {"metadata key #0", "key is not valid UTF-8"});
        row("key overlong UTF-8", RawGguf().header(0, 1).kvU32("\xc0\xaf", 1),
            {"metadata key #0", "key is not valid UTF-8"});
        row("duplicate key", RawGguf().header(0, 2).kvU32("a.b", 1).kvU32("a.b", 2),
            {"metadata key #1 ('a.b')", "duplicate key", "#0"});
        row("unknown value type", RawGguf().header(0, 1).str("k").u32(13).u32(0).zeros(4),
            {"metadata key #0 ('k')", "value type 13 is not a GGUF value type"});
        row("bool 2", RawGguf().header(0, 1).str("k.b").u32(7).u8(2).zeros(4),
            {"metadata key #0 ('k.b')", "bool value 2 is not 0 or 1"});
        row("string value invalid UTF-8", RawGguf().header(0, 1).kvString("k.s", "ok\xfe"),
            {"metadata key #0 ('k.s')", "string value is not valid UTF-8"});
        row("string value surrogate", RawGguf().header(0, 1).kvString("k.s", "\xed\xa0\x80"),
            {"metadata key #0 ('k.s')", "string value is not valid UTF-8"});
        row("string value past end", RawGguf().header(0, 1).str("k.s").u32(8).u64(1000).zeros(10),
            {"metadata key #0 ('k.s')", "string length 1000 runs past the end"});
        row("array unknown element type", RawGguf().header(0, 1).str("k.a").u32(9).u32(99).u64(0),
            {"metadata key #0 ('k.a')", "array element type 99 is not a GGUF value type"});
        row("array count past end",
            RawGguf().header(0, 1).str("k.a").u32(9).u32(4).u64(1000).zeros(40),
            {"metadata key #0 ('k.a')", "array element count 1000 cannot fit", "UINT32"});
        row("array string invalid UTF-8",
            RawGguf().header(0, 1).str("k.a").u32(9).u32(8).u64(2).str("x").str("\x80"),
            {"metadata key #0 ('k.a'): array element [1]", "not valid UTF-8"});
        row("array bool 3",
            RawGguf().header(0, 1).str("k.a").u32(9).u32(7).u64(3).u8(1).u8(0).u8(3),
            {"array element [2]", "bool value 3"});
        RawGguf deep;
        deep.header(0, 1).str("k.deep").u32(9);
        for (int i = 0; i < 9; ++i) deep.u32(9).u64(1);
        deep.u32(4).u64(0);
        row("arrays nested 9 deep", deep, {"metadata key #0 ('k.deep')", "nested deeper than 8"});
        row("nested array bad string",
            RawGguf()
                .header(0, 1)
                .str("k.n")
                .u32(9)
                .u32(9)
                .u64(2)
                .u32(8)
                .u64(1)
                .str("ok")
                .u32(8)
                .u64(1)
                .str("\xff"),
            {"array element [1][0]", "not valid UTF-8"});
        row("alignment as UINT64", RawGguf().header(0, 1).str("general.alignment").u32(10).u64(64),
            {"'general.alignment'", "must be UINT32, found UINT64"});
        row("alignment 0", RawGguf().header(0, 1).kvU32("general.alignment", 0),
            {"general.alignment", "alignment 0 is not"});
        row("alignment 48", RawGguf().header(0, 1).kvU32("general.alignment", 48),
            {"general.alignment", "48 is not a non-zero power of two"});

        // Tensor-info records.
        auto one = [](std::string_view name, std::vector<uint64_t> ne, uint32_t type,
                      uint64_t offset = 0) {
            RawGguf f;
            f.header(1, 0).tensorInfo(name, ne, type, offset).padTo(32).zeros(4096);
            return f;
        };
        row("tensor name past end", RawGguf().header(1, 0).u64(500).zeros(40),
            {"tensor info #0: name", "string length 500 runs past the end"});
        row("tensor empty name", one("", ne8, kF32), {"tensor info #0", "empty tensor name"});
        row("tensor name 64 bytes", one(std::string(64, 'n'), ne8, kF32),
            {"tensor info #0", "64 bytes long; the limit is 63"});
        row("tensor name invalid UTF-8", one("w\xc3", ne8, kF32),
            {"tensor info #0", "name is not valid UTF-8"});
        row("duplicate tensor",
            RawGguf()
                .header(2, 0)
                .tensorInfo("w", ne8, kF32, 0)
                .tensorInfo("w", ne8, kF32, 32)
                .padTo(32)
                .zeros(64),
            {"tensor info #1 ('w')", "duplicate tensor name", "#0"});
        row("n_dims 0", one("w", {}, kF32), {"tensor info #0 ('w')", "n_dims 0 is outside 1..4"});
        row("n_dims 5", one("w", {1, 1, 1, 1, 1}, kF32),
            {"tensor info #0 ('w')", "n_dims 5 is outside 1..4"});
        row("zero dim", one("w", {8, 0}, kF32), {"tensor info #0 ('w')", "ne[1] is 0"});
        row("dim above INT64_MAX", one("w", {8, 1ull << 63}, kF32),
            {"('w')", "ne[1] = 9223372036854775808 exceeds INT64_MAX"});
        row("element count overflow", one("w", {1ull << 32, 1ull << 32}, kF32),
            {"('w')", "element count", "overflows int64"});
        row("byte size overflow", one("w", {1ull << 61, 2}, kF64),
            {"('w')", "byte size of F64", "overflows"});
        row("removed tensor type 4", one("w", ne8, 4),
            {"tensor info #0 ('w')", "type id 4 is not a known GGML tensor type"});
        row("tensor type 1000", one("w", ne8, 1000), {"('w')", "type id 1000"});
        row("ne[0] not whole blocks", one("w", {100, 2}, kQ4K),
            {"('w')", "ne[0] = 100 is not a multiple of the block size 256 of Q4_K"});

        // Tensor data.
        row("misaligned offset", one("w", ne8, kF32, 16),
            {"tensor 'w'", "data offset 16 is not a multiple of the alignment 32"});
        row("misaligned custom alignment",
            RawGguf()
                .header(1, 1)
                .kvU32("general.alignment", 64)
                .tensorInfo("w", ne8, kF32, 32)
                .padTo(64)
                .zeros(128),
            {"tensor 'w'", "data offset 32 is not a multiple of the alignment 64"});
        row("data past end",
            RawGguf().header(1, 0).tensorInfo("w", {8}, kF32, 0).padTo(32).zeros(31),
            {"tensor 'w'", "32 bytes] runs past the end of the file"});
        row("data offset wraps",
            RawGguf().header(1, 0).tensorInfo("w", {8}, kF32, ~uint64_t{31}).padTo(32).zeros(32),
            {"tensor 'w'", "runs past the end of the file"});
        row("overlapping tensors",
            RawGguf()
                .header(2, 0)
                .tensorInfo("a", {16}, kF32, 0)
                .tensorInfo("b", {8}, kF32, 32)
                .padTo(32)
                .zeros(64),
            {"tensor 'b'", "overlaps tensor 'a'"});
        row("same offset",
            RawGguf()
                .header(2, 0)
                .tensorInfo("a", ne8, kF32, 0)
                .tensorInfo("b", ne8, kF32, 0)
                .padTo(32)
                .zeros(32),
            {"tensor 'b'", "overlaps tensor 'a'"});

        // Cut inside each field of an otherwise valid file.
        const RawGguf f = markedFile();
        auto cut = [&](const char* name, size_t n, QStringList expected) {
            QTest::newRow(name) << test::toQByteArray(f.prefix(n)) << expected;
        };
        cut("cut in magic", 2, {"header: magic", "truncated"});
        cut("cut in version", 6, {"header: version", "truncated"});
        cut("cut in tensor_count", 12, {"header: tensor_count", "truncated"});
        cut("cut in kv_count", 20, {"header: metadata_kv_count", "truncated"});
        cut("cut in key length", f.at("key len") + 3,
            {"metadata key #1: key: string length", "truncated"});
        cut("cut in key bytes", f.at("key bytes") + 3,
            {"metadata key #1: key", "string length 12 runs past"});
        cut("cut in value type", f.at("value type") + 1,
            {"metadata key #1 ('general.name'): value type", "truncated"});
        cut("cut in string length", f.at("string len") + 5,
            {"('general.name'): string length", "truncated"});
        cut("cut in string bytes", f.at("string bytes") + 2,
            {"('general.name')", "string length 4 runs past"});
        cut("cut in array type", f.at("array type") + 2,
            {"('tok.ids')", "array element type", "truncated"});
        cut("cut in array count", f.at("array count") + 7,
            {"('tok.ids')", "array element count", "truncated"});
        cut("cut in array elements", f.at("array elems") + 9, {"('tok.ids')", "cannot fit"});
        cut("cut in tensor name length", f.at("name len") + 1,
            {"tensor info #0: name: string length", "truncated"});
        cut("cut in tensor name", f.at("name bytes"),
            {"tensor info #0: name", "string length 1 runs past"});
        cut("cut in n_dims", f.at("n_dims") + 3, {"tensor info #0 ('a'): n_dims", "truncated"});
        cut("cut in ne", f.at("ne") + 12, {"tensor info #0 ('a'): ne[1]", "truncated"});
        cut("cut in type", f.at("type") + 1, {"tensor info #0 ('a'): type", "truncated"});
        cut("cut in offset", f.at("offset") + 4, {"tensor info #0 ('a'): offset", "truncated"});
        cut("cut in padding", f.at("padding") + 1, {"tensor 'a'", "runs past the end"});
        cut("cut in first data", f.at("data a") + 31, {"tensor 'a'", "runs past the end"});
        cut("cut in last data", f.at("data b") + 31, {"tensor 'b'", "runs past the end"});
    }

    void brokenFile() {
        QFETCH(QByteArray, file);
        QFETCH(QStringList, expected);
        const auto r = test::formatError(test::fromQByteArray(file));
        QVERIFY2(!r.message.isEmpty(), "the broken file parsed without an error");
        QCOMPARE(r.code, ErrorCode::Format);
        QVERIFY2(r.message.startsWith("test.gguf: "), qPrintable(r.message));
        for (const QString& e : expected)
            QVERIFY2(r.message.contains(e), qPrintable("missing '" + e + "' in: " + r.message));
    }

    void acceptsVersion2() { // v2 has the same layout as v3
        RawGguf f;
        f.header(1, 1, 2).kvU32("general.alignment", 16).tensorInfo("w", {4}, kF32, 16);
        f.padTo(16).zeros(32);
        const auto r = test::formatError(f.data());
        QVERIFY2(r.message.isEmpty(), qPrintable(r.message));
        auto file = File::fromMemory(f.data().data(), f.size());
        QCOMPARE(file->version(), 2u);
        QCOMPARE(file->alignment(), 16u);
        QCOMPARE(file->tensors()[0].data, file->base() + file->dataOffset() + 16);
    }

    void markedFileIsValid() {
        const RawGguf f = markedFile();
        const auto r = test::formatError(f.data());
        QVERIFY2(r.message.isEmpty(), qPrintable(r.message));
        auto file = File::fromMemory(f.data().data(), f.size());
        QCOMPARE(file->tensors().size(), size_t(2));
        QCOMPARE(file->getString("general.name").value(), std::string("tiny"));
        QCOMPARE(file->find("tok.ids")->toIntArray().value(), (std::vector<int64_t>{1, -2, 3}));
    }

    // Every prefix shorter than a valid file is an error, never a crash or a success.
    void everyTruncationFails() {
        Writer w(64);
        w.set("general.name", Value::string("truncate me ✓"));
        w.set("a.nested", Value::nestedArray({Value::intArray(ValueType::I16, {1, -1}),
                                              Value::stringArray({"x", ""})}));
        w.set("a.floats", Value::floatArray(ValueType::F64, {0.5, -2}));
        w.set("a.flag", Value::boolean(true));
        std::vector<uint8_t> block(144, 0x5a);
        w.addTensor("q", DType::Q4_K, {256}, block.data(), block.size());
        w.addTensor("f", DType::F16, {3}, block.data(), 6);
        const std::vector<uint8_t> bytes = w.toBytes();
        QVERIFY(test::formatError(bytes).message.isEmpty());
        for (size_t n = 0; n < bytes.size(); ++n) {
            const auto r =
                test::formatError(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(n)));
            QVERIFY2(!r.message.isEmpty(), qPrintable(QString("prefix of %1 bytes parsed").arg(n)));
            QCOMPARE(r.code, ErrorCode::Format);
        }
    }

    // Random byte changes to a valid file either parse or throw dw::Error: never anything else.
    void randomCorruptionsThrowOnlyError() {
        Writer w;
        w.set("k.s", Value::stringArray({"alpha", "beta", "词"}));
        w.set("k.u", Value::integer(ValueType::U32, 7));
        std::vector<uint8_t> data(64, 1);
        w.addTensor("t", DType::F32, {4, 4}, data.data(), data.size());
        const std::vector<uint8_t> good = w.toBytes();
        std::mt19937 rng(1234);
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 3000; ++i) {
            std::vector<uint8_t> bytes = good;
            const int changes = 1 + int(rng() % 4);
            for (int c = 0; c < changes; ++c) bytes[rng() % bytes.size()] = uint8_t(rng());
            try {
                auto f = File::fromMemory(bytes.data(), bytes.size());
                for (const auto& [k, v] : f->metadata()) (void)v.describe();
                ++parsed;
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::Format);
                ++rejected;
            }
        }
        QVERIFY(rejected > 0);
        QVERIFY(parsed > 0); // changes inside tensor data or string bytes keep a valid file
    }
};

QTEST_APPLESS_MAIN(TestGgufCorrupt)
#include "tst_gguf_corrupt.moc"
