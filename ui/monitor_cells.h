#pragma once
// Small constructors of MonitorCell shared by the row builders (monitor_rows.cpp,
// monitor_ledger_rows.cpp). Internal to the monitor panel.
#include "monitor_format.h"
#include "monitor_table_model.h"

#include <optional>

namespace dw::monitor_cells {

// Column 0: the translated label, and the stable key in ValueRole.
inline MonitorCell key(const char* key, const QString& label) {
    return {label, QString::fromLatin1(key), false, {}};
}

inline MonitorCell text(const QString& t) {
    return {t, {}, false, {}};
}

inline MonitorCell bytes(uint64_t b) {
    return {MonitorFormat::bytes(b), QVariant::fromValue<qulonglong>(b), false, {}};
}

inline MonitorCell bytes(const std::optional<uint64_t>& b) {
    return b ? bytes(*b) : MonitorCell{MonitorFormat::notAvailable(), {}, false, {}};
}

// A figure of any number type with its formatter; n/a when empty.
template <class T, class F> MonitorCell number(const std::optional<T>& v, F&& format) {
    if (!v) return {MonitorFormat::notAvailable(), {}, false, {}};
    return {format(*v), QVariant(double(*v)), false, {}};
}

template <class T, class F> MonitorCell number(T v, F&& format) {
    return number(std::optional<T>(v), std::forward<F>(format));
}

inline MonitorCell warned(MonitorCell c, bool warn) {
    c.warn = warn;
    return c;
}

} // namespace dw::monitor_cells
