#include "edx/study/diagnostic_accuracy.hpp"

#include <cmath>
#include <stdexcept>

#include "argument_checks.hpp"

namespace edx::study {

DiagnosticAccuracy diagnostic_accuracy(std::span<const double> positives, std::span<const double> negatives,
                                       double criterion, double confidence) {
    constexpr std::string_view fn = "diagnostic_accuracy";
    detail::require_confidence(confidence, fn);
    if (positives.empty() || negatives.empty()) {
        throw std::invalid_argument("diagnostic_accuracy: needs at least one reference positive and one negative");
    }
    if (!std::isfinite(criterion)) throw std::invalid_argument("diagnostic_accuracy: criterion is not finite");
    detail::require_finite(positives, fn, "positives");
    detail::require_finite(negatives, fn, "negatives");
    DiagnosticAccuracy a;
    a.criterion = criterion;
    for (double v : positives) (v >= criterion ? a.true_positives : a.false_negatives)++;
    for (double v : negatives) (v >= criterion ? a.false_positives : a.true_negatives)++;
    a.sensitivity = wilson_interval(a.true_positives, static_cast<int>(positives.size()), confidence);
    a.specificity = wilson_interval(a.true_negatives, static_cast<int>(negatives.size()), confidence);
    return a;
}

nlohmann::ordered_json to_json(const DiagnosticAccuracy& a) {
    return {{"criterion", a.criterion},
            {"rule", "test positive when the value is at or above the criterion"},
            {"true_positives", a.true_positives},
            {"false_negatives", a.false_negatives},
            {"true_negatives", a.true_negatives},
            {"false_positives", a.false_positives},
            {"sensitivity", to_json(a.sensitivity)},
            {"specificity", to_json(a.specificity)}};
}

}  // namespace edx::study
