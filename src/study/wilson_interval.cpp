#include "edx/study/wilson_interval.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "argument_checks.hpp"

namespace edx::study {

ProportionEstimate wilson_interval(int successes, int trials, double confidence) {
    detail::require_confidence(confidence, "wilson_interval");
    if (trials < 1) throw std::invalid_argument("wilson_interval: trials must be >= 1");
    if (successes < 0 || successes > trials) {
        throw std::invalid_argument("wilson_interval: successes must be in [0, trials]");
    }
    const double n = trials;
    const double p = successes / n;
    const double z = detail::two_sided_z(confidence);
    const double z2 = z * z;
    const double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    const double half = z / (1.0 + z2 / n) * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
    ProportionEstimate e;
    e.successes = successes;
    e.trials = trials;
    e.proportion = p;
    // At p = 0 or 1 the bound is exactly 0 or 1; rounding would leave it a hair inside or out.
    e.ci_lo = successes == 0 ? 0.0 : std::clamp(centre - half, 0.0, 1.0);
    e.ci_hi = successes == trials ? 1.0 : std::clamp(centre + half, 0.0, 1.0);
    e.confidence = confidence;
    return e;
}

nlohmann::ordered_json to_json(const ProportionEstimate& e) {
    return {{"proportion", e.proportion},
            {"successes", e.successes},
            {"trials", e.trials},
            {"ci", {e.ci_lo, e.ci_hi}},
            {"confidence", e.confidence},
            {"method", "Wilson score interval"}};
}

}  // namespace edx::study
