#pragma once
// Helpers shared by the tokenizer suites: golden JSON files, the real model's path, id lists.
#include "deepwell/tokenizer.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTest>

#include <cstdint>
#include <string>
#include <vector>

namespace dw::test {

// A golden file under tests/data/tokenizer/ (QFAIL-worthy when missing: it is committed).
inline QJsonObject loadGolden(const char* name) {
    QFile f(QString(DW_TEST_DATA_DIR) + "/tokenizer/" + name);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

inline std::string utf8(const QJsonValue& v) {
    return v.toString().toStdString();
}

inline std::vector<int32_t> ids(const QJsonValue& v) {
    std::vector<int32_t> out;
    for (const QJsonValue& x : v.toArray()) out.push_back(int32_t(x.toInt()));
    return out;
}

inline std::vector<std::string> strings(const QJsonValue& v) {
    std::vector<std::string> out;
    for (const QJsonValue& x : v.toArray()) out.push_back(utf8(x));
    return out;
}

inline QString show(const std::vector<int32_t>& v) {
    QStringList parts;
    for (const int32_t x : v) parts << QString::number(x);
    return "[" + parts.join(", ") + "]";
}

// The real model (Gemma 3 270M): DEEPWELL_MODEL or the default cache path.
inline QString modelPath() {
    const QByteArray env = qgetenv("DEEPWELL_MODEL");
    if (!env.isEmpty()) return QString::fromLocal8Bit(env);
    return QDir::homePath() + "/.cache/deepwell/models/gemma-3-270m-q4_k_m.gguf";
}

inline bool modelRequired() {
    return qgetenv("DEEPWELL_REQUIRE_MODEL") == "1";
}

} // namespace dw::test

// QCOMPARE for id lists with a readable message.
#define DW_COMPARE_IDS(actual, expected)                                                           \
    do {                                                                                           \
        const std::vector<int32_t> a_ = (actual), e_ = (expected);                                 \
        if (a_ != e_)                                                                              \
            QFAIL(                                                                                 \
                qPrintable("ids " + dw::test::show(a_) + "\n   expected " + dw::test::show(e_)));  \
    } while (false)
