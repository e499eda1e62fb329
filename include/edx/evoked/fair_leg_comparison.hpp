// Left and right legs compared when both were recorded with the FAIR protocol:
// the difference of their FAIR delays and the side-to-side difference of their
// anatomic (baseline) H latencies, each with a bootstrap 95% interval. The
// judgement of the side-to-side latency against its published limits belongs
// to h_norms.hpp (compare_sides); this gives the numbers with their precision.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/evoked/fair_time_course.hpp"

namespace edx::evoked {

struct FairLegComparison {
    std::string first_name, first_side;    // "first" minus "second" throughout
    std::string second_name, second_side;
    // Delay difference: needs both legs' delays (status ok in both).
    std::optional<double> delay_difference_ms;  // first delay minus second delay
    std::optional<double> delay_difference_ci95_lo_ms;
    std::optional<double> delay_difference_ci95_hi_ms;
    std::optional<bool> delay_difference_significant;  // the interval excludes 0
    // Baseline: Hodges-Lehmann shift of the first leg's anatomic baseline
    // latencies against the second's; needs min_sweeps_per_position in each.
    std::optional<double> baseline_difference_ms;
    std::optional<double> baseline_difference_ci95_lo_ms;
    std::optional<double> baseline_difference_ci95_hi_ms;
    std::optional<double> first_anatomic_latency_ms;  // baseline medians
    std::optional<double> second_anatomic_latency_ms;
    std::string note;  // why a value is missing, empty when none is
};

// Each leg is analysed as analyze_fair does; the intervals come from
// options.bootstrap_resamples replicates in which both legs are resampled
// independently (a generator seeded from options.seed, distinct from the
// single-leg one). Throws std::invalid_argument as analyze_fair does.
FairLegComparison compare_fair_legs(const FairTimeCourse& first, const FairTimeCourse& second,
                                    const FairOptions& options = {});

nlohmann::ordered_json to_json(const FairLegComparison& comparison);

}  // namespace edx::evoked
