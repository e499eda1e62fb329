// Bland-Altman agreement of paired measurements (second minus first): the
// bias with its t interval and the 95% limits of agreement bias +/- z SD, each
// limit with the interval of Bland & Altman (1999): SE = SD sqrt(1/n + z^2 / (2 (n - 1))).
// z is the exact normal quantile (1.95996 at 95%), not 1.96 or 2.
#pragma once

#include <span>

#include <nlohmann/json.hpp>

namespace edx::study {

struct BlandAltman {
    int pairs = 0;
    double bias = 0.0;           // mean of second - first
    double sd_difference = 0.0;  // SD of the differences (n - 1)
    double bias_ci_lo = 0.0, bias_ci_hi = 0.0;
    double lower_limit = 0.0, lower_limit_ci_lo = 0.0, lower_limit_ci_hi = 0.0;
    double upper_limit = 0.0, upper_limit_ci_lo = 0.0, upper_limit_ci_hi = 0.0;
    double confidence = 0.95;  // of the intervals; the limits hold 95% of differences
};

// Throws std::invalid_argument when the sizes differ, there are fewer than 2
// pairs, a value is not finite, or confidence is outside (0, 1).
BlandAltman bland_altman(std::span<const double> first, std::span<const double> second, double confidence = 0.95);

nlohmann::ordered_json to_json(const BlandAltman& agreement);

}  // namespace edx::study
