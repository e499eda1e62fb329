// Sensitivity and specificity of a criterion on a continuous test result
// (the FAIR delay): the test is positive when the value is at or above the
// criterion, as edx fair calls a leg positive (fair_estimate.hpp), and each
// proportion carries its Wilson interval.
#pragma once

#include <span>

#include <nlohmann/json.hpp>

#include "edx/study/wilson_interval.hpp"

namespace edx::study {

struct DiagnosticAccuracy {
    double criterion = 0.0;  // in the test value's unit
    int true_positives = 0;  // reference positive, value >= criterion
    int false_negatives = 0;
    int true_negatives = 0;  // reference negative, value < criterion
    int false_positives = 0;
    ProportionEstimate sensitivity;  // true_positives / reference positives
    ProportionEstimate specificity;  // true_negatives / reference negatives
};

// `positives` and `negatives`: the test values of the subjects the reference
// standard calls positive and negative. Throws std::invalid_argument when
// either is empty, a value or the criterion is not finite, or confidence is
// outside (0, 1).
DiagnosticAccuracy diagnostic_accuracy(std::span<const double> positives, std::span<const double> negatives,
                                       double criterion, double confidence = 0.95);

nlohmann::ordered_json to_json(const DiagnosticAccuracy& accuracy);

}  // namespace edx::study
