#pragma once
// The writer of Prometheus text exposition format 0.0.4, shared by prometheusText() and its
// telemetry overload:
//   # HELP <name> <text with \\ and \n escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value with \\, \" and \n escaped>",...} <value>
// A histogram family <name> has samples <name>_bucket{le="<bound>"} (cumulative, ending with
// le="+Inf" equal to the count), <name>_sum and <name>_count.
#include "deepwell/metrics.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dw::prom {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

inline std::string formatDouble(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Shortest text that reads back to the same double.
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string(buf, r.ptr);
}

class Exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        m_out += "# HELP ";
        m_out += name;
        m_out += ' ';
        for (char c : help) {
            if (c == '\\')
                m_out += "\\\\";
            else if (c == '\n')
                m_out += "\\n";
            else
                m_out += c;
        }
        m_out += "\n# TYPE ";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }

    void sample(std::string_view name, const Labels& labels, const std::string& value) {
        m_out += name;
        if (!labels.empty()) {
            m_out += '{';
            for (size_t i = 0; i < labels.size(); ++i) {
                if (i) m_out += ',';
                m_out += labels[i].first;
                m_out += "=\"";
                appendEscaped(labels[i].second);
                m_out += '"';
            }
            m_out += '}';
        }
        m_out += ' ';
        m_out += value;
        m_out += '\n';
    }
    void sample(std::string_view name, const Labels& labels, uint64_t v) {
        sample(name, labels, std::to_string(v));
    }
    void sample(std::string_view name, const Labels& labels, double v) {
        sample(name, labels, formatDouble(v));
    }

    void histogram(const std::string& name, std::string_view help, const LatencyStats& s) {
        family(name, "histogram", help);
        const std::string bucket = name + "_bucket";
        for (size_t i = 0; i < s.bucketBounds.size() && i < s.bucketCounts.size(); ++i)
            sample(bucket, {{"le", formatDouble(s.bucketBounds[i])}}, s.bucketCounts[i]);
        sample(bucket, {{"le", "+Inf"}}, s.count);
        sample(name + "_sum", {}, s.sumSeconds);
        sample(name + "_count", {}, s.count);
    }

    std::string take() { return std::move(m_out); }

private:
    void appendEscaped(std::string_view v) {
        for (char c : v) {
            if (c == '\\')
                m_out += "\\\\";
            else if (c == '"')
                m_out += "\\\"";
            else if (c == '\n')
                m_out += "\\n";
            else
                m_out += c;
        }
    }

    std::string m_out;
};

} // namespace dw::prom
