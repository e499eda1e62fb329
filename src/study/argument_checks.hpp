// The checks every statistic of the study module makes on its arguments, and
// the normal quantile they share. Private to the module.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace edx::study::detail {

// Throws std::invalid_argument "<function>: confidence must be in (0, 1)".
void require_confidence(double confidence, std::string_view function);
// Throws std::invalid_argument "<function>: <what>[i] is not finite" for the first non-finite value.
void require_finite(std::span<const double> values, std::string_view function, std::string_view what);
// The scores of the reference positives and negatives, each checked finite and
// sorted ascending; throws std::invalid_argument "<function>: needs at least
// <at_least> reference positives and <at_least> negatives" when either has fewer.
struct SortedScores {
    std::vector<double> positives, negatives;
};
SortedScores sorted_scores(std::span<const double> positives, std::span<const double> negatives,
                           std::string_view function, std::size_t at_least);
// The two-sided normal quantile z with P(|Z| <= z) = confidence (1.959964 at 0.95).
double two_sided_z(double confidence);

}  // namespace edx::study::detail
