// Spearman's rank correlation with its two-sided p-value (Student t with
// n - 2 degrees of freedom, as scipy.stats.spearmanr) and a Fisher-z interval
// with the Bonett & Wright (2000) standard error sqrt((1 + rho^2 / 2) / (n - 3)),
// which keeps its coverage for rank correlations where the Pearson SE
// 1 / sqrt(n - 3) is too narrow.
#pragma once

#include <optional>
#include <span>

#include <nlohmann/json.hpp>

namespace edx::study {

struct SpearmanCorrelation {
    int n = 0;
    double rho = 0.0;      // Pearson correlation of the ranks, ties given their mean rank
    double p_value = 1.0;  // H0: no monotone association
    // Unset when n < 4 or |rho| = 1 (Fisher's z is then unbounded).
    std::optional<double> ci_lo;
    std::optional<double> ci_hi;
    double confidence = 0.95;
};

// Throws std::invalid_argument when the sizes differ, n < 3, a value is not
// finite, either variable is constant (rho undefined), or confidence is outside (0, 1).
SpearmanCorrelation spearman_correlation(std::span<const double> x, std::span<const double> y,
                                         double confidence = 0.95);

nlohmann::ordered_json to_json(const SpearmanCorrelation& correlation);

}  // namespace edx::study
