#pragma once
// Texts of figures for the monitor panel: sizes in binary units (KiB = 1024 B), rates,
// percentages, and "n/a" for a figure its source does not report (an empty std::optional,
// never shown as 0). Numbers follow the default QLocale.
#include <QCoreApplication>
#include <QString>

#include <cstdint>
#include <optional>

namespace dw {

class MonitorFormat {
    Q_DECLARE_TR_FUNCTIONS(dw::MonitorFormat)
public:
    static QString notAvailable();                      // "n/a"
    static QString bytes(uint64_t bytes);               // "512 B", "1.50 KiB", "24.0 GiB"
    static QString signedBytes(int64_t bytes);          // "+1.50 MiB", "−2.00 KiB", "0 B"
    static QString bytesPerSecond(uint64_t perSecond);  // "12.0 MiB/s"
    static QString percent(double p, int decimals = 0); // "75 %"
    static QString watts(double w);                     // "250 W"
    static QString joules(double j);                    // "41.3 J"
    static QString celsius(double c);                   // "61 °C"
    static QString megahertz(uint32_t mhz);             // "2520 MHz"
    static QString seconds(double s);                   // "350 ms", "2.10 s"
    static QString count(int64_t n);                    // "12,345"
    static QString tokensPerSecond(double t);           // "35.2 tokens/s"
    static QString tokensPerJoule(double t);            // "3.21 tokens/J"
    static QString cores(double c);                     // "1.95 cores"
    // Three significant digits at most ("0.123", "12.3", "123").
    static QString number(double v);

    template <class T, class F> static QString orNa(const std::optional<T>& v, F&& f) {
        return v ? f(*v) : notAvailable();
    }
};

} // namespace dw
