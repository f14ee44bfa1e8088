// gguf::Value accessors and conversions, and File's typed look-ups (getInt accepts every
// integer width, as the spec recommends; a present key of the wrong type is a Format error).
#include "raw_gguf.h"

#include <QtTest>

#include <cmath>
#include <numbers>

using namespace dw;
using namespace dw::gguf;

Q_DECLARE_METATYPE(dw::gguf::Value)

namespace {

template <typename F> QString errorOf(F&& f, ErrorCode expected) {
    try {
        f();
    } catch (const Error& e) {
        if (e.code() != expected) return "wrong code: " + QString::fromStdString(e.what());
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestGgufValue : public QObject {
    Q_OBJECT
private slots:
    void integerRanges() {
        QVERIFY(!errorOf([] { Value::integer(ValueType::U8, 256); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf([] { Value::integer(ValueType::I8, -129); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf([] { Value::integer(ValueType::U32, -1); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf([] { Value::integer(ValueType::U64, -1); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf([] { Value::integer(ValueType::F32, 1); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf([] { Value::floating(ValueType::I32, 1); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf(
                     [] {
                         Value::intArray(ValueType::I16, {1, 40000});
                     },
                     ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(!errorOf([] { Value::intArray(ValueType::Bool, {1}); }, ErrorCode::InvalidArgument)
                     .isEmpty());
        QVERIFY(
            !errorOf([] { Value::nestedArray({Value::boolean(true)}); }, ErrorCode::InvalidArgument)
                 .isEmpty());
        QCOMPARE(Value::integer(ValueType::I16, -32768).toInt().value(), int64_t(-32768));
    }

    void conversions() {
        const Value neg = Value::integer(ValueType::I32, -7);
        QCOMPARE(neg.toInt().value(), int64_t(-7));
        QVERIFY(!neg.toUint());
        QCOMPARE(neg.toDouble().value(), -7.0);
        QVERIFY(!neg.toBool());
        QVERIFY(!neg.toString());
        QVERIFY(neg.isInteger() && !neg.isFloat() && !neg.isArray());
        QCOMPARE(neg.size(), size_t(0));

        const Value big = Value::u64(UINT64_MAX);
        QVERIFY(!big.toInt());
        QCOMPARE(big.toUint().value(), UINT64_MAX);
        QCOMPARE(big.toDouble().value(), 18446744073709551615.0);

        const Value f = Value::floating(ValueType::F32, 0.1);
        QCOMPARE(f.toDouble().value(), double(0.1f)); // stored as the file's float
        QVERIFY(!f.toInt());
        QVERIFY(f.isFloat());

        QCOMPARE(Value::boolean(true).toBool().value(), true);
        QVERIFY(!Value::boolean(true).toInt());
        QCOMPARE(*Value::string("s").toString(), std::string("s"));

        const Value ints = Value::intArray(ValueType::U16, {1, 2, 3});
        QCOMPARE(ints.size(), size_t(3));
        QCOMPARE(ints.elementType(), ValueType::U16);
        QCOMPARE(ints.toFloatArray().value(), (std::vector<float>{1, 2, 3}));
        QVERIFY(!ints.toStringArray());
        QVERIFY(!ints.toNestedArray());
        QCOMPARE(Value::boolArray({true, false}).toIntArray().value(),
                 (std::vector<int64_t>{1, 0}));
        QVERIFY(!Value::floatArray(ValueType::F32, {1}).toIntArray());
        QVERIFY(!Value::intArray(ValueType::U64, {-1}).toIntArray()); // 2^64-1 does not fit int64
        QCOMPARE(Value::intArray(ValueType::U64, {-1}).toFloatArray().value()[0],
                 18446744073709551615.0f);
        QVERIFY(!Value::stringArray({"a"}).toFloatArray());
        QCOMPARE(Value::stringArray({"a", "b"}).toStringArray()->at(1), std::string("b"));
        QCOMPARE(Value::nestedArray({Value::boolArray({})}).toNestedArray()->size(), size_t(1));
        QVERIFY(!Value::string("x").toIntArray());
    }

    void equality() {
        QVERIFY(Value::floating(ValueType::F64, std::nan("")) ==
                Value::floating(ValueType::F64, std::nan("")));
        QVERIFY(!(Value::floating(ValueType::F64, 0.0) == Value::floating(ValueType::F64, -0.0)));
        QVERIFY(!(Value::integer(ValueType::U8, 1) == Value::integer(ValueType::I8, 1)));
        QVERIFY(!(Value::intArray(ValueType::U8, {}) == Value::intArray(ValueType::I8, {})));
        QVERIFY(Value::stringArray({"a"}) == Value::stringArray({"a"}));
        QVERIFY(!(Value::stringArray({"a"}) == Value::stringArray({"a", ""})));
    }

    void describe_data() {
        QTest::addColumn<Value>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("int") << Value::integer(ValueType::I32, -3) << "-3";
        QTest::newRow("u64") << Value::u64(UINT64_MAX) << "18446744073709551615";
        QTest::newRow("float") << Value::floating(ValueType::F32, 0.5) << "0.5";
        QTest::newRow("bool") << Value::boolean(false) << "false";
        QTest::newRow("string") << Value::string("a\"b\n") << "\"a\\\"b\\n\"";
        QTest::newRow("ints") << Value::intArray(ValueType::U32, {1, 2, 3})
                              << "UINT32[3] [1, 2, 3]";
        QTest::newRow("cut") << Value::intArray(ValueType::I8, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
                             << "INT8[10] [1, 2, 3, 4, 5, 6, 7, 8, ... 2 more]";
        QTest::newRow("strings") << Value::stringArray({"<pad>", "中"})
                                 << "STRING[2] [\"<pad>\", \"中\"]";
        QTest::newRow("nested") << Value::nestedArray({Value::boolArray({true})})
                                << "ARRAY[1] [BOOL[1] [true]]";
        QTest::newRow("long string")
            << Value::string(std::string(78, 'x') + "中中") << "\"" + QString(78, 'x') + "中...\"";
    }

    void describe() {
        QFETCH(Value, value);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(value.describe()), text);
    }

    void typedLookups() {
        Writer w;
        const std::vector<ValueType> widths = {ValueType::U8,  ValueType::I8,  ValueType::U16,
                                               ValueType::I16, ValueType::U32, ValueType::I32,
                                               ValueType::U64, ValueType::I64};
        for (ValueType t : widths)
            w.set(std::string("int.") + valueTypeName(t), Value::integer(t, 100));
        w.set("neg", Value::integer(ValueType::I8, -100));
        w.set("huge", Value::u64(UINT64_MAX));
        w.set("pi", Value::floating(ValueType::F64, std::numbers::pi));
        w.set("flag", Value::boolean(true));
        w.set("name", Value::string("gemma3"));
        w.set("list", Value::intArray(ValueType::I32, {1}));
        const auto bytes = w.toBytes();
        auto f = File::fromMemory(bytes.data(), bytes.size(), "typed.gguf");

        for (ValueType t : widths)
            QCOMPARE(f->getInt(std::string("int.") + valueTypeName(t)).value(), int64_t(100));
        QCOMPARE(f->getInt("neg").value(), int64_t(-100));
        QCOMPARE(f->getFloat("pi").value(), std::numbers::pi);
        QCOMPARE(f->getFloat("int.UINT16").value(), 100.0); // integers are numbers too
        QCOMPARE(f->getBool("flag").value(), true);
        QCOMPARE(f->getString("name").value(), std::string("gemma3"));
        QVERIFY(!f->getInt("absent"));
        QVERIFY(!f->getFloat("absent"));
        QVERIFY(!f->getBool("absent"));
        QVERIFY(!f->getString("absent"));
        QVERIFY(!f->find("absent"));

        struct Case {
            std::function<void()> call;
            QString fragment;
        };
        const std::vector<Case> mismatches = {
            {[&] { f->getInt("name"); }, "'name' has type STRING, expected an integer"},
            {[&] { f->getInt("pi"); }, "'pi' has type FLOAT64"},
            {[&] { f->getInt("flag"); }, "'flag' has type BOOL"},
            {[&] { f->getInt("huge"); }, "'huge' value 18446744073709551615 exceeds INT64_MAX"},
            {[&] { f->getFloat("list"); }, "'list' has type ARRAY, expected a number"},
            {[&] { f->getBool("int.UINT8"); }, "'int.UINT8' has type UINT8, expected BOOL"},
            {[&] { f->getString("flag"); }, "'flag' has type BOOL, expected STRING"},
        };
        for (const auto& c : mismatches) {
            const QString msg = errorOf(c.call, ErrorCode::Format);
            QVERIFY2(msg.startsWith("typed.gguf: ") && msg.contains(c.fragment), qPrintable(msg));
        }
    }
};

QTEST_APPLESS_MAIN(TestGgufValue)
#include "tst_gguf_value.moc"
