#include "monitor_format.h"

#include <QLocale>

#include <cmath>

namespace dw {

QString MonitorFormat::notAvailable() {
    return tr("n/a");
}

QString MonitorFormat::number(double v) {
    const double a = std::fabs(v);
    const int decimals = a == 0.0 ? 0 : a < 1.0 ? 3 : a < 10.0 ? 2 : a < 100.0 ? 1 : 0;
    return QLocale().toString(v, 'f', decimals);
}

QString MonitorFormat::bytes(uint64_t bytes) {
    if (bytes < 1024) return tr("%1 B").arg(bytes);
    static const char* const kUnits[] = {QT_TR_NOOP("%1 KiB"), QT_TR_NOOP("%1 MiB"),
                                         QT_TR_NOOP("%1 GiB"), QT_TR_NOOP("%1 TiB")};
    double v = double(bytes) / 1024.0;
    size_t unit = 0;
    while (v >= 1024.0 && unit + 1 < std::size(kUnits)) {
        v /= 1024.0;
        ++unit;
    }
    const int decimals = v < 10.0 ? 2 : v < 100.0 ? 1 : 0;
    return tr(kUnits[unit]).arg(QLocale().toString(v, 'f', decimals));
}

QString MonitorFormat::signedBytes(int64_t bytes) {
    if (bytes == 0) return MonitorFormat::bytes(0);
    const uint64_t magnitude = bytes < 0 ? uint64_t(0) - uint64_t(bytes) : uint64_t(bytes);
    return (bytes < 0 ? QStringLiteral("\u2212") : QStringLiteral("+")) +
           MonitorFormat::bytes(magnitude);
}

QString MonitorFormat::bytesPerSecond(uint64_t perSecond) {
    return tr("%1/s").arg(bytes(perSecond));
}

QString MonitorFormat::percent(double p, int decimals) {
    return tr("%1 %").arg(QLocale().toString(p, 'f', decimals));
}

QString MonitorFormat::watts(double w) {
    return tr("%1 W").arg(number(w));
}
QString MonitorFormat::joules(double j) {
    return tr("%1 J").arg(number(j));
}
QString MonitorFormat::celsius(double c) {
    return tr("%1 °C").arg(QLocale().toString(c, 'f', 0));
}
QString MonitorFormat::megahertz(uint32_t mhz) {
    return tr("%1 MHz").arg(mhz);
}

QString MonitorFormat::seconds(double s) {
    if (std::fabs(s) < 1.0) return tr("%1 ms").arg(QLocale().toString(s * 1000.0, 'f', 0));
    return tr("%1 s").arg(QLocale().toString(s, 'f', 2));
}

QString MonitorFormat::count(int64_t n) {
    return QLocale().toString(qlonglong(n));
}
QString MonitorFormat::tokensPerSecond(double t) {
    return tr("%1 tokens/s").arg(number(t));
}
QString MonitorFormat::tokensPerJoule(double t) {
    return tr("%1 tokens/J").arg(number(t));
}
QString MonitorFormat::cores(double c) {
    return tr("%1 cores").arg(QLocale().toString(c, 'f', 2));
}

} // namespace dw
