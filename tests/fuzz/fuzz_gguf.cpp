// libFuzzer target for the GGUF reader: any input either parses or throws dw::Error, and a
// file that parses touches cleanly through every accessor and survives a writer round trip
// unchanged. Anything else (a sanitizer report, another exception, a broken round trip) is a
// crash. Built and run by run_fuzz_gguf.sh (ctest fuzz_gguf).
#include "deepwell/error.h"
#include "deepwell/gguf.h"

#include <cstdint>
#include <cstring>
#include <memory>

using namespace dw;
using namespace dw::gguf;

namespace {

volatile uint64_t g_sink; // keeps the reads below from being optimised away

void touch(const Value& v) {
    (void)v.describe(3);
    (void)v.toInt();
    (void)v.toUint();
    (void)v.toDouble();
    (void)v.toBool();
    if (const auto* s = v.toString()) g_sink = g_sink + s->size();
    (void)v.toIntArray();
    (void)v.toFloatArray();
    if (const auto* ss = v.toStringArray())
        for (const auto& s : *ss) g_sink = g_sink + s.size();
    if (const auto* nested = v.toNestedArray())
        for (const auto& e : *nested) touch(e);
    if (!(v == v)) __builtin_trap(); // reflexive, NaN included (floats compare by bits)
}

template <typename F> void expectOnlyError(F&& f) {
    try {
        f();
    } catch (const Error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::unique_ptr<File> f;
    try {
        f = File::fromMemory(data, size, "fuzz.gguf");
    } catch (const Error&) {
        return 0;
    }
    for (const auto& entry : f->metadata()) {
        const std::string& key = entry.first; // a plain reference: lambdas below capture it
        const Value& value = entry.second;
        touch(value);
        if (f->find(key) != &value) __builtin_trap(); // keys are unique
        expectOnlyError([&] { (void)f->getInt(key); });
        expectOnlyError([&] { (void)f->getFloat(key); });
        expectOnlyError([&] { (void)f->getBool(key); });
        expectOnlyError([&] { (void)f->getString(key); });
    }
    uint64_t sum = 0;
    for (const TensorInfo& t : f->tensors()) {
        if (f->findTensor(t.name) != &t) __builtin_trap();
        for (uint64_t i = 0; i < t.nBytes; ++i) sum += t.data[i]; // ASan checks the range
        if (t.nElements() <= 0 || t.nRows() <= 0) __builtin_trap();
    }
    g_sink = g_sink + sum;

    // Whatever the reader accepts, the writer must write back and the reader read again.
    Writer w(f->alignment());
    for (const auto& [key, value] : f->metadata()) w.set(key, value);
    for (const TensorInfo& t : f->tensors())
        w.addTensor(t.name, t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.nDims),
                    t.data, t.nBytes);
    const std::vector<uint8_t> bytes = w.toBytes();
    auto g = File::fromMemory(bytes.data(), bytes.size(), "rewritten.gguf"); // must not throw
    if (g->metadata().size() != f->metadata().size() || g->tensors().size() != f->tensors().size())
        __builtin_trap();
    for (const auto& [key, value] : f->metadata()) {
        const Value* other = g->find(key);
        if (!other || !(*other == value)) __builtin_trap();
    }
    for (size_t i = 0; i < f->tensors().size(); ++i) {
        const TensorInfo& a = f->tensors()[i];
        const TensorInfo& b = g->tensors()[i];
        if (a.name != b.name || a.type != b.type || a.ne != b.ne || a.nBytes != b.nBytes ||
            std::memcmp(a.data, b.data, a.nBytes) != 0)
            __builtin_trap();
    }
    return 0;
}
