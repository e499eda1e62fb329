// What a case contributes to the inference: every finding observed (examination,
// history, imaging, electrodiagnosis) as an observation of a model finding, and
// which of them count once the dependence rule has been applied. Findings not
// observed are absent evidence, never negative.
//
// Dependence rule: the findings of one group of the evidence model (one
// manoeuvre family, one examination read as a whole) are not independent, so
// only one observation per group counts. When every part of one of the group's
// combined rows (a Table I "A or B" / "A and B" row) was observed, the combined
// row replaces its parts; then the observation with the largest informativeness
// counts. Informativeness is the spread of the point log likelihoods of the
// observed state across the hypotheses with a nonzero prior:
// max_h log P(obs | h) - min_h log P(obs | h). Groups are taken as conditionally
// independent given the hypothesis.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/edx_findings.hpp"
#include "edx/diagnosis/evidence_model.hpp"

namespace edx::diagnosis {

struct Observation {
    int finding = -1;
    // Probability that the finding is positive: 1 (positive), 0 (negative), or
    // in between for a FAIR delay whose 95% interval straddles the criterion
    // (the probability that the true delay lies beyond it, normal approximation).
    // The likelihood is q P(+|h) + (1 - q) P(-|h).
    double p_positive = 1.0;
    std::string origin;  // the case field or EDX marker, e.g. "examination.freiberg"
    std::string shown;   // the observed state in words
};

struct SetAside {
    std::string finding;  // model finding id
    std::string origin;
    std::string reason;
};

struct EvidenceSet {
    std::vector<Observation> observed;  // every observation, before the dependence rule
    std::vector<Observation> counted;   // what enters the inference
    std::vector<SetAside> set_aside;    // observed but not counted, with the reason
    std::vector<std::string> notes;     // e.g. timing of needle EMG, age correction
};

// P(observation | leaf) for parameter values `values` (point or one draw).
double observation_likelihood(const EvidenceModel& model, const Observation& obs, int leaf,
                              const std::vector<double>& values, std::optional<double> age_years);

// max_h log P(obs | h) - min_h log P(obs | h) over leaves with leaf_prior > 0, point values.
double informativeness(const EvidenceModel& model, const Observation& obs, const std::vector<double>& leaf_prior,
                       std::optional<double> age_years);

// Observations of the case and of the EDX findings (already merged with the
// clinician's entries), the referral context's implied findings set aside, and
// the dependence rule applied. Throws edx::InputError (case file, field) when a
// finding contradicts the referral context (e.g. a compressive lumbar lesion
// with the context "sciatica with no corresponding lumbar lesion").
EvidenceSet collect_evidence(const EvidenceModel& model, const ClinicalCase& c, const EdxFindings& edx,
                             const std::vector<double>& leaf_prior);

// The dependence rule alone, on `set.observed`: fills `counted` and adds to `set_aside`.
void apply_dependence_rule(const EvidenceModel& model, EvidenceSet& set, const std::vector<double>& leaf_prior,
                           std::optional<double> age_years);

}  // namespace edx::diagnosis
