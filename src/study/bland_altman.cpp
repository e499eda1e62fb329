#include "edx/study/bland_altman.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "argument_checks.hpp"

namespace edx::study {

BlandAltman bland_altman(std::span<const double> first, std::span<const double> second, double confidence) {
    constexpr std::string_view fn = "bland_altman";
    detail::require_confidence(confidence, fn);
    if (first.size() != second.size()) throw std::invalid_argument("bland_altman: first and second differ in length");
    if (first.size() < 2) throw std::invalid_argument("bland_altman: needs at least 2 pairs");
    detail::require_finite(first, fn, "first");
    detail::require_finite(second, fn, "second");
    const double n = static_cast<double>(first.size());
    std::vector<double> d(first.size());
    double mean = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        d[i] = second[i] - first[i];
        mean += d[i];
    }
    mean /= n;
    double ss = 0.0;
    for (double v : d) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / (n - 1.0));

    // The limits hold 95% of differences whatever `confidence` the intervals have.
    const double z = detail::two_sided_z(0.95);
    const double t = boost::math::quantile(boost::math::students_t(n - 1.0), 0.5 + confidence / 2.0);
    const double bias_se = sd / std::sqrt(n);
    const double limit_se = sd * std::sqrt(1.0 / n + z * z / (2.0 * (n - 1.0)));
    BlandAltman b;
    b.pairs = static_cast<int>(d.size());
    b.confidence = confidence;
    b.bias = mean;
    b.sd_difference = sd;
    b.bias_ci_lo = mean - t * bias_se;
    b.bias_ci_hi = mean + t * bias_se;
    b.lower_limit = mean - z * sd;
    b.upper_limit = mean + z * sd;
    b.lower_limit_ci_lo = b.lower_limit - t * limit_se;
    b.lower_limit_ci_hi = b.lower_limit + t * limit_se;
    b.upper_limit_ci_lo = b.upper_limit - t * limit_se;
    b.upper_limit_ci_hi = b.upper_limit + t * limit_se;
    return b;
}

nlohmann::ordered_json to_json(const BlandAltman& b) {
    return {{"pairs", b.pairs},
            {"bias", b.bias},
            {"bias_ci", {b.bias_ci_lo, b.bias_ci_hi}},
            {"sd_difference", b.sd_difference},
            {"lower_limit", b.lower_limit},
            {"lower_limit_ci", {b.lower_limit_ci_lo, b.lower_limit_ci_hi}},
            {"upper_limit", b.upper_limit},
            {"upper_limit_ci", {b.upper_limit_ci_lo, b.upper_limit_ci_hi}},
            {"confidence", b.confidence},
            {"method", "differences second - first; limits bias -/+ 1.96 SD (exact z); bias interval t; limit "
                       "intervals Bland & Altman 1999, SE = SD sqrt(1/n + z^2/(2(n-1)))"}};
}

}  // namespace edx::study
