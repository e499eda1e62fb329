// The diagnosis itself: Bayesian combination of the counted observations with
// the referral context's prior over the leaves of the evidence model (deep
// gluteal subtypes, L5, S1, neither), as a point computation with the published
// values and as a seeded Monte Carlo over the Beta distributions of every
// parameter used, with the findings ranked by their likelihood ratios, the red
// flags, the next steps the review recommends, and the assumptions made.
// Decision support for a clinical neurophysiologist, not a diagnosis.
//
// For `edx analyze FILE --clinical CASE.json`:
//     const auto c = read_case_file(case_path);
//     const auto edx = edx_findings_from_results(results_document, c.symptomatic_side);
//     const auto d = diagnose(EvidenceModel::bundled(), c, edx);
//     document["diagnosis"] = to_json(d);   // diagnosis_report.hpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/edx_findings.hpp"
#include "edx/diagnosis/evidence_model.hpp"
#include "edx/diagnosis/evidence_set.hpp"

namespace edx::diagnosis {

struct DiagnosisOptions {
    int samples = 10000;                  // Monte Carlo draws; 2.5% tails rest on 250 each
    std::uint64_t seed = 0x4447534e4f5345ull;  // "DGSNOSE": the same case gives the same intervals
    void validate() const;                // throws std::invalid_argument naming the field
};

struct ProbabilitySummary {
    double point = 0.0;    // with every parameter at its published value
    double mean = 0.0;     // Monte Carlo posterior mean
    double ci95_lo = 0.0;  // 2.5% and 97.5% percentiles of the Monte Carlo
    double ci95_hi = 0.0;
};

struct HypothesisProbability {
    std::string id;  // deep_gluteal_syndrome, lumbosacral_radiculopathy, l5_radiculopathy, s1_radiculopathy, other
    std::string label;
    double prior = 0.0;
    ProbabilitySummary posterior;
};

struct SubtypeProbability {
    std::string id;
    std::string label;
    double prior_given_dgs = 0.0;
    ProbabilitySummary given_dgs;  // P(subtype | deep gluteal syndrome, evidence)
    ProbabilitySummary overall;    // P(subtype, evidence-conditioned), i.e. given_dgs x P(DGS)
};

// How one counted finding moved the result, with point values. A hypothesis
// group's likelihood mixes its leaves by their priors (deep gluteal subtypes by
// the subtype priors, L5/S1 by the referral prior).
struct Contribution {
    std::string finding;
    std::string label;
    std::string origin;
    std::string observed;
    std::string group;
    std::string favours;  // deep_gluteal_syndrome, lumbosacral_radiculopathy or other: the largest likelihood
    std::string against;  // the smallest
    double lr_dgs_vs_radiculopathy = 1.0;
    double lr_dgs_vs_other = 1.0;
    double lr_radiculopathy_vs_other = 1.0;
    double weight_log10 = 0.0;  // log10(largest / smallest likelihood): the ranking key
};

struct RedFlag {
    std::string id;
    std::string label;
    bool urgent = false;
    std::string origin;  // case field
    Provenance provenance;
};

struct NextStep {
    std::string id;
    std::string text;
    std::vector<std::string> sources;
    std::string why;  // the situation that selected it
};

struct Assumption {
    std::string text;
    std::vector<std::string> sources;
};

struct Diagnosis {
    std::string notice;  // decision support, not a diagnosis
    std::string case_id;
    std::string model_table;
    std::string referral_context;
    std::string referral_label;
    bool probabilities_apply = true;  // false when an urgent red flag is present
    std::string leading;              // deep_gluteal_syndrome, lumbosacral_radiculopathy or other (by posterior mean)
    std::vector<HypothesisProbability> posterior;
    std::vector<SubtypeProbability> subtypes;
    std::vector<Contribution> contributions;  // ranked, largest weight first
    std::vector<SetAside> not_counted;
    std::vector<RedFlag> red_flags;
    std::vector<NextStep> next_steps;
    std::vector<Assumption> assumptions;
    std::vector<std::string> notes;
    // P(deep gluteal syndrome) (point) under every referral context of the model.
    std::vector<std::pair<std::string, double>> prior_sensitivity;
    int samples = 0;
    std::uint64_t seed = 0;

    const HypothesisProbability& hypothesis(std::string_view id) const;  // throws std::out_of_range
    const SubtypeProbability& subtype(std::string_view id) const;
};

// Top-level priors of the case: its referral context's, or its custom ones.
std::vector<double> case_top_prior(const EvidenceModel& model, const ClinicalCase& c);

// Posterior over the leaves with every parameter at `values` (point values:
// model.point_values()). Deterministic; the basis of the hand-checked tests.
std::vector<double> leaf_posterior(const EvidenceModel& model, const std::vector<double>& leaf_prior,
                                   const std::vector<Observation>& counted, const std::vector<double>& values,
                                   std::optional<double> age_years);

// `analysis` holds the engine's EDX markers for the symptomatic leg (empty when
// none); the case file's electrodiagnosis entries win over them.
Diagnosis diagnose(const EvidenceModel& model, const ClinicalCase& c, const EdxFindings& analysis,
                   const DiagnosisOptions& options = {});

}  // namespace edx::diagnosis
