#include "edx/diagnosis/evidence_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "edx/io/input_error.hpp"
#include "edx/signals/table.hpp"

namespace edx::diagnosis {

namespace {

// Probabilities are kept off 0 and 1 so one finding can never make a
// hypothesis impossible (a Beta draw can land on 1.0 in double precision).
constexpr double probability_floor = 1e-9;

std::string format(const char* fmt, double a, double b = 0.0, double c = 0.0, double d = 0.0) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, fmt, a, b, c, d);
    return buffer;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

void add(EvidenceSet& set, const EvidenceModel& model, const std::string& finding, double p_positive,
         const std::string& origin, const std::string& shown) {
    set.observed.push_back({model.finding_index(finding), p_positive, origin, shown});
}

void add_result(EvidenceSet& set, const EvidenceModel& model, const std::string& finding, TestResult r,
                const std::string& origin) {
    if (r == TestResult::not_done) return;
    add(set, model, finding, r == TestResult::positive ? 1.0 : 0.0, origin, std::string(to_string(r)));
}

void add_answer(EvidenceSet& set, const EvidenceModel& model, const std::string& finding, Answer a,
                const std::string& origin) {
    if (a == Answer::unknown) return;
    add(set, model, finding, a == Answer::yes ? 1.0 : 0.0, origin, a == Answer::yes ? "yes" : "no");
}

void add_marker(EvidenceSet& set, const EvidenceModel& model, const std::string& finding,
                const std::optional<bool>& v, const std::string& origin) {
    if (!v) return;
    add(set, model, finding, *v ? 1.0 : 0.0, origin, *v ? "positive" : "negative");
}

}  // namespace

double observation_likelihood(const EvidenceModel& model, const Observation& obs, int leaf,
                              const std::vector<double>& values, std::optional<double> age_years) {
    double p = model.probability_positive(obs.finding, leaf, values, age_years);
    p = std::clamp(p, probability_floor, 1.0 - probability_floor);
    return obs.p_positive * p + (1.0 - obs.p_positive) * (1.0 - p);
}

double informativeness(const EvidenceModel& model, const Observation& obs, const std::vector<double>& leaf_prior,
                       std::optional<double> age_years) {
    const auto values = model.point_values();
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (std::size_t l = 0; l < model.leaves.size(); ++l) {
        if (!(leaf_prior[l] > 0.0)) continue;
        const double v = std::log(observation_likelihood(model, obs, static_cast<int>(l), values, age_years));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    return hi > lo ? hi - lo : 0.0;
}

void apply_dependence_rule(const EvidenceModel& model, EvidenceSet& set, const std::vector<double>& leaf_prior,
                           std::optional<double> age_years) {
    set.counted.clear();
    std::map<int, std::vector<Observation>> by_group;
    for (const auto& o : set.observed) by_group[model.group_index(model.findings[o.finding].group)].push_back(o);

    for (auto& [g, candidates] : by_group) {
        const Group& group = model.groups[g];
        for (const auto& row : group.combined) {
            std::vector<const Observation*> parts;
            for (int p : row.parts) {
                const auto it = std::find_if(candidates.begin(), candidates.end(),
                                             [&](const Observation& o) { return o.finding == p; });
                if (it != candidates.end() && (it->p_positive == 0.0 || it->p_positive == 1.0)) parts.push_back(&*it);
            }
            if (parts.size() != row.parts.size()) continue;
            bool positive = !row.any;
            std::string origin;
            for (const auto* p : parts) {
                positive = row.any ? (positive || p->p_positive == 1.0) : (positive && p->p_positive == 1.0);
                origin += (origin.empty() ? "" : " + ") + p->origin;
            }
            const Finding& combined = model.findings[row.finding];
            for (const auto* p : parts) {
                set.set_aside.push_back({model.findings[p->finding].id, p->origin,
                                         "replaced by the combined row '" + combined.label +
                                             "', whose accuracy was measured for the tests together"});
            }
            std::vector<Observation> rest;
            for (const auto& o : candidates) {
                if (std::find(row.parts.begin(), row.parts.end(), o.finding) == row.parts.end()) rest.push_back(o);
            }
            rest.push_back({row.finding, positive ? 1.0 : 0.0, origin, positive ? "positive" : "negative"});
            candidates = std::move(rest);
        }
        std::size_t best = 0;
        double best_info = -1.0;
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            const double info = informativeness(model, candidates[i], leaf_prior, age_years);
            if (info > best_info) {
                best_info = info;
                best = i;
            }
        }
        const Observation& chosen = candidates[best];
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            if (i == best) continue;
            set.set_aside.push_back({model.findings[candidates[i].finding].id, candidates[i].origin,
                                     "same group as '" + model.findings[chosen.finding].label + "' (" + group.label +
                                         "), which is more informative; findings of one group are not independent, "
                                         "so only one counts"});
        }
        set.counted.push_back(chosen);
    }
}

EvidenceSet collect_evidence(const EvidenceModel& model, const ClinicalCase& c, const EdxFindings& edx,
                             const std::vector<double>& leaf_prior) {
    EvidenceSet set;
    for (const auto& [name, result] : c.examination) add_result(set, model, name, result, "examination." + name);
    if (c.tenderness_location != "not_done") {
        const std::pair<const char*, const char*> states[] = {
            {"sciatic_notch", "tenderness_sciatic_notch"},
            {"lateral_ischium", "tenderness_lateral_ischium"},
            {"medial_ischium", "tenderness_medial_ischium"},
        };
        for (const auto& [state, finding] : states) {
            const bool here = c.tenderness_location == state;
            add(set, model, finding, here ? 1.0 : 0.0, "examination.tenderness_location",
                std::string(here ? "positive" : "negative") + " (tender: " + c.tenderness_location + ")");
        }
    }
    for (const char* name : {"buttock_pain_predominant", "pain_on_sitting"}) {
        add_answer(set, model, name, c.answer(name), std::string("history.") + name);
    }
    const Answer cyclical = c.answer("cyclical_symptoms");
    if (cyclical != Answer::unknown) {
        if (c.sex == "male") {
            set.set_aside.push_back({"cyclical_symptoms", "history.cyclical_symptoms", "asked of women only"});
        } else {
            add_answer(set, model, "cyclical_symptoms", cyclical, "history.cyclical_symptoms");
        }
    }
    add_result(set, model, "lumbar_mri_compressive_lesion", c.imaged("lumbar_mri"), "imaging.lumbar_mri");
    for (const char* name : {"pelvic_mri_sciatic_or_piriformis", "pelvic_mri_ischiofemoral_narrowing", "pelvic_mri_hamstring_origin"}) {
        add_result(set, model, name, c.imaged(name), std::string("imaging.") + name);
    }

    // Electrodiagnosis.
    if (edx.fair_delay) {
        const auto& d = *edx.fair_delay;
        const double criterion = signals::constant("norms/fair_criterion.json", "/criterion_ms");
        double q = d.positive ? 1.0 : 0.0;
        std::string shown = d.positive ? "positive" : "negative";
        if (d.delay_ms) {
            shown += format(" (delay %.2f ms", *d.delay_ms);
            if (d.ci95_lo_ms && d.ci95_hi_ms) {
                shown += format(", 95%% CI %.2f to %.2f ms", *d.ci95_lo_ms, *d.ci95_hi_ms);
                const double sd = (*d.ci95_hi_ms - *d.ci95_lo_ms) / (2.0 * 1.959963984540054);
                if (sd > 0.0) {
                    q = normal_cdf((*d.delay_ms - criterion) / sd);
                    shown += format("; P(beyond %.2f ms) = %.2f", criterion, q);
                }
            }
            shown += ")";
        }
        if (d.significant && !*d.significant) shown += ", not significantly different from no delay";
        add(set, model, "fair_h_delay", q, "electrodiagnosis.fair_delay", shown);
        const bool straddles = d.ci95_lo_ms && d.ci95_hi_ms && *d.ci95_lo_ms < criterion && criterion < *d.ci95_hi_ms;
        if (straddles) {
            set.notes.push_back(format("The FAIR delay counts as positive with probability %.2f: its 95%% interval "
                                       "(normal approximation) straddles the %.2f ms criterion.",
                                       q, criterion));
        }
    }
    add_marker(set, model, "peroneal_division_denervation", edx.peroneal_division_denervation_pattern,
               "electrodiagnosis.peroneal_division_denervation_pattern");
    add_marker(set, model, "paraspinal_spontaneous_activity", edx.paraspinal_spontaneous_activity,
               "electrodiagnosis.paraspinal_spontaneous_activity");
    add_marker(set, model, "gluteal_involvement", edx.gluteal_involvement, "electrodiagnosis.gluteal_involvement");
    add_marker(set, model, "sural_snap_reduced", edx.sural_snap_reduced, "electrodiagnosis.sural_snap_reduced");
    add_marker(set, model, "superficial_peroneal_snap_reduced", edx.superficial_peroneal_snap_reduced,
               "electrodiagnosis.superficial_peroneal_snap_reduced");
    add_marker(set, model, "h_side_to_side_abnormal", edx.h_side_to_side_abnormal,
               "electrodiagnosis.h_side_to_side_abnormal");

    // Needle EMG negatives before denervation can show say nothing.
    std::vector<Observation> kept;
    bool duration_assumed = false;
    for (const auto& o : set.observed) {
        const Finding& f = model.findings[o.finding];
        if (f.negative_needs_weeks && o.p_positive == 0.0) {
            if (!c.symptom_duration_weeks) {
                duration_assumed = true;
            } else if (*c.symptom_duration_weeks < *f.negative_needs_weeks) {
                set.set_aside.push_back({f.id, o.origin,
                                         format("negative %.1f weeks after onset: denervation shows only from about "
                                                "%.0f weeks, so a normal result is not yet evidence",
                                                *c.symptom_duration_weeks, *f.negative_needs_weeks)});
                continue;
            }
        }
        kept.push_back(o);
    }
    set.observed = std::move(kept);
    if (duration_assumed) {
        set.notes.push_back("Symptom duration not given: negative needle EMG findings are counted as if recorded "
                            "late enough for denervation to show (3 weeks for limb muscles).");
    }

    // Findings already in the referral context's prior.
    if (c.referral_context != "custom") {
        const ReferralPrior& prior = model.referral_prior(c.referral_context);
        std::vector<Observation> rest;
        for (const auto& o : set.observed) {
            const auto it = prior.implies.find(model.findings[o.finding].id);
            if (it == prior.implies.end()) {
                rest.push_back(o);
                continue;
            }
            const bool implied_positive = it->second == "positive";
            if ((o.p_positive == 1.0) != implied_positive) {
                throw InputError(c.source, o.origin,
                                 "is " + o.shown + ", which contradicts referral.context " + c.referral_context + " (" +
                                     prior.label + ")");
            }
            set.set_aside.push_back({it->first, o.origin, "already part of the referral context's prior (" + prior.label + ")"});
        }
        set.observed = std::move(rest);
    }

    if (c.age_years) {
        for (const auto& o : set.observed) {
            const Finding& f = model.findings[o.finding];
            if (f.age_background && *c.age_years > f.age_background->over_age_years) {
                set.notes.push_back(format("Age %.0f: a reduced superficial peroneal SNAP is common in healthy people "
                                           "over %.0f (Ho04), so it weighs less.",
                                           *c.age_years, f.age_background->over_age_years));
            }
        }
    }

    apply_dependence_rule(model, set, leaf_prior, c.age_years);
    return set;
}

}  // namespace edx::diagnosis
