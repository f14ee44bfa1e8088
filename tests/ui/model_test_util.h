#pragma once
// Shared by the model-manager tests: synthetic model files under chosen names, broken files,
// and engine calls made off the (marked) GUI thread.
#include "deepwell/memory_estimate.h"
#include "deepwell/synth.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>

#include <cstdint>
#include <random>
#include <string>
#include <thread>

namespace dwtest {

// A synthetic model of `preset` ("tiny-gemma3", "tiny-qwen3moe", ...) at dir/fileName.
inline QString writeSynthModel(const QString& dir, const char* preset, const QString& fileName,
                               const std::string& name = {}) {
    dw::synth::SynthSpec spec = dw::synth::synthPreset(preset);
    if (!name.empty()) spec.name = name;
    const QString path = QDir(dir).filePath(fileName);
    dw::synth::writeSynthModel(spec, path.toStdString());
    return path;
}

inline QString writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) return {};
    return path;
}

// The first `keep` bytes of `source` (a GGUF whose tensor data runs past the end).
inline QString writeTruncatedCopy(const QString& source, const QString& path, double keep) {
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly)) return {};
    const QByteArray all = in.readAll();
    return writeBytes(path, all.left(qsizetype(double(all.size()) * keep)));
}

inline QString writeRandomBytes(const QString& path, int n, unsigned seed) {
    std::mt19937 rng(seed);
    QByteArray b(n, '\0');
    for (char& c : b) c = char(rng() & 0xFF);
    return writeBytes(path, b);
}

// The test's GUI thread is marked: engine calls go through a helper thread.
inline dw::MemoryEstimate estimateOffThread(const QString& path, int64_t contextTokens) {
    dw::MemoryEstimate e;
    std::thread([&] { e = dw::estimateMemory(path.toStdString(), contextTokens); }).join();
    return e;
}

} // namespace dwtest
