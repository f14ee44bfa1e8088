#include "model_catalogue.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <optional>

namespace dw {

namespace {

// Limits that catch typos without ruling out real models (DeepSeek-V3 is 6.7e11 parameters,
// 4e11 bytes at 4 bits).
constexpr double kMaxParameters = 1e13;
constexpr double kMaxFileBytes = 1e14;
constexpr double kMaxContext = 1 << 24;
constexpr int kMaxLayers = 1000;
constexpr int kMaxWidth = 1 << 16;

QString describe(const QJsonValue& v) {
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble(), 'g', 15);
    case QJsonValue::String:
        return QLatin1Char('"') + v.toString().left(60) + QLatin1Char('"');
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("missing");
}

// Reads one row; the first problem wins and names the field, its value and what it must be.
class RowReader {
public:
    explicit RowReader(const QJsonObject& o) : m_o(o) {}
    const QString& error() const { return m_error; }
    bool ok() const { return m_error.isEmpty(); }

    QString text(const char* key, bool required, const QJsonObject* in = nullptr) {
        const QJsonValue v = (in ? *in : m_o).value(QLatin1String(key));
        if (v.isUndefined() && !required) return {};
        if (!v.isString() || (required && v.toString().trimmed().isEmpty()))
            fail(key, v, ModelCatalogue::tr("a non-empty string"));
        return v.toString();
    }
    double number(const char* key, double lo, double hi, bool whole, bool required,
                  const QJsonObject* in = nullptr) {
        const QJsonValue v = (in ? *in : m_o).value(QLatin1String(key));
        if (v.isUndefined() && !required) return 0.0;
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !(d >= lo && d <= hi) || (whole && d != std::floor(d))) {
            fail(key, v,
                 ModelCatalogue::tr("%1 from %2 to %3")
                     .arg(whole ? ModelCatalogue::tr("a whole number")
                                : ModelCatalogue::tr("a number"))
                     .arg(lo, 0, 'g', 15)
                     .arg(hi, 0, 'g', 15));
            return 0.0;
        }
        return d;
    }
    bool flag(const char* key, const QJsonObject* in = nullptr) {
        const QJsonValue v = (in ? *in : m_o).value(QLatin1String(key));
        if (v.isUndefined()) return false;
        if (!v.isBool()) fail(key, v, ModelCatalogue::tr("true or false"));
        return v.toBool();
    }
    QJsonObject object(const char* key, bool required) {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined() && !required) return {};
        if (!v.isObject()) fail(key, v, ModelCatalogue::tr("an object"));
        return v.toObject();
    }
    void fail(const char* key, const QJsonValue& v, const QString& what) {
        if (!m_error.isEmpty()) return;
        m_error = ModelCatalogue::tr("field \"%1\" is %2; it must be %3")
                      .arg(QString::fromLatin1(key), describe(v), what);
    }
    void failWith(const QString& message) {
        if (m_error.isEmpty()) m_error = message;
    }

private:
    QJsonObject m_o;
    QString m_error;
};

std::optional<CatalogueEntry> readEntry(const QJsonObject& o, RowReader& r) {
    static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}$"));
    static const QRegularExpression shaPattern(QStringLiteral("^[0-9a-f]{64}$"));
    CatalogueEntry e;
    e.id = r.text("id", true);
    if (r.ok() && !idPattern.match(e.id).hasMatch())
        r.fail("id", o.value(QLatin1String("id")),
               ModelCatalogue::tr("lower-case letters, digits, '.', '_' or '-'"));
    e.name = r.text("name", true);
    e.isDefault = r.flag("default");
    e.architecture = r.text("architecture", true);
    e.parameters = quint64(r.number("parameters", 1, kMaxParameters, true, true));
    e.activeParameters = quint64(r.number("activeParameters", 1, kMaxParameters, true, true));
    if (r.ok() && e.activeParameters > e.parameters)
        r.fail("activeParameters", o.value(QLatin1String("activeParameters")),
               ModelCatalogue::tr("at most \"parameters\" (%1)").arg(e.parameters));
    const QJsonObject experts = r.object("experts", false);
    if (!experts.isEmpty()) {
        e.expertsRouted = int(r.number("routed", 2, 4096, true, true, &experts));
        e.expertsShared = int(r.number("shared", 0, 64, true, true, &experts));
        e.expertsPerToken = int(r.number("perToken", 1, 4096, true, true, &experts));
        if (r.ok() && e.expertsPerToken > e.expertsRouted)
            r.fail("perToken", experts.value(QLatin1String("perToken")),
                   ModelCatalogue::tr("at most \"routed\" (%1)").arg(e.expertsRouted));
    }
    e.quantization = r.text("quantization", true);
    e.contextLength = qint64(r.number("contextLength", 1, kMaxContext, true, true));

    const QJsonObject kv = r.object("kvCache", true);
    e.kvLayers = int(r.number("layers", 1, kMaxLayers, true, true, &kv));
    if (kv.contains(QLatin1String("kvLoraRank"))) {
        e.kvLoraRank = int(r.number("kvLoraRank", 1, kMaxWidth, true, true, &kv));
        e.ropeDim = int(r.number("ropeDim", 0, kMaxWidth, true, true, &kv));
    } else {
        e.kvHeads = int(r.number("kvHeads", 1, kMaxWidth, true, true, &kv));
        e.keyLength = int(r.number("keyLength", 1, kMaxWidth, true, true, &kv));
        e.valueLength = int(r.number("valueLength", 1, kMaxWidth, true, true, &kv));
    }

    const QJsonObject file = r.object("file", true);
    e.fileName = r.text("name", false, &file);
    if (r.ok() && !e.fileName.isEmpty() &&
        (!e.fileName.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive) ||
         e.fileName.contains(QLatin1Char('/')) || e.fileName.contains(QLatin1Char('\\'))))
        r.fail("name", file.value(QLatin1String("name")),
               ModelCatalogue::tr("a file name ending in .gguf, without folders"));
    e.fileBytes = quint64(r.number("bytes", 1, kMaxFileBytes, true, true, &file));
    e.sizeIsEstimate = r.flag("estimate", &file);
    if (r.ok() && !file.contains(QLatin1String("estimate")))
        r.fail("estimate", QJsonValue(QJsonValue::Undefined), ModelCatalogue::tr("true or false"));
    e.bitsPerWeight = r.number("bitsPerWeight", 1, 32, false, e.sizeIsEstimate, &file);
    e.sha256 = r.text("sha256", false, &file);
    if (r.ok() && !e.sha256.isEmpty() && !shaPattern.match(e.sha256).hasMatch())
        r.fail("sha256", file.value(QLatin1String("sha256")),
               ModelCatalogue::tr("64 lower-case hex digits"));
    if (r.ok() && !e.sha256.isEmpty() && e.sizeIsEstimate)
        r.failWith(ModelCatalogue::tr(
            "a file with a SHA-256 has an exact size; \"estimate\" must be false"));
    e.sizeIsExact = !e.sha256.isEmpty();

    e.install = r.text("install", false);
    e.notes = r.text("notes", false);
    const QJsonValue sources = o.value(QLatin1String("sources"));
    if (!sources.isUndefined()) {
        if (!sources.isArray())
            r.fail("sources", sources, ModelCatalogue::tr("an array of strings"));
        for (const QJsonValue& s : sources.toArray()) {
            if (!s.isString()) r.fail("sources", s, ModelCatalogue::tr("an array of strings"));
            e.sources << s.toString();
        }
    }
    if (!r.ok()) return std::nullopt;
    return e;
}

} // namespace

quint64 CatalogueEntry::kvBytesPerToken() const {
    const quint64 perLayer = isMla() ? quint64(kvLoraRank + ropeDim)
                                     : quint64(kvHeads) * quint64(keyLength + valueLength);
    return quint64(kvLayers) * perLayer * sizeof(float);
}

quint64 CatalogueEntry::approximateMemory(qint64 contextTokens) const {
    return fileBytes + kvBytesPerToken() * quint64(std::max<qint64>(0, contextTokens));
}

CatalogueParseResult ModelCatalogue::parse(const QByteArray& json, const QString& source) {
    CatalogueParseResult result;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        result.errors << tr("%1: not valid JSON at byte %2: %3")
                             .arg(source)
                             .arg(pe.offset)
                             .arg(pe.errorString());
        return result;
    }
    if (!doc.isObject()) {
        result.errors << tr("%1: the top level must be an object").arg(source);
        return result;
    }
    const QJsonObject top = doc.object();
    if (top.value(QLatin1String("format")).toString() != QLatin1String(kFormatName)) {
        result.errors << tr("%1: field \"format\" is %2; it must be \"%3\"")
                             .arg(source, describe(top.value(QLatin1String("format"))),
                                  QLatin1String(kFormatName));
        return result;
    }
    const QJsonValue version = top.value(QLatin1String("version"));
    if (version.toDouble(-1) != kFormatVersion) {
        result.errors << tr("%1: field \"version\" is %2; this program reads version %3")
                             .arg(source, describe(version))
                             .arg(kFormatVersion);
        return result;
    }
    const QJsonValue models = top.value(QLatin1String("models"));
    if (!models.isArray()) {
        result.errors
            << tr("%1: field \"models\" is %2; it must be an array").arg(source, describe(models));
        return result;
    }
    QSet<QString> ids;
    bool haveDefault = false;
    const QJsonArray rows = models.toArray();
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const QString where = tr("%1: model %2").arg(source).arg(i + 1);
        if (!rows[i].isObject()) {
            result.errors << tr("%1 is %2; it must be an object").arg(where, describe(rows[i]));
            continue;
        }
        RowReader reader(rows[i].toObject());
        std::optional<CatalogueEntry> e = readEntry(rows[i].toObject(), reader);
        const QString id = rows[i].toObject().value(QLatin1String("id")).toString();
        const QString named = id.isEmpty() ? where : QStringLiteral("%1 (\"%2\")").arg(where, id);
        if (!e) {
            result.errors << tr("%1: %2").arg(named, reader.error());
            continue;
        }
        if (ids.contains(e->id)) {
            result.errors << tr("%1: the id is used by an earlier model").arg(named);
            continue;
        }
        if (e->isDefault && haveDefault) {
            result.errors << tr("%1: only one model can be the default").arg(named);
            continue;
        }
        ids.insert(e->id);
        haveDefault = haveDefault || e->isDefault;
        result.entries.push_back(std::move(*e));
    }
    return result;
}

CatalogueParseResult ModelCatalogue::load(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        CatalogueParseResult r;
        r.errors << tr("%1: cannot be read: %2").arg(path, f.errorString());
        return r;
    }
    return parse(f.readAll(), path);
}

QString ModelCatalogue::defaultModelsDir() {
    QString cache = qEnvironmentVariable("XDG_CACHE_HOME");
    if (cache.isEmpty()) cache = QDir::homePath() + QStringLiteral("/.cache");
    return cache + QStringLiteral("/deepwell/models");
}

const CatalogueEntry* ModelCatalogue::defaultEntry(const std::vector<CatalogueEntry>& entries) {
    for (const CatalogueEntry& e : entries)
        if (e.isDefault) return &e;
    return nullptr;
}

} // namespace dw
