// A FAIR validation study on a cohort: every manifest row measured as `edx
// fair` measures it, then the accuracy of the criterion against the reference
// diagnosis (sensitivity and specificity, ROC and AUC, the Youden-optimal
// cut-off), the correlation of the delay with symptom duration, test-retest
// agreement where sessions repeat, and the size a confirmatory study needs.
// The result is plain data with a JSON form a report can draw from.
//
// Which measurement counts: each subject's primary row is its lowest-numbered
// accepted session (rejected rows never count); the accuracy, ROC, cut-off and
// correlation use the primary rows that have a delay. A subject whose primary
// row is indeterminate is indeterminate: a later session does not stand in
// for it (that would favour subjects who measure well). Test-retest uses each
// subject's two lowest-numbered accepted sessions when both have a delay.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/study/bland_altman.hpp"
#include "edx/study/buderer_sample_size.hpp"
#include "edx/study/diagnostic_accuracy.hpp"
#include "edx/study/fair_manifest.hpp"
#include "edx/study/fair_row_measurement.hpp"
#include "edx/study/intraclass_correlation.hpp"
#include "edx/study/roc_curve.hpp"
#include "edx/study/spearman_correlation.hpp"
#include "edx/study/youden_cutoff.hpp"

namespace edx::study {

struct FairStudyOptions {
    evoked::FairOptions fair;  // criterion_ms is the criterion of the accuracy statistics too
    // Half-width of the 95% intervals a confirmatory study should reach for
    // the published sensitivity and specificity.
    double precision = 0.05;
    // Of the target condition in the confirmatory study's population; unset:
    // this study's share of reference positives among the subjects with a delay.
    std::optional<double> prevalence;
    int threads = 0;  // 0: one per core
    double confidence = 0.95;
    YoudenOptions youden;  // bootstrap of the optimal cut-off (confidence follows `confidence`)
    void validate() const;  // throws std::invalid_argument naming the field
};

// One accepted manifest row and its FAIR result.
struct FairStudyRow {
    std::size_t line = 0;
    std::string subject;
    int session = 1;
    std::string file;       // as written in the manifest
    std::string recording;  // analysed
    std::string side;
    std::string reference;  // label
    bool reference_positive = false;
    std::optional<double> symptom_duration_months;
    bool primary = false;  // the subject's row the accuracy statistics use
    RowOutcome outcome = RowOutcome::measured;  // measured or indeterminate
    std::string indeterminate_reason;
    std::optional<double> delay_ms;  // FAIR minus anatomic, Hodges-Lehmann (fair_estimate.hpp)
    std::optional<double> delay_ci95_lo_ms;
    std::optional<double> delay_ci95_hi_ms;
    std::optional<double> p_value;
    std::optional<bool> significant;
    std::optional<bool> test_positive;  // delay_ms >= criterion_ms
    int n_anatomic = 0;
    int n_fair = 0;
};

struct RetestPair {
    std::string subject;
    int first_session = 0, second_session = 0;
    std::size_t first_line = 0, second_line = 0;
    double first_delay_ms = 0.0, second_delay_ms = 0.0;
};

struct FairStudyCounts {
    std::size_t manifest_rows = 0;  // data rows in the manifest
    std::size_t measured = 0;       // rows with a delay
    std::size_t indeterminate = 0;  // rows analysed without a delay
    std::size_t rejected = 0;       // rows not analysed (manifest or file problems)
    std::size_t subjects = 0;       // with at least one accepted row
    std::size_t subjects_with_delay = 0;  // primary row measured
    std::size_t reference_positive = 0;   // of those
    std::size_t reference_negative = 0;
    std::size_t subjects_indeterminate = 0;  // primary row indeterminate
    std::size_t retest_pairs = 0;
};

// The published accuracy the sample size aims to confirm.
struct PublishedAccuracy {
    double sensitivity = 0.0;
    double specificity = 0.0;
    std::string source;  // the citation from signals/
};
// Fishman 2002 (signals/evidence/dgs_vs_radiculopathy.json): 0.881 and 0.832.
PublishedAccuracy published_fair_accuracy();

struct FairStudyResult {
    std::string manifest;
    FairStudyOptions options;
    FairStudyCounts counts;
    std::vector<FairStudyRow> rows;     // accepted rows, in manifest order
    std::vector<RejectedRow> rejected;  // by line
    std::vector<RetestPair> retest;

    std::optional<DiagnosticAccuracy> accuracy;  // of options.fair.criterion_ms
    std::optional<RocCurve> roc;
    std::optional<YoudenCutoff> youden;
    std::optional<SpearmanCorrelation> duration_correlation_positive;  // reference-positive subjects
    std::optional<SpearmanCorrelation> duration_correlation_all;       // every subject with a duration
    std::optional<IntraclassCorrelation> retest_icc;
    std::optional<BlandAltman> retest_bland_altman;
    PublishedAccuracy published;
    std::optional<double> prevalence;  // the one the sample size used
    std::string prevalence_from;       // "option" or "study"
    std::optional<BudererSampleSize> sample_size;
    // Statistic -> why it could not be computed (e.g. "roc": "needs at least 2 reference negatives").
    std::map<std::string, std::string> unavailable;
};

// The statistics from the manifest and its rows' measurements (one per
// manifest.rows entry, in order).
FairStudyResult summarise_fair_study(const FairManifest& manifest, const std::vector<RowMeasurement>& measurements,
                                     const FairStudyOptions& options);

// measure_rows on options.threads threads, then summarise_fair_study.
FairStudyResult run_fair_study(const FairManifest& manifest, const FairStudyOptions& options,
                               const std::function<void(const MeasurementProgress&)>& progress = {});

// The definitions, in words, for reports.
std::string fair_study_method_description(const FairStudyOptions& options);

nlohmann::ordered_json to_json(const FairStudyRow& row);
nlohmann::ordered_json to_json(const FairStudyResult& result);

}  // namespace edx::study
