#pragma once
// Internal to the filter implementation: filters.cpp (text and sequence filters, the table)
// and filters_extra.cpp (ordering and number filters).
#include "tokenizer/jinja/builtins.h"

#include <map>
#include <string>

namespace dw::jinja {

using FilterFn = Value (*)(const CallArgs&, Evaluator&);

// Adds sort, dictsort, unique, reverse, int, float, abs, round, sum, min, max (and the internal
// "__add" used by sum) to a filter table.
void addOrderingAndNumberFilters(std::map<std::string, FilterFn>& table);

inline std::string asciiLower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

} // namespace dw::jinja
