// Reading the needle-EMG tables of signals/ (physiology/needle_emg.json,
// norms/muap_norms.json, norms/spontaneous_activity_grade.json): each lookup
// names the table and the JSON pointer when the entry is missing or malformed.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "edx/sim/interval.hpp"

namespace edx::sim::needle_table {

inline constexpr std::string_view physiology = "physiology/needle_emg.json";
inline constexpr std::string_view muap_norms = "norms/muap_norms.json";
inline constexpr std::string_view grades = "norms/spontaneous_activity_grade.json";

// The object at `pointer` in table `path`; throws std::out_of_range naming both.
const nlohmann::json& entry(std::string_view path, std::string_view pointer);
// A constant's "value".
double value(std::string_view path, std::string_view pointer);
// {"min", "max"} as an interval, or {"value"} as a one-point interval.
Interval interval(std::string_view path, std::string_view pointer);
// A named number of an entry (e.g. "mean", "sd", "median", "log_sd").
double field(std::string_view path, std::string_view pointer, std::string_view name);
bool has(std::string_view path, std::string_view pointer);

}  // namespace edx::sim::needle_table
