// The empirical ROC curve of a continuous test and its area with the DeLong,
// DeLong & Clarke-Pearson (1988) variance: nonparametric, ties counted one
// half, the interval AUC +/- z SE clipped to [0, 1].
#pragma once

#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::study {

// The test positive when value >= threshold.
struct RocPoint {
    std::optional<double> threshold;  // unset for the origin (no value called positive)
    int true_positives = 0;
    int false_positives = 0;
    double sensitivity = 0.0;          // true positive rate
    double false_positive_rate = 0.0;  // 1 - specificity
};

struct RocCurve {
    int positives = 0;
    int negatives = 0;
    // From the origin, then one point per distinct value (descending), ending at (1, 1).
    std::vector<RocPoint> points;
    // P(positive's value > negative's) + P(tie) / 2: the Mann-Whitney U / (n1 n0)
    // and the trapezoidal area under `points`.
    double auc = 0.0;
    // DeLong: var(V10) / n1 + var(V01) / n0 over the placement values, each
    // variance with n - 1 in the denominator.
    double auc_variance = 0.0;
    double auc_se = 0.0;
    double auc_ci_lo = 0.0;  // auc -/+ z(confidence) se, clipped to [0, 1]
    double auc_ci_hi = 0.0;
    double confidence = 0.95;
};

// Throws std::invalid_argument when either group has fewer than 2 values (the
// DeLong variance needs two), a value is not finite, or confidence is outside (0, 1).
RocCurve roc_curve(std::span<const double> positives, std::span<const double> negatives, double confidence = 0.95);

nlohmann::ordered_json to_json(const RocCurve& curve);

}  // namespace edx::study
