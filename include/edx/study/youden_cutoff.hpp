// The cut-off that maximises Youden's index J = sensitivity + specificity - 1
// over the observed values (test positive at or above it), with a seeded,
// stratified percentile-bootstrap interval: the optimal cut-off of a study is
// itself an estimate, and a small study's optimum moves a lot between samples.
#pragma once

#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

namespace edx::study {

struct YoudenOptions {
    // 2000 replicates: the 2.5% and 97.5% percentiles rest on 50 replicates each.
    int resamples = 2000;
    std::uint64_t seed = 0x594f5544454eull;  // "YOUDEN"
    double confidence = 0.95;
    void validate() const;  // throws std::invalid_argument naming the field
};

struct YoudenCutoff {
    // The observed value with the largest J; among equal J, the highest such
    // value (fewer false positives for the same J).
    double cutoff = 0.0;
    double youden_index = 0.0;  // J at the cut-off
    double sensitivity = 0.0;
    double specificity = 0.0;
    // Percentile interval of the cut-off over `resamples` replicates, each
    // resampling the positives and the negatives with replacement separately
    // (so both groups keep their sizes); percentiles by linear interpolation
    // between order statistics (numpy's default, Hyndman & Fan type 7).
    double ci_lo = 0.0;
    double ci_hi = 0.0;
    int resamples = 0;
    std::uint64_t seed = 0;
    double confidence = 0.95;
};

// Throws std::invalid_argument when either group is empty, a value is not
// finite, or the options are invalid. The same values, options and seed give
// the same interval on every platform.
YoudenCutoff youden_cutoff(std::span<const double> positives, std::span<const double> negatives,
                           const YoudenOptions& options = {});

nlohmann::ordered_json to_json(const YoudenCutoff& cutoff);

}  // namespace edx::study
