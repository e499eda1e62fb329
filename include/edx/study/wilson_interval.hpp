// A binomial proportion with its Wilson score interval (Wilson 1927): the
// interval statsmodels' proportion_confint(method="wilson") gives, which keeps
// its coverage near the nominal level for small samples and proportions near
// 0 or 1, where the Wald interval fails (sensitivities of 0.9 in 40 patients).
#pragma once

#include <nlohmann/json.hpp>

namespace edx::study {

struct ProportionEstimate {
    int successes = 0;
    int trials = 0;
    double proportion = 0.0;  // successes / trials
    double ci_lo = 0.0;       // Wilson interval at `confidence`
    double ci_hi = 0.0;
    double confidence = 0.95;
};

// Throws std::invalid_argument when trials < 1, successes is outside
// [0, trials] or confidence is outside (0, 1).
ProportionEstimate wilson_interval(int successes, int trials, double confidence = 0.95);

// {"proportion", "successes", "trials", "ci": [lo, hi], "confidence", "method"}
nlohmann::ordered_json to_json(const ProportionEstimate& estimate);

}  // namespace edx::study
