#include "argument_checks.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/normal.hpp>

namespace edx::study::detail {

void require_confidence(double confidence, std::string_view function) {
    if (!(confidence > 0.0 && confidence < 1.0)) {
        throw std::invalid_argument(std::string(function) + ": confidence must be in (0, 1)");
    }
}

void require_finite(std::span<const double> values, std::string_view function, std::string_view what) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            throw std::invalid_argument(std::string(function) + ": " + std::string(what) + "[" + std::to_string(i) +
                                        "] is not finite");
        }
    }
}

SortedScores sorted_scores(std::span<const double> positives, std::span<const double> negatives,
                           std::string_view function, std::size_t at_least) {
    if (positives.size() < at_least || negatives.size() < at_least) {
        throw std::invalid_argument(std::string(function) + ": needs at least " + std::to_string(at_least) +
                                    " reference positives and " + std::to_string(at_least) + " negatives");
    }
    require_finite(positives, function, "positives");
    require_finite(negatives, function, "negatives");
    SortedScores s{{positives.begin(), positives.end()}, {negatives.begin(), negatives.end()}};
    std::sort(s.positives.begin(), s.positives.end());
    std::sort(s.negatives.begin(), s.negatives.end());
    return s;
}

double two_sided_z(double confidence) {
    return boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2.0);
}

}  // namespace edx::study::detail
