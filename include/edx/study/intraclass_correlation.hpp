// Test-retest reliability as ICC(2,1) (Shrout & Fleiss 1979): two-way random
// effects, absolute agreement, single measurement, from the two-way ANOVA mean
// squares of a subjects x sessions table, with the McGraw & Wong (1996, case
// 2A) interval and its Satterthwaite degrees of freedom. Absolute agreement,
// because a systematic shift between sessions moves a delay across the criterion.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::study {

struct IntraclassCorrelation {
    int subjects = 0;  // n, rows
    int sessions = 0;  // k, columns
    double icc = 0.0;  // (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
    // Unset when the ICC is 1 (no error variance: the interval degenerates).
    std::optional<double> ci_lo;
    std::optional<double> ci_hi;
    double ms_subjects = 0.0;  // MSR, n - 1 degrees of freedom
    double ms_sessions = 0.0;  // MSC, k - 1
    double ms_error = 0.0;     // MSE, (n - 1)(k - 1)
    std::optional<double> df_satterthwaite;  // of the interval's F quantiles
    double confidence = 0.95;
};

// `ratings[i][j]`: subject i, session j. Throws std::invalid_argument when
// there are fewer than 2 subjects or 2 sessions, the rows differ in length, a
// value is not finite, every value is the same, or confidence is outside (0, 1).
IntraclassCorrelation intraclass_correlation_2_1(const std::vector<std::vector<double>>& ratings,
                                                 double confidence = 0.95);

nlohmann::ordered_json to_json(const IntraclassCorrelation& icc);

}  // namespace edx::study
