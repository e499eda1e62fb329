// Normative comparison of the soleus H-reflex: the expected onset latency from
// leg length and age by the regression in signals/norms/h_reflex_latency.json
// (Braddom & Johnson 1974, coefficients unverified, and every result says so),
// and the side-to-side latency difference against its published limit
// (signals/norms/h_reflex_side_to_side.json), the limit chosen by age.
#pragma once

#include <optional>
#include <string>

#include "edx/io/recording.hpp"

namespace edx::evoked {

struct ExpectedHLatency {
    double latency_ms = 0.0;
    double leg_length_cm = 0.0;
    double age_years = 0.0;
    std::string leg_length_from;  // "leg_length_cm" or "height_cm x leg_length_per_height (assumption)"
    std::string status;           // weakest status of the constants used: "unverified" for the regression
    std::string source;           // e.g. "Braddom & Johnson 1974 (coefficients unverified)"
};

// nullopt when the age or both leg length and height are missing. Height is
// turned into a leg length with the anthropometric ratio of
// signals/physiology/anthropometry.json (an assumption, said in leg_length_from).
std::optional<ExpectedHLatency> expected_h_latency(const SubjectMeasures& subject);

struct SideToSideLimit {
    double limit_ms = 0.0;
    std::string source;  // citation key, e.g. "Falco94"
    std::string status;  // "verified"
    std::string rule;    // why this limit: e.g. "age >= 60 years: elderly limit"
};

// The limit for a subject of this age: the elderly limit [Falco94] from the
// table's age on, otherwise the adult limit [Busch-H] (mean + 2 SD); unknown
// age takes the adult limit. The classic 1.5 ms [Sung99] is reported beside it.
SideToSideLimit side_to_side_limit(std::optional<double> age_years);

struct SideToSideComparison {
    double left_latency_ms = 0.0;
    double right_latency_ms = 0.0;
    double difference_ms = 0.0;  // |left - right|
    SideToSideLimit limit;
    bool beyond_limit = false;            // difference_ms > limit.limit_ms
    double classic_limit_ms = 0.0;        // 1.5 ms [Sung99]
    bool beyond_classic_limit = false;
};

SideToSideComparison compare_sides(double left_latency_ms, double right_latency_ms,
                                   std::optional<double> age_years);

}  // namespace edx::evoked
