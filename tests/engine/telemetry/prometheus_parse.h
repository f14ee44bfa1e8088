#pragma once
// A small reader of the Prometheus 0.0.4 text format, enough to check structure: HELP then
// TYPE, then samples of that family (histogram samples under _bucket/_sum/_count). Shared by
// the exposition tests.
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace dw::test {

struct Parsed {
    std::map<std::string, std::string> types; // family -> type
    std::set<std::string> helps;
    std::vector<std::pair<std::string, std::string>> samples; // "name{labels}" -> value text
    std::vector<std::string> problems;

    const std::string* value(const std::string& series) const {
        for (const auto& [k, v] : samples)
            if (k == series) return &v;
        return nullptr;
    }
};

inline Parsed parse(const std::string& text) {
    Parsed p;
    std::istringstream in(text);
    std::string line, current;
    while (std::getline(in, line)) {
        if (line.rfind("# HELP ", 0) == 0) {
            current = line.substr(7, line.find(' ', 7) - 7);
            if (!p.helps.insert(current).second) p.problems.push_back("second HELP: " + line);
        } else if (line.rfind("# TYPE ", 0) == 0) {
            const size_t sp = line.find(' ', 7);
            const std::string name = line.substr(7, sp - 7);
            if (name != current) p.problems.push_back("TYPE without its HELP: " + line);
            p.types[name] = line.substr(sp + 1);
        } else {
            const size_t end = line.find_first_of("{ ");
            const std::string name = line.substr(0, end);
            std::string family = name;
            if (!p.types.count(name)) {
                for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                    const std::string s(suffix);
                    if (name.size() > s.size() && name.ends_with(s))
                        family = name.substr(0, name.size() - s.size());
                }
                if (p.types[family] != "histogram") family = name;
            }
            if (family != current || !p.types.count(family) || !p.helps.count(family))
                p.problems.push_back("sample outside its family: " + line);
            const size_t space = line.rfind(' ');
            p.samples.emplace_back(line.substr(0, space), line.substr(space + 1));
        }
    }
    return p;
}

inline std::string joinProblems(const Parsed& p) {
    std::string s;
    for (const auto& x : p.problems) s += x + "\n";
    return s;
}

} // namespace dw::test
