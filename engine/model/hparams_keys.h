#pragma once
// Typed look-ups of {arch}.* keys with defaults and range checks (errors name the key).
#include "deepwell/error.h"
#include "deepwell/gguf.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dw::model {

class KeyReader {
public:
    KeyReader(const gguf::File& f, std::string prefix) : m_file(f), m_prefix(std::move(prefix)) {}

    std::string key(std::string_view k) const { return m_prefix + "." + std::string(k); }

    int64_t requiredInt(std::string_view k) const {
        auto v = m_file.getInt(key(k));
        if (!v)
            throw Error(ErrorCode::Format, m_file.path() + ": required key '" + key(k) +
                                               "' is missing; the file is incomplete or not a " +
                                               m_prefix + " model");
        return checkPositive(k, *v);
    }
    int64_t optInt(std::string_view k, int64_t def) const {
        auto v = m_file.getInt(key(k));
        return v ? *v : def;
    }
    float optFloat(std::string_view k, float def) const {
        auto v = m_file.getFloat(key(k));
        return v ? static_cast<float>(*v) : def;
    }
    std::string optString(std::string_view k, std::string def) const {
        auto v = m_file.getString(key(k));
        return v ? *v : def;
    }

    // A key that is a scalar or one value per layer.
    std::vector<int64_t> perLayer(std::string_view k, int nLayer, std::optional<int64_t> def) const {
        const gguf::Value* v = m_file.find(key(k));
        if (!v) {
            if (!def)
                throw Error(ErrorCode::Format,
                            m_file.path() + ": required key '" + key(k) + "' is missing");
            return std::vector<int64_t>(size_t(nLayer), *def);
        }
        if (v->isArray()) {
            auto arr = v->toIntArray();
            if (!arr || arr->size() != size_t(nLayer))
                throw Error(ErrorCode::Format, m_file.path() + ": key '" + key(k) +
                                                   "' must hold one integer per layer (" +
                                                   std::to_string(nLayer) + ")");
            for (auto x : *arr) checkPositive(k, x, true);
            return *arr;
        }
        auto s = v->toInt();
        if (!s) throw Error(ErrorCode::Format, m_file.path() + ": key '" + key(k) + "' is not an integer");
        return std::vector<int64_t>(size_t(nLayer), checkPositive(k, *s, true));
    }

    bool has(std::string_view k) const { return m_file.find(key(k)) != nullptr; }
    // An optional count: absent -> def; present -> checked to lie in 0..2^31.
    int64_t optCount(std::string_view k, int64_t def) const {
        auto v = m_file.getInt(key(k));
        return v ? checkPositive(k, *v, true) : def;
    }
    const gguf::File& file() const { return m_file; }
    [[noreturn]] void fail(std::string_view k, const std::string& what) const {
        throw Error(ErrorCode::Format, m_file.path() + ": key '" + key(k) + "' " + what);
    }

private:
    int64_t checkPositive(std::string_view k, int64_t v, bool allowZero = false) const {
        // Limits keep every later size computation far from overflow.
        if (v < (allowZero ? 0 : 1) || v > (int64_t(1) << 31))
            throw Error(ErrorCode::Format, m_file.path() + ": key '" + key(k) + "' has value " +
                                               std::to_string(v) + ", outside 1.." +
                                               std::to_string(int64_t(1) << 31));
        return v;
    }

    const gguf::File& m_file;
    std::string m_prefix;
};

} // namespace dw::model
