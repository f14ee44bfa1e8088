// Writer -> reader round trips: every value type, arrays, nested arrays, UTF-8 text, tensors
// of several types and shapes, custom alignments, streamed (Fill) tensors.
#include "raw_gguf.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

using namespace dw;
using namespace dw::gguf;

Q_DECLARE_METATYPE(dw::gguf::Value)

namespace {

std::unique_ptr<File> reparse(const std::vector<uint8_t>& bytes) {
    return File::fromMemory(bytes.data(), bytes.size(), "roundtrip.gguf");
}

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
}

Value deepArray(int levels) { // `levels` arrays inside each other, the innermost of U32
    Value v = Value::intArray(ValueType::U32, {7});
    for (int i = 1; i < levels; ++i) v = Value::nestedArray({v});
    return v;
}

} // namespace

class TestGgufRoundTrip : public QObject {
    Q_OBJECT
private slots:
    void value_data() {
        QTest::addColumn<Value>("value");
        const double inf = std::numeric_limits<double>::infinity();
        QTest::newRow("u8") << Value::integer(ValueType::U8, 255);
        QTest::newRow("i8") << Value::integer(ValueType::I8, -128);
        QTest::newRow("u16") << Value::integer(ValueType::U16, 65535);
        QTest::newRow("i16") << Value::integer(ValueType::I16, -32768);
        QTest::newRow("u32") << Value::integer(ValueType::U32, 4294967295LL);
        QTest::newRow("i32") << Value::integer(ValueType::I32, INT32_MIN);
        QTest::newRow("f32") << Value::floating(ValueType::F32, 3.25);
        QTest::newRow("f32 -0") << Value::floating(ValueType::F32, -0.0);
        QTest::newRow("f32 inf") << Value::floating(ValueType::F32, -inf);
        QTest::newRow("f32 nan") << Value::floating(ValueType::F32, std::nan(""));
        QTest::newRow("bool true") << Value::boolean(true);
        QTest::newRow("bool false") << Value::boolean(false);
        QTest::newRow("string") << Value::string("hello, world");
        QTest::newRow("empty string") << Value::string("");
        QTest::newRow("chinese") << Value::string("你好，世界");
        QTest::newRow("emoji") << Value::string("llama 🦙 and 👩‍💻");
        QTest::newRow("nul inside") << Value::string(std::string("a\0b", 3));
        QTest::newRow("u64 max") << Value::u64(UINT64_MAX);
        QTest::newRow("i64 min") << Value::integer(ValueType::I64, INT64_MIN);
        QTest::newRow("f64") << Value::floating(ValueType::F64, std::numbers::pi);
        QTest::newRow("f64 tiny") << Value::floating(ValueType::F64, 4.9e-324);
        QTest::newRow("u8[]") << Value::intArray(ValueType::U8, {0, 1, 255});
        QTest::newRow("i8[]") << Value::intArray(ValueType::I8, {-128, 127});
        QTest::newRow("u16[]") << Value::intArray(ValueType::U16, {65535, 0});
        QTest::newRow("i16[]") << Value::intArray(ValueType::I16, {-32768, 32767});
        QTest::newRow("u32[]") << Value::intArray(ValueType::U32, {4294967295LL, 3});
        QTest::newRow("i32[]") << Value::intArray(ValueType::I32, {INT32_MIN, INT32_MAX, 0});
        QTest::newRow("u64[] with bits above INT64_MAX")
            << Value::intArray(ValueType::U64, {-1, 5});
        QTest::newRow("i64[]") << Value::intArray(ValueType::I64, {INT64_MIN, INT64_MAX});
        QTest::newRow("f32[]") << Value::floatArray(ValueType::F32,
                                                    {1.5, -0.0, 1e30, std::nan("")});
        QTest::newRow("f64[]") << Value::floatArray(ValueType::F64,
                                                    {std::numbers::pi, -inf, 1e-300});
        QTest::newRow("bool[]") << Value::boolArray({true, false, true});
        QTest::newRow("string[]") << Value::stringArray({"", "中文", "🦙", "plain"});
        for (ValueType t : {ValueType::U8, ValueType::I8, ValueType::U16, ValueType::I16,
                            ValueType::U32, ValueType::I32, ValueType::U64, ValueType::I64})
            QTest::newRow(qPrintable(QString("empty %1[]").arg(valueTypeName(t))))
                << Value::intArray(t, {});
        QTest::newRow("empty f32[]") << Value::floatArray(ValueType::F32, {});
        QTest::newRow("empty f64[]") << Value::floatArray(ValueType::F64, {});
        QTest::newRow("empty bool[]") << Value::boolArray({});
        QTest::newRow("empty string[]") << Value::stringArray({});
        QTest::newRow("empty array[]") << Value::nestedArray({});
        QTest::newRow("nested mixed")
            << Value::nestedArray({Value::intArray(ValueType::I32, {1, 2}),
                                   Value::stringArray({"x"}), Value::floatArray(ValueType::F64, {}),
                                   Value::nestedArray({Value::boolArray({true})})});
        QTest::newRow("nested 8 levels") << deepArray(8);
    }

    void value() {
        QFETCH(Value, value);
        Writer w;
        w.set("before", Value::integer(ValueType::U8, 1));
        w.set("test.value", value);
        w.set("after", Value::string("end"));
        auto f = reparse(w.toBytes());
        QCOMPARE(f->metadata().size(), size_t(3));
        QCOMPARE(f->metadata()[1].first, std::string("test.value"));
        const Value* got = f->find("test.value");
        QVERIFY(got);
        QCOMPARE(got->type(), value.type());
        QCOMPARE(got->size(), value.size());
        QVERIFY2(*got == value, (got->describe() + " != " + value.describe()).c_str());
        QCOMPARE(f->getString("after").value(), std::string("end"));
    }

    void insertionOrderAndReplace() {
        Writer w;
        for (const char* k : {"c.key", "a.key", "b.key"}) w.set(k, Value::string(k));
        w.set("a.key", Value::integer(ValueType::I32, -5)); // replaced in place, type may change
        auto f = reparse(w.toBytes());
        QCOMPARE(f->metadata().size(), size_t(3));
        QCOMPARE(f->metadata()[0].first, std::string("c.key"));
        QCOMPARE(f->metadata()[1].first, std::string("a.key"));
        QCOMPARE(f->metadata()[2].first, std::string("b.key"));
        QCOMPARE(f->getInt("a.key").value(), int64_t(-5));
        QCOMPARE(f->version(), 3u);
        QCOMPARE(f->alignment(), 32u);
        QVERIFY(!f->find("general.alignment")); // the default is not written
    }

    void tensors_data() {
        QTest::addColumn<uint32_t>("alignment");
        QTest::newRow("default 32") << 32u;
        QTest::newRow("1 (no padding)") << 1u;
        QTest::newRow("8") << 8u;
        QTest::newRow("64") << 64u;
        QTest::newRow("4096") << 4096u;
    }

    void tensors() {
        QFETCH(uint32_t, alignment);
        struct Spec {
            const char* name;
            DType type;
            std::vector<int64_t> ne;
        };
        const std::vector<Spec> specs = {
            {"token_embd.weight", DType::Q4_K, {512, 3}},
            {"blk.0.attn_norm.weight", DType::F32, {7}},
            {"blk.0.ffn_up.weight", DType::Q8_0, {64, 5, 2}},
            {"blk.0.ffn_gate_exps.weight", DType::Q6_K, {256, 2, 1, 3}},
            {"output.weight", DType::F16, {3, 3}},
            {"bf16 tensor 中", DType::BF16, {1}},
            {"iq4", DType::IQ4_XS, {256}},
            {"ints", DType::I32, {5, 1, 1, 1}},
        };
        Writer w(alignment);
        w.set("general.architecture", Value::string("test"));
        std::vector<std::vector<uint8_t>> payloads;
        for (size_t i = 0; i < specs.size(); ++i) {
            const auto& s = specs[i];
            size_t rows = 1;
            for (size_t d = 1; d < s.ne.size(); ++d) rows *= size_t(s.ne[d]);
            payloads.push_back(randomBytes(rowBytes(s.type, s.ne[0]) * rows, uint32_t(i)));
            w.addTensor(s.name, s.type, s.ne, payloads.back().data(), payloads.back().size());
        }
        QCOMPARE(w.tensorCount(), specs.size());
        const std::vector<uint8_t> bytes = w.toBytes();
        auto f = reparse(bytes);
        QCOMPARE(f->alignment(), alignment);
        QCOMPARE(f->find("general.alignment") != nullptr, alignment != 32);
        QCOMPARE(f->dataOffset() % alignment, uint64_t(0));
        QCOMPARE(f->tensors().size(), specs.size());
        uint64_t end = f->dataOffset();
        for (size_t i = 0; i < specs.size(); ++i) {
            const TensorInfo& t = f->tensors()[i];
            QCOMPARE(t.name, std::string(specs[i].name));
            QCOMPARE(t.type, specs[i].type);
            QCOMPARE(t.nDims, uint32_t(specs[i].ne.size()));
            for (uint32_t d = 0; d < 4; ++d)
                QCOMPARE(t.ne[d], d < t.nDims ? specs[i].ne[d] : int64_t(1));
            QCOMPARE(t.nBytes, uint64_t(payloads[i].size()));
            QCOMPARE(t.offset % alignment, uint64_t(0));
            QCOMPARE(t.data, f->base() + f->dataOffset() + t.offset);
            QVERIFY(std::equal(payloads[i].begin(), payloads[i].end(), t.data));
            QVERIFY(f->dataOffset() + t.offset >= end); // in order, no overlap
            end = f->dataOffset() + t.offset + t.nBytes;
            QCOMPARE(f->findTensor(specs[i].name), &t);
        }
        QCOMPARE(end, uint64_t(bytes.size())); // nothing after the last tensor
        QVERIFY(!f->findTensor("missing"));
    }

    void noTensors() {
        Writer w;
        w.set("only.meta", Value::boolean(true));
        const auto bytes = w.toBytes();
        auto f = reparse(bytes);
        QVERIFY(f->tensors().empty());
        QCOMPARE(f->getBool("only.meta").value(), true);
        QVERIFY(reparse(Writer().toBytes())->metadata().empty()); // a bare header is valid
    }

    void fillCallbackAndProgress() {
        Writer w(128);
        const std::vector<uint8_t> copied = randomBytes(34 * 4, 9);
        w.addTensor("copied", DType::Q8_0, {64, 2}, copied.data(), copied.size());
        int fills = 0;
        w.addTensor("streamed", DType::F32, {1000}, [&](uint8_t* dst) {
            ++fills;
            for (int i = 0; i < 1000; ++i) {
                const float v = float(i) * 0.5f;
                std::memcpy(dst + 4 * i, &v, 4);
            }
        });
        std::vector<std::pair<size_t, size_t>> calls;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("fill.gguf").toStdString();
        w.write(path, [&](size_t done, size_t total) { calls.emplace_back(done, total); });
        QCOMPARE(fills, 1);
        QCOMPARE(calls, (std::vector<std::pair<size_t, size_t>>{{1, 2}, {2, 2}}));
        auto f = File::open(path);
        QCOMPARE(f->path(), path);
        const TensorInfo* s = f->findTensor("streamed");
        QVERIFY(s);
        QCOMPARE(s->offset % 128, uint64_t(0));
        float v;
        std::memcpy(&v, s->data + 4 * 999, 4);
        QCOMPARE(v, 499.5f);
        QVERIFY(std::equal(copied.begin(), copied.end(), f->findTensor("copied")->data));
        // The file on disk is exactly what toBytes() gives.
        QFile disk(dir.filePath("fill.gguf"));
        QVERIFY(disk.open(QIODevice::ReadOnly));
        QCOMPARE(disk.readAll(), test::toQByteArray(w.toBytes()));
        QCOMPARE(fills, 2);
    }

    void writerRejectsWhatReaderWould() {
        auto rejects = [](auto&& action) {
            try {
                action();
            } catch (const Error& e) {
                return e.code() == ErrorCode::InvalidArgument;
            }
            return false;
        };
        std::vector<uint8_t> d(1024);
        QVERIFY(rejects([] { Writer w(0); }));
        QVERIFY(rejects([] { Writer w(48); }));
        Writer w;
        QVERIFY(rejects([&] { w.set("", Value::boolean(true)); }));
        QVERIFY(rejects([&] { w.set("bad\xff", Value::boolean(true)); }));
        QVERIFY(rejects([&] { w.set("k", Value::string("bad\xc3")); }));
        QVERIFY(rejects([&] { w.set("k", Value::stringArray({"ok", "\xe2\x82"})); }));
        QVERIFY(rejects([&] { w.set("k", deepArray(9)); }));
        QVERIFY(rejects([&] { w.set("general.alignment", Value::u64(64)); }));
        QVERIFY(rejects([&] { w.set("general.alignment", Value::integer(ValueType::U32, 24)); }));
        QVERIFY(rejects([&] { w.addTensor("t", DType::F32, {4}, d.data(), 15); }));
        QVERIFY(rejects([&] { w.addTensor("t", DType::Q4_0, {33}, d.data(), 18); }));
        QVERIFY(rejects([&] { w.addTensor("t", DType::F32, {}, d.data(), 4); }));
        QVERIFY(rejects([&] { w.addTensor("t", DType::F32, {1, 1, 1, 1, 1}, d.data(), 4); }));
        QVERIFY(rejects([&] { w.addTensor("t", DType::F32, {4, 0}, d.data(), 0); }));
        QVERIFY(rejects([&] { w.addTensor(std::string(64, 'x'), DType::F32, {1}, d.data(), 4); }));
        QVERIFY(rejects([&] { w.addTensor("t", static_cast<DType>(4), {1}, d.data(), 4); }));
        w.addTensor("t", DType::F32, {1}, d.data(), 4);
        QVERIFY(rejects([&] { w.addTensor("t", DType::F32, {1}, d.data(), 4); }));
        QCOMPARE(w.tensorCount(), size_t(1));
        QVERIFY(w.toBytes().size() > 0);
        // Setting general.alignment changes the alignment tensors are written with.
        w.set("general.alignment", Value::integer(ValueType::U32, 256));
        w.addTensor("u", DType::F32, {1}, d.data(), 4);
        auto f = reparse(w.toBytes());
        QCOMPARE(f->alignment(), 256u);
        QCOMPARE(f->findTensor("u")->offset, uint64_t(256));
    }
};

QTEST_APPLESS_MAIN(TestGgufRoundTrip)
#include "tst_gguf_roundtrip.moc"
