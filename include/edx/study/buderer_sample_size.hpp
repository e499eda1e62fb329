// How many subjects a diagnostic-accuracy study needs to estimate a given
// sensitivity and specificity to a chosen precision (half-width of the
// normal-approximation interval), at the prevalence of the target condition
// in the population it recruits: Buderer (1996), Acad Emerg Med 3:895-900.
#pragma once

#include <nlohmann/json.hpp>

namespace edx::study {

struct BudererSampleSize {
    double sensitivity = 0.0;  // the values to be shown
    double specificity = 0.0;
    double precision = 0.0;    // W, half-width of the interval
    double prevalence = 0.0;
    double confidence = 0.95;
    double z = 0.0;            // normal quantile at (1 + confidence) / 2
    // z^2 Se (1 - Se) / W^2 and z^2 Sp (1 - Sp) / W^2, unrounded.
    double positives_for_sensitivity = 0.0;
    double negatives_for_specificity = 0.0;
    // Those divided by prevalence and by 1 - prevalence, rounded up.
    int subjects_for_sensitivity = 0;
    int subjects_for_specificity = 0;
    int subjects = 0;  // the larger: both estimates reach the precision
};

// Throws std::invalid_argument naming the argument when sensitivity or
// specificity is outside (0, 1), precision outside (0, 0.5], prevalence
// outside (0, 1) or confidence outside (0, 1).
BudererSampleSize buderer_sample_size(double sensitivity, double specificity, double precision, double prevalence,
                                      double confidence = 0.95);

nlohmann::ordered_json to_json(const BudererSampleSize& size);

}  // namespace edx::study
