// The evidence model of the diagnosis: hypotheses (deep gluteal syndrome and its
// subtypes, L5 and S1 radiculopathy, neither), priors by referral context, and
// for every finding P(positive | hypothesis) through sourced parameters, read
// from signals/evidence/dgs_vs_radiculopathy.json (the file documents its form).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/diagnosis/beta_fit.hpp"

namespace edx::diagnosis {

// Where a number comes from: the keys into the table's sources, and the status
// (verified, inferred, unverified, assumption) with its explanation.
struct Provenance {
    std::vector<std::string> sources;
    std::string status;
    std::string note;
};

// A probability with its reported 95% interval and the Beta matched to it.
struct Parameter {
    std::string id;
    double value = 0.0;
    double ci95_lo = 0.0;
    double ci95_hi = 0.0;
    Provenance provenance;
    std::string ci95_status;  // the interval's status (the value's unless the table says otherwise)
    BetaFit fit;
};

// P(positive | leaf) = the parameter, or 1 - the parameter (complement, e.g. 1 - specificity).
struct Likelihood {
    int parameter = -1;
    bool complement = false;
    std::string key;        // the positive_given key the leaf took (leaf, class or "otherwise")
    Provenance mapping;     // why this parameter applies to the leaf (the parameter's own when given by id only)
};

// Over a given age, a finding that healthy nerves also show (a reduced
// superficial peroneal SNAP) becomes more frequent under every hypothesis.
struct AgeBackground {
    double over_age_years = 0.0;
    int parameter = -1;           // rate in healthy people over the age
    int baseline_parameter = -1;  // rate at or under it (part of every leaf's figure already)
    Provenance provenance;
};

struct Finding {
    std::string id;
    std::string label;
    std::string category;    // examination, history, imaging, electrodiagnosis
    std::string group;
    std::string case_field;  // where it comes from, for people
    std::vector<Likelihood> positive_given;  // one per leaf, in leaf order
    // A negative result counts only this many weeks after symptom onset (needle EMG denervation).
    std::optional<double> negative_needs_weeks;
    std::string negative_needs;  // the /timing constant it names
    std::optional<AgeBackground> age_background;
};

struct CombinedRow {
    int finding = -1;        // the combined finding (a row of its own in the literature)
    std::vector<int> parts;  // findings it combines
    bool any = true;         // positive when any part is (true) or when all are (false)
};

struct Group {
    std::string id;
    std::string label;
    bool exclusive = false;  // its findings are states of one observation (their probabilities sum to <= 1)
    std::vector<int> findings;
    std::vector<CombinedRow> combined;
};

struct Hypothesis {
    std::string id;
    std::string label;
};

struct Leaf {
    std::string id;
    std::string label;
    int parent = -1;  // index into EvidenceModel::top
};

struct SourcedProbability {
    double value = 0.0;
    Provenance provenance;
};

struct ReferralPrior {
    std::string id;
    std::string label;
    std::vector<SourcedProbability> top;             // one per top-level hypothesis
    std::map<std::string, std::string> implies;      // finding id -> "positive"/"negative" already in the prior
};

struct RedFlagDefinition {
    std::string id;
    std::string label;
    bool urgent = false;  // urgent: the probabilities do not apply; review: exclude before relying on them
    Provenance provenance;
};

struct NextStepDefinition {
    std::string id;
    std::string text;
    Provenance provenance;
};

struct EvidenceModel {
    std::string table;  // where it was read from
    std::string title;
    std::map<std::string, std::string> sources;  // key -> citation
    std::vector<Hypothesis> top;
    std::vector<Leaf> leaves;
    std::map<std::string, std::vector<int>> classes;
    std::vector<std::string> class_order;  // most specific first, as the table lists them
    std::vector<SourcedProbability> subtype_prior;  // per leaf: P(leaf | parent); 1 for a parent's only leaf
    std::vector<ReferralPrior> referral_priors;
    std::vector<Parameter> parameters;
    std::vector<Finding> findings;
    std::vector<Group> groups;
    std::vector<RedFlagDefinition> red_flags;
    std::vector<NextStepDefinition> next_steps;
    std::map<std::string, double> timing_weeks;

    // Builds and checks the model (every leaf resolves for every finding, every
    // id referred to exists, priors sum to 1, exclusive groups sum to <= 1, each
    // parameter's Beta is fitted). Throws std::invalid_argument naming the JSON path.
    static EvidenceModel from_json(const nlohmann::json& table, std::string_view name);
    // signals/evidence/dgs_vs_radiculopathy.json, built once.
    static const EvidenceModel& bundled();

    // Indices by id; throw std::out_of_range naming the id when there is none.
    int top_index(std::string_view id) const;
    int leaf_index(std::string_view id) const;
    int finding_index(std::string_view id) const;
    int group_index(std::string_view id) const;
    const ReferralPrior& referral_prior(std::string_view id) const;
    const RedFlagDefinition& red_flag(std::string_view id) const;
    const NextStepDefinition& next_step(std::string_view id) const;
    bool has_finding(std::string_view id) const noexcept;

    // P(leaf) for top-level priors `top_prior` (one per top hypothesis).
    std::vector<double> leaf_prior(const std::vector<double>& top_prior) const;

    // P(positive | leaf) for finding `f`, with `values[p]` the value of
    // parameter p (the point values or one Monte Carlo draw), for a patient of
    // `age_years` (unset: the age background does not apply).
    double probability_positive(int f, int leaf, const std::vector<double>& values,
                                std::optional<double> age_years) const;

    // The point values of every parameter, in parameter order.
    std::vector<double> point_values() const;
};

}  // namespace edx::diagnosis
