#include "edx/study/spearman_correlation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "argument_checks.hpp"

namespace edx::study {

namespace {

// Ranks 1..n, ties given the mean of the ranks they span.
std::vector<double> average_ranks(std::span<const double> v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> rank(v.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
        const double mean_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (std::size_t k = i; k <= j; ++k) rank[order[k]] = mean_rank;
        i = j + 1;
    }
    return rank;
}

}  // namespace

SpearmanCorrelation spearman_correlation(std::span<const double> x, std::span<const double> y, double confidence) {
    constexpr std::string_view fn = "spearman_correlation";
    detail::require_confidence(confidence, fn);
    if (x.size() != y.size()) throw std::invalid_argument("spearman_correlation: x and y differ in length");
    if (x.size() < 3) throw std::invalid_argument("spearman_correlation: needs at least 3 pairs");
    detail::require_finite(x, fn, "x");
    detail::require_finite(y, fn, "y");
    const std::vector<double> rx = average_ranks(x);
    const std::vector<double> ry = average_ranks(y);
    const double n = static_cast<double>(x.size());
    const double mean = (n + 1.0) / 2.0;  // of either rank vector, ties or not
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (std::size_t i = 0; i < rx.size(); ++i) {
        sxy += (rx[i] - mean) * (ry[i] - mean);
        sxx += (rx[i] - mean) * (rx[i] - mean);
        syy += (ry[i] - mean) * (ry[i] - mean);
    }
    if (sxx == 0.0 || syy == 0.0) {
        throw std::invalid_argument("spearman_correlation: a variable is constant, the correlation is undefined");
    }
    SpearmanCorrelation s;
    s.n = static_cast<int>(x.size());
    s.confidence = confidence;
    s.rho = std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
    const double df = n - 2.0;
    if (std::abs(s.rho) >= 1.0) {
        s.p_value = 0.0;
    } else {
        const double t = s.rho * std::sqrt(df / ((1.0 + s.rho) * (1.0 - s.rho)));
        s.p_value = 2.0 * boost::math::cdf(boost::math::complement(boost::math::students_t(df), std::abs(t)));
    }
    if (s.n > 3 && std::abs(s.rho) < 1.0) {
        const double se = std::sqrt((1.0 + s.rho * s.rho / 2.0) / (n - 3.0));
        const double z = std::atanh(s.rho);
        const double zc = detail::two_sided_z(confidence);
        s.ci_lo = std::tanh(z - zc * se);
        s.ci_hi = std::tanh(z + zc * se);
    }
    return s;
}

nlohmann::ordered_json to_json(const SpearmanCorrelation& s) {
    nlohmann::ordered_json ci = nullptr;
    if (s.ci_lo && s.ci_hi) ci = {*s.ci_lo, *s.ci_hi};
    return {{"n", s.n},
            {"rho", s.rho},
            {"p_value", s.p_value},
            {"ci", ci},
            {"confidence", s.confidence},
            {"method", "Spearman rank correlation (mid-ranks for ties); p from Student t with n - 2 df; interval "
                       "by Fisher z with the Bonett-Wright SE sqrt((1 + rho^2/2) / (n - 3))"}};
}

}  // namespace edx::study
