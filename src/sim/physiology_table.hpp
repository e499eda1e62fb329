// Reading the simulator's ranges from the literature tables of signals/ and
// drawing from them. Private to the sim module: each simulator's header says
// which table it reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edx/sim/random.hpp"
#include "edx/sim/evoked_potential.hpp"

namespace edx::sim::detail {

// The entry at `pointer` of table `path`; throws std::out_of_range naming both.
const nlohmann::json& entry(std::string_view path, std::string_view pointer);
double value(std::string_view path, std::string_view pointer);
std::string text(std::string_view path, std::string_view pointer);
Interval range(std::string_view path, std::string_view pointer);

// A normal (or log-normal, for positive skewed quantities) with the table's
// mean and SD, truncated to the table's min/max, else to mean +/- 2 SD.
struct Distribution {
    double mean = 0.0;
    double sd = 0.0;
    double lo = 0.0;
    double hi = 0.0;

    double draw_normal(Random& random) const;
    // Log-normal with this mean and SD, truncated to [lo, hi].
    double draw_lognormal(Random& random) const;
};
Distribution distribution(std::string_view path, std::string_view pointer);

// Draws the entry: a value is returned as is, min/max is uniform, mean/sd a truncated normal.
double draw(std::string_view path, std::string_view pointer, Random& random);

// A value that is given or else drawn. The draw always happens, so giving one
// parameter never changes what the others draw.
double given_or(const std::optional<double>& given, double drawn);

// ShapeRanges of a family: the amplitude, duration and peak ranges every
// family shares (physiology/evoked_waveform.json), with the family's
// initial-polarity probability and phase counts when its entry has them.
ShapeRanges shape_ranges(std::string_view family_path, std::string_view family_pointer);

}  // namespace edx::sim::detail
