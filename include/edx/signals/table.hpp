// The literature tables of signals/ (normal limits, criteria, physiological
// ranges, test accuracies), compiled into the library. Code reads every
// literature constant from here, never from a literal, so each number has one
// home and its source beside it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::signals {

// The parsed table at `path` relative to signals/ (e.g. "physiology/h_reflex.json").
// Throws std::out_of_range naming the path if there is no such table.
const nlohmann::json& table(std::string_view path);

// Every embedded table's path.
std::vector<std::string> table_paths();

// A constant is an object {"value": ..., "unit": ..., "source": key, ...} and
// a table lists its sources under "sources". Reads the value at the JSON
// pointer `pointer` of table `path`; throws std::out_of_range naming both if
// it is missing or not a number.
double constant(std::string_view path, std::string_view pointer);

}  // namespace edx::signals
