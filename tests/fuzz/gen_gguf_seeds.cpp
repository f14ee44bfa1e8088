// Writes the seed corpus for fuzz_gguf: a few small valid GGUF files covering every value
// type, nested arrays, several tensor types and a custom alignment.
// Usage: gen_gguf_seeds <output folder>
#include "deepwell/gguf.h"

#include <cstdio>
#include <string>
#include <vector>

using namespace dw;
using namespace dw::gguf;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <output folder>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::vector<uint8_t> bytes(4096);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);

    Writer empty;
    empty.write(dir + "/empty.gguf");

    Writer values;
    values.set("general.architecture", Value::string("llama"));
    values.set("u8", Value::integer(ValueType::U8, 200));
    values.set("i8", Value::integer(ValueType::I8, -3));
    values.set("u16", Value::integer(ValueType::U16, 600));
    values.set("i16", Value::integer(ValueType::I16, -600));
    values.set("u32", Value::integer(ValueType::U32, 70000));
    values.set("i32", Value::integer(ValueType::I32, -70000));
    values.set("f32", Value::floating(ValueType::F32, 1.5));
    values.set("bool", Value::boolean(true));
    values.set("str", Value::string("héllo 中 🦙"));
    values.set("u64", Value::u64(1ull << 40));
    values.set("i64", Value::integer(ValueType::I64, -(1ll << 40)));
    values.set("f64", Value::floating(ValueType::F64, 0.1));
    values.set("tokens", Value::stringArray({"<s>", "</s>", "a", "中"}));
    values.set("scores", Value::floatArray(ValueType::F32, {0, -1, -2.5, 3}));
    values.set("types", Value::intArray(ValueType::I32, {3, 3, 1, 1}));
    values.set("flags", Value::boolArray({true, false}));
    values.set("nested", Value::nestedArray({Value::intArray(ValueType::U8, {1}),
                                             Value::nestedArray({Value::stringArray({"x"})})}));
    values.write(dir + "/values.gguf");

    Writer tensors;
    tensors.set("general.name", Value::string("tiny"));
    tensors.addTensor("f32", DType::F32, {4, 2}, bytes.data(), 32);
    tensors.addTensor("f16", DType::F16, {3}, bytes.data(), 6);
    tensors.addTensor("q8_0", DType::Q8_0, {32, 2}, bytes.data(), 68);
    tensors.addTensor("q4_k", DType::Q4_K, {256}, bytes.data(), 144);
    tensors.addTensor("i8", DType::I8, {1, 1, 1, 5}, bytes.data(), 5);
    tensors.write(dir + "/tensors.gguf");

    Writer aligned(64);
    aligned.addTensor("a", DType::BF16, {8}, bytes.data(), 16);
    aligned.addTensor("b", DType::Q4_0, {32}, bytes.data(), 18);
    aligned.write(dir + "/aligned64.gguf");
    return 0;
}
