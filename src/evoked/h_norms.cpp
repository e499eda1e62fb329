#include "edx/evoked/h_norms.hpp"

#include <cmath>
#include <string>

#include "edx/signals/table.hpp"

namespace edx::evoked {

namespace {
constexpr std::string_view kLatency = "norms/h_reflex_latency.json";
constexpr std::string_view kSides = "norms/h_reflex_side_to_side.json";
constexpr std::string_view kAnthropometry = "physiology/anthropometry.json";

std::string status_of(std::string_view table, std::string_view pointer) {
    return signals::table(table).at(nlohmann::json::json_pointer(std::string(pointer))).at("status").get<std::string>();
}
}  // namespace

std::optional<ExpectedHLatency> expected_h_latency(const SubjectMeasures& subject) {
    if (!subject.age_years || !(subject.leg_length_cm || subject.height_cm)) return std::nullopt;
    ExpectedHLatency e;
    e.age_years = *subject.age_years;
    if (subject.leg_length_cm) {
        e.leg_length_cm = *subject.leg_length_cm;
        e.leg_length_from = "leg_length_cm";
    } else {
        const double ratio = signals::constant(kAnthropometry, "/leg_length_per_height");
        e.leg_length_cm = ratio * *subject.height_cm;
        e.leg_length_from = "height_cm x " + std::to_string(ratio).substr(0, 4) + " (leg_length_per_height, " +
                            status_of(kAnthropometry, "/leg_length_per_height") + ")";
    }
    e.latency_ms = signals::constant(kLatency, "/regression/intercept_ms") +
                   signals::constant(kLatency, "/regression/per_leg_length_ms_per_cm") * e.leg_length_cm +
                   signals::constant(kLatency, "/regression/per_age_ms_per_year") * e.age_years;
    // The weakest status of the three coefficients (all three are "unverified" today).
    e.status = "verified";
    for (const char* p : {"/regression/intercept_ms", "/regression/per_leg_length_ms_per_cm", "/regression/per_age_ms_per_year"}) {
        const std::string s = status_of(kLatency, p);
        if (s != "verified") e.status = s;
    }
    e.source = "Braddom & Johnson 1974 (coefficients " + e.status + ")";
    return e;
}

SideToSideLimit side_to_side_limit(std::optional<double> age_years) {
    SideToSideLimit l;
    const double elderly_from = signals::constant(kSides, "/elderly_from_age_years");
    if (age_years && *age_years >= elderly_from) {
        l.limit_ms = signals::constant(kSides, "/elderly_limit_ms");
        l.source = "Falco94";
        l.status = status_of(kSides, "/elderly_limit_ms");
        l.rule = "age >= " + std::to_string(static_cast<int>(elderly_from)) + " years: limit of healthy people aged 60-88";
    } else {
        l.limit_ms = signals::constant(kSides, "/adult_limit_ms");
        l.source = "Busch-H";
        l.status = status_of(kSides, "/adult_limit_ms");
        l.rule = age_years ? "age < " + std::to_string(static_cast<int>(elderly_from)) + " years: adult limit (mean + 2 SD)"
                           : "age unknown: adult limit (mean + 2 SD)";
    }
    return l;
}

SideToSideComparison compare_sides(double left_latency_ms, double right_latency_ms, std::optional<double> age_years) {
    SideToSideComparison c;
    c.left_latency_ms = left_latency_ms;
    c.right_latency_ms = right_latency_ms;
    c.difference_ms = std::abs(left_latency_ms - right_latency_ms);
    c.limit = side_to_side_limit(age_years);
    c.beyond_limit = c.difference_ms > c.limit.limit_ms;
    c.classic_limit_ms = signals::constant(kSides, "/classic_limit_ms");
    c.beyond_classic_limit = c.difference_ms > c.classic_limit_ms;
    return c;
}

}  // namespace edx::evoked
