#include "edx/study/buderer_sample_size.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "argument_checks.hpp"

namespace edx::study {

BudererSampleSize buderer_sample_size(double sensitivity, double specificity, double precision, double prevalence,
                                      double confidence) {
    auto open_unit = [](double v) { return v > 0.0 && v < 1.0; };
    if (!open_unit(sensitivity)) throw std::invalid_argument("buderer_sample_size: sensitivity must be in (0, 1)");
    if (!open_unit(specificity)) throw std::invalid_argument("buderer_sample_size: specificity must be in (0, 1)");
    if (!(precision > 0.0 && precision <= 0.5)) {
        throw std::invalid_argument("buderer_sample_size: precision (half-width) must be in (0, 0.5]");
    }
    if (!open_unit(prevalence)) throw std::invalid_argument("buderer_sample_size: prevalence must be in (0, 1)");
    detail::require_confidence(confidence, "buderer_sample_size");
    BudererSampleSize s;
    s.sensitivity = sensitivity;
    s.specificity = specificity;
    s.precision = precision;
    s.prevalence = prevalence;
    s.confidence = confidence;
    s.z = detail::two_sided_z(confidence);
    const double w2 = precision * precision;
    s.positives_for_sensitivity = s.z * s.z * sensitivity * (1.0 - sensitivity) / w2;
    s.negatives_for_specificity = s.z * s.z * specificity * (1.0 - specificity) / w2;
    s.subjects_for_sensitivity = static_cast<int>(std::ceil(s.positives_for_sensitivity / prevalence));
    s.subjects_for_specificity = static_cast<int>(std::ceil(s.negatives_for_specificity / (1.0 - prevalence)));
    s.subjects = std::max(s.subjects_for_sensitivity, s.subjects_for_specificity);
    return s;
}

nlohmann::ordered_json to_json(const BudererSampleSize& s) {
    return {{"subjects", s.subjects},
            {"subjects_for_sensitivity", s.subjects_for_sensitivity},
            {"subjects_for_specificity", s.subjects_for_specificity},
            {"positives_for_sensitivity", s.positives_for_sensitivity},
            {"negatives_for_specificity", s.negatives_for_specificity},
            {"sensitivity", s.sensitivity},
            {"specificity", s.specificity},
            {"precision", s.precision},
            {"prevalence", s.prevalence},
            {"confidence", s.confidence},
            {"z", s.z},
            {"method", "Buderer 1996: z^2 Se(1-Se) / (W^2 prevalence) and z^2 Sp(1-Sp) / (W^2 (1 - prevalence)), "
                       "each rounded up; the larger"}};
}

}  // namespace edx::study
