#include "physiology_table.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::sim::detail {

namespace {
std::string where(std::string_view path, std::string_view pointer) {
    return "signals/" + std::string(path) + " " + std::string(pointer);
}

double number(const nlohmann::json& node, const char* key, std::string_view path, std::string_view pointer) {
    if (!node.contains(key) || !node.at(key).is_number()) {
        throw std::out_of_range(where(path, pointer) + " has no number '" + key + "'");
    }
    return node.at(key).get<double>();
}
}  // namespace

const nlohmann::json& entry(std::string_view path, std::string_view pointer) {
    const auto& table = edx::signals::table(path);
    const nlohmann::json::json_pointer ptr{std::string(pointer)};
    if (!table.contains(ptr)) throw std::out_of_range(where(path, pointer) + " does not exist");
    return table.at(ptr);
}

double value(std::string_view path, std::string_view pointer) {
    return number(entry(path, pointer), "value", path, pointer);
}

std::string text(std::string_view path, std::string_view pointer) {
    const auto& e = entry(path, pointer);
    if (!e.is_string()) throw std::out_of_range(where(path, pointer) + " is not a string");
    return e.get<std::string>();
}

Interval range(std::string_view path, std::string_view pointer) {
    const auto& e = entry(path, pointer);
    return {number(e, "min", path, pointer), number(e, "max", path, pointer)};
}

Distribution distribution(std::string_view path, std::string_view pointer) {
    const auto& e = entry(path, pointer);
    Distribution d;
    d.mean = number(e, "mean", path, pointer);
    d.sd = number(e, "sd", path, pointer);
    d.lo = e.contains("min") ? number(e, "min", path, pointer) : d.mean - 2.0 * d.sd;
    d.hi = e.contains("max") ? number(e, "max", path, pointer) : d.mean + 2.0 * d.sd;
    return d;
}

double Distribution::draw_normal(Random& random) const {
    // Rejection keeps the shape of the normal inside the bounds; the bounds
    // hold at least a few per cent of the mass for every table entry, so the
    // loop ends quickly, and the clamp only guards a degenerate table.
    for (int i = 0; i < 1000; ++i) {
        const double x = random.normal(mean, sd);
        if (x >= lo && x <= hi) return x;
    }
    return std::clamp(mean, lo, hi);
}

double Distribution::draw_lognormal(Random& random) const {
    const double s2 = std::log1p((sd / mean) * (sd / mean));
    const double mu = std::log(mean) - s2 / 2.0;
    const double s = std::sqrt(s2);
    // Truncated to +/- 2 SD in log space and to the table's bounds if positive.
    const double lo_b = std::max(std::exp(mu - 2.0 * s), lo > 0.0 ? lo : 0.0);
    const double hi_b = std::exp(mu + 2.0 * s);
    for (int i = 0; i < 1000; ++i) {
        const double x = std::exp(random.normal(mu, s));
        if (x >= lo_b && x <= hi_b) return x;
    }
    return mean;
}

double draw(std::string_view path, std::string_view pointer, Random& random) {
    const auto& e = entry(path, pointer);
    if (e.contains("value")) return number(e, "value", path, pointer);
    if (e.contains("mean")) return distribution(path, pointer).draw_normal(random);
    const Interval r = range(path, pointer);
    return random.uniform(r.min, r.max);  // always one draw, even for a one-point range
}

double given_or(const std::optional<double>& given, double drawn) { return given ? *given : drawn; }

ShapeRanges shape_ranges(std::string_view family_path, std::string_view family_pointer) {
    const std::string_view path = "physiology/evoked_waveform.json";
    const std::string c = "/common", f(family_pointer);
    ShapeRanges r;
    r.lead_positive_amplitude = range(path, c + "/lead_positive_amplitude");
    r.trailing_positive_amplitude = range(path, c + "/trailing_positive_amplitude");
    r.tail_amplitude = range(path, c + "/tail_amplitude");
    r.lead_positive_weight = range(path, c + "/lead_positive_weight");
    r.trailing_positive_weight = range(path, c + "/trailing_positive_weight");
    r.tail_weight = range(path, c + "/tail_weight");
    r.peak_position = range(path, c + "/peak_position");
    r.onset_slope_factor = range(path, c + "/onset_slope_factor");
    const auto& fam = entry(family_path, family_pointer);
    if (fam.contains("initial_positive_probability")) {
        r.initial_positive_probability = value(family_path, f + "/initial_positive_probability");
        r.min_phases = static_cast<int>(value(family_path, f + "/min_phases"));
        r.max_phases = static_cast<int>(value(family_path, f + "/max_phases"));
    }
    r.validate();
    return r;
}

}  // namespace edx::sim::detail
