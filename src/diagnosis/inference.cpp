#include "edx/diagnosis/inference.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <stdexcept>

#include "beta_sampler.hpp"
#include "edx/io/input_error.hpp"

namespace edx::diagnosis {

namespace {

constexpr const char* notice_text =
    "Decision support for a clinical neurophysiologist, not a diagnosis: the probabilities combine published test "
    "accuracies and stated assumptions, and do not replace clinical judgement.";
constexpr const char* dgs_id = "deep_gluteal_syndrome";
constexpr const char* radiculopathy_class = "radiculopathy";
constexpr const char* radiculopathy_id = "lumbosacral_radiculopathy";
constexpr const char* other_id = "other";

// Next-step policy (engine choices, not literature): a hypothesis at or above
// `worth_testing` justifies the test that would confirm or exclude it; one at or
// above `worth_imaging` justifies pelvic MRI and subtype examination.
constexpr double worth_testing = 0.10;
constexpr double worth_imaging = 0.20;

constexpr const char* red_flag_history_fields[] = {
    "progressive_motor_deficit", "saddle_anaesthesia", "bladder_dysfunction", "cancer_history",  "unexplained_weight_loss",
    "fever",                     "infection_risk",     "night_or_supine_pain", "significant_trauma",
};

std::string format(const char* fmt, double a, double b = 0.0, double c = 0.0) {
    char buffer[200];
    std::snprintf(buffer, sizeof buffer, fmt, a, b, c);
    return buffer;
}

double percentile(std::vector<double>& v, double p) {
    std::sort(v.begin(), v.end());
    const double pos = p * static_cast<double>(v.size() - 1);
    const auto i = static_cast<std::size_t>(std::floor(pos));
    const double frac = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] + frac * (v[i + 1] - v[i]) : v[i];
}

// Leaf sets of the three answers the user asks about.
struct Aggregates {
    std::vector<int> dgs, radiculopathy, other, l5, s1;
};

Aggregates aggregates(const EvidenceModel& model) {
    Aggregates a;
    const int dgs = model.top_index(dgs_id);
    const int other = model.top_index(other_id);
    const int l5 = model.top_index("l5_radiculopathy");
    const int s1 = model.top_index("s1_radiculopathy");
    const auto cls = model.classes.find(radiculopathy_class);
    if (cls == model.classes.end()) throw std::invalid_argument("evidence model: no class 'radiculopathy'");
    a.radiculopathy = cls->second;
    for (std::size_t l = 0; l < model.leaves.size(); ++l) {
        const int parent = model.leaves[l].parent;
        if (parent == dgs) a.dgs.push_back(static_cast<int>(l));
        if (parent == other) a.other.push_back(static_cast<int>(l));
        if (parent == l5) a.l5.push_back(static_cast<int>(l));
        if (parent == s1) a.s1.push_back(static_cast<int>(l));
    }
    return a;
}

double sum_of(const std::vector<double>& p, const std::vector<int>& idx) {
    double s = 0.0;
    for (int i : idx) s += p[i];
    return s;
}

// P(obs | group of leaves), leaves mixed by their prior weights; nullopt when the group has no prior mass.
std::optional<double> group_likelihood(const EvidenceModel& model, const Observation& obs, const std::vector<int>& leaves,
                                       const std::vector<double>& leaf_prior, const std::vector<double>& values,
                                       std::optional<double> age) {
    double w = 0.0, s = 0.0;
    for (int l : leaves) {
        w += leaf_prior[l];
        s += leaf_prior[l] * observation_likelihood(model, obs, l, values, age);
    }
    if (!(w > 0.0)) return std::nullopt;
    return s / w;
}

bool is_assumption(const std::string& status) { return status == "assumption" || status == "unverified"; }

}  // namespace

void DiagnosisOptions::validate() const {
    if (samples < 100 || samples > 10'000'000) {
        throw std::invalid_argument("DiagnosisOptions.samples: must lie in [100, 10000000] (is " + std::to_string(samples) + ")");
    }
}

const HypothesisProbability& Diagnosis::hypothesis(std::string_view id) const {
    for (const auto& h : posterior) {
        if (h.id == id) return h;
    }
    throw std::out_of_range("diagnosis: no hypothesis '" + std::string(id) + "'");
}

const SubtypeProbability& Diagnosis::subtype(std::string_view id) const {
    for (const auto& s : subtypes) {
        if (s.id == id) return s;
    }
    throw std::out_of_range("diagnosis: no subtype '" + std::string(id) + "'");
}

std::vector<double> case_top_prior(const EvidenceModel& model, const ClinicalCase& c) {
    std::vector<double> p;
    if (c.referral_context == "custom") {
        for (const auto& h : model.top) {
            const auto it = c.custom_priors.find(h.id);
            if (it == c.custom_priors.end()) throw std::invalid_argument("custom priors lack '" + h.id + "'");
            p.push_back(it->second);
        }
        return p;
    }
    for (const auto& v : model.referral_prior(c.referral_context).top) p.push_back(v.value);
    return p;
}

std::vector<double> leaf_posterior(const EvidenceModel& model, const std::vector<double>& leaf_prior,
                                   const std::vector<Observation>& counted, const std::vector<double>& values,
                                   std::optional<double> age_years) {
    const std::size_t n = model.leaves.size();
    std::vector<double> log_p(n, -std::numeric_limits<double>::infinity());
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t l = 0; l < n; ++l) {
        if (!(leaf_prior[l] > 0.0)) continue;
        double s = std::log(leaf_prior[l]);
        for (const auto& o : counted) s += std::log(observation_likelihood(model, o, static_cast<int>(l), values, age_years));
        log_p[l] = s;
        top = std::max(top, s);
    }
    std::vector<double> p(n, 0.0);
    double z = 0.0;
    for (std::size_t l = 0; l < n; ++l) {
        if (std::isfinite(log_p[l])) {
            p[l] = std::exp(log_p[l] - top);
            z += p[l];
        }
    }
    for (auto& v : p) v /= z;
    return p;
}

Diagnosis diagnose(const EvidenceModel& model, const ClinicalCase& c, const EdxFindings& analysis,
                   const DiagnosisOptions& options) {
    options.validate();
    const Aggregates agg = aggregates(model);
    Diagnosis d;
    d.notice = notice_text;
    d.case_id = c.case_id;
    d.model_table = model.table;
    d.referral_context = c.referral_context;
    d.referral_label = c.referral_context == "custom" ? "priors given in the case file"
                                                      : model.referral_prior(c.referral_context).label;
    d.samples = options.samples;
    d.seed = options.seed;

    const auto top_prior = case_top_prior(model, c);
    const auto prior = model.leaf_prior(top_prior);
    const auto merged = merge_edx_findings(c.electrodiagnosis, analysis);
    for (const auto& o : merged.overridden) d.notes.push_back("The case file's entry overrides the analysis: " + o + ".");
    EvidenceSet evidence = collect_evidence(model, c, merged.findings, prior);
    d.not_counted = evidence.set_aside;
    for (const auto& n : evidence.notes) d.notes.push_back(n);

    // Red flags.
    for (const char* field : red_flag_history_fields) {
        if (c.answer(field) != Answer::yes) continue;
        const auto& def = model.red_flag(field);
        d.red_flags.push_back({def.id, def.label, def.urgent, std::string("history.") + field, def.provenance});
    }
    if (c.imaged("mass_lesion") == TestResult::positive) {
        const auto& def = model.red_flag("mass_lesion");
        d.red_flags.push_back({def.id, def.label, def.urgent, "imaging.mass_lesion", def.provenance});
    }
    if (c.age_years && (*c.age_years > 50.0 || *c.age_years < 20.0)) {
        const auto& def = model.red_flag("age_over_50_or_under_20");
        d.red_flags.push_back({def.id, def.label, def.urgent, "patient.age_years", def.provenance});
    }
    std::stable_partition(d.red_flags.begin(), d.red_flags.end(), [](const RedFlag& f) { return f.urgent; });
    d.probabilities_apply = std::none_of(d.red_flags.begin(), d.red_flags.end(), [](const RedFlag& f) { return f.urgent; });

    // Point posterior and Monte Carlo.
    const auto points = model.point_values();
    const auto point = leaf_posterior(model, prior, evidence.counted, points, c.age_years);

    std::set<int> used;
    for (const auto& o : evidence.counted) {
        const Finding& f = model.findings[o.finding];
        for (const auto& lk : f.positive_given) used.insert(lk.parameter);
        if (f.age_background) {
            used.insert(f.age_background->parameter);
            used.insert(f.age_background->baseline_parameter);
        }
    }
    const std::size_t n = static_cast<std::size_t>(options.samples);
    std::vector<double> s_dgs(n), s_rad(n), s_l5(n), s_s1(n), s_other(n);
    std::vector<std::vector<double>> s_given(agg.dgs.size(), std::vector<double>(n)), s_overall = s_given;
    detail::BetaSampler sampler(options.seed);
    std::vector<double> values = points;
    for (std::size_t i = 0; i < n; ++i) {
        for (int p : used) values[p] = sampler.beta(model.parameters[p].fit.beta);
        const auto post = leaf_posterior(model, prior, evidence.counted, values, c.age_years);
        s_dgs[i] = sum_of(post, agg.dgs);
        s_rad[i] = sum_of(post, agg.radiculopathy);
        s_l5[i] = sum_of(post, agg.l5);
        s_s1[i] = sum_of(post, agg.s1);
        s_other[i] = sum_of(post, agg.other);
        for (std::size_t k = 0; k < agg.dgs.size(); ++k) {
            s_overall[k][i] = post[agg.dgs[k]];
            s_given[k][i] = s_dgs[i] > 0.0 ? post[agg.dgs[k]] / s_dgs[i] : 0.0;
        }
    }
    const auto summary = [&](double pt, std::vector<double>& samples) {
        ProbabilitySummary s;
        s.point = pt;
        double total = 0.0;
        for (double v : samples) total += v;
        s.mean = total / static_cast<double>(samples.size());
        s.ci95_lo = percentile(samples, 0.025);
        s.ci95_hi = percentile(samples, 0.975);
        return s;
    };
    const double dgs_point = sum_of(point, agg.dgs);
    d.posterior.push_back({dgs_id, model.top[model.top_index(dgs_id)].label, sum_of(prior, agg.dgs), summary(dgs_point, s_dgs)});
    d.posterior.push_back({radiculopathy_id, "lumbosacral radiculopathy (L5 or S1)", sum_of(prior, agg.radiculopathy),
                           summary(sum_of(point, agg.radiculopathy), s_rad)});
    d.posterior.push_back({"l5_radiculopathy", model.top[model.top_index("l5_radiculopathy")].label, sum_of(prior, agg.l5),
                           summary(sum_of(point, agg.l5), s_l5)});
    d.posterior.push_back({"s1_radiculopathy", model.top[model.top_index("s1_radiculopathy")].label, sum_of(prior, agg.s1),
                           summary(sum_of(point, agg.s1), s_s1)});
    d.posterior.push_back({other_id, model.top[model.top_index(other_id)].label, sum_of(prior, agg.other),
                           summary(sum_of(point, agg.other), s_other)});
    for (std::size_t k = 0; k < agg.dgs.size(); ++k) {
        const int l = agg.dgs[k];
        d.subtypes.push_back({model.leaves[l].id, model.leaves[l].label, model.subtype_prior[l].value,
                              summary(dgs_point > 0.0 ? point[l] / dgs_point : 0.0, s_given[k]),
                              summary(point[l], s_overall[k])});
    }
    std::stable_sort(d.subtypes.begin(), d.subtypes.end(), [](const SubtypeProbability& a, const SubtypeProbability& b) {
        return a.given_dgs.mean > b.given_dgs.mean;
    });
    {
        const double p_dgs = d.hypothesis(dgs_id).posterior.mean;
        const double p_rad = d.hypothesis(radiculopathy_id).posterior.mean;
        const double p_other = d.hypothesis(other_id).posterior.mean;
        d.leading = p_dgs >= p_rad && p_dgs >= p_other ? dgs_id : p_rad >= p_other ? radiculopathy_id : other_id;
    }

    // Contributions.
    for (const auto& o : evidence.counted) {
        const Finding& f = model.findings[o.finding];
        const auto l_dgs = group_likelihood(model, o, agg.dgs, prior, points, c.age_years);
        const auto l_rad = group_likelihood(model, o, agg.radiculopathy, prior, points, c.age_years);
        const auto l_other = group_likelihood(model, o, agg.other, prior, points, c.age_years);
        Contribution k;
        k.finding = f.id;
        k.label = f.label;
        k.origin = o.origin;
        k.observed = o.shown;
        k.group = f.group;
        if (l_dgs && l_rad) k.lr_dgs_vs_radiculopathy = *l_dgs / *l_rad;
        if (l_dgs && l_other) k.lr_dgs_vs_other = *l_dgs / *l_other;
        if (l_rad && l_other) k.lr_radiculopathy_vs_other = *l_rad / *l_other;
        const std::pair<const char*, std::optional<double>> classes[] = {{dgs_id, l_dgs}, {radiculopathy_id, l_rad}, {other_id, l_other}};
        double hi = -1.0, lo = std::numeric_limits<double>::infinity();
        for (const auto& [id, v] : classes) {
            if (!v) continue;
            if (*v > hi) {
                hi = *v;
                k.favours = id;
            }
            if (*v < lo) {
                lo = *v;
                k.against = id;
            }
        }
        k.weight_log10 = hi > 0.0 && lo > 0.0 ? std::log10(hi / lo) : 0.0;
        d.contributions.push_back(std::move(k));
    }
    std::stable_sort(d.contributions.begin(), d.contributions.end(),
                     [](const Contribution& a, const Contribution& b) { return a.weight_log10 > b.weight_log10; });

    // Next steps.
    const auto step = [&](const char* id, std::string why) {
        const auto& def = model.next_step(id);
        d.next_steps.push_back({def.id, def.text, def.provenance.sources, std::move(why)});
    };
    const double p_dgs = d.hypothesis(dgs_id).posterior.mean;
    const double p_rad = d.hypothesis(radiculopathy_id).posterior.mean;
    bool urgent = false, review = false;
    for (const auto& f : d.red_flags) (f.urgent ? urgent : review) = true;
    if (urgent) step("urgent_referral", "urgent red flag present");
    if (c.imaged("mass_lesion") == TestResult::positive) step("surgery_for_mass", "space-occupying lesion on imaging");
    if (review) step("review_red_flags", "tumour, infection or fracture risk factor present");
    const bool implied_no_lumbar_lesion =
        c.referral_context != "custom" &&
        model.referral_prior(c.referral_context).implies.count("lumbar_mri_compressive_lesion") != 0;
    const TestResult lumbar = c.imaged("lumbar_mri");
    if (lumbar == TestResult::not_done && !implied_no_lumbar_lesion && (p_dgs >= worth_testing || p_rad >= worth_testing)) {
        step("lumbar_mri_first", "no lumbar MRI yet");
    }
    const bool spine_excluded = lumbar == TestResult::negative || implied_no_lumbar_lesion;
    const bool pelvic_done = c.imaged("pelvic_mri_sciatic_or_piriformis") != TestResult::not_done ||
                             c.imaged("pelvic_mri_ischiofemoral_narrowing") != TestResult::not_done ||
                             c.imaged("pelvic_mri_hamstring_origin") != TestResult::not_done;
    if (spine_excluded && !pelvic_done && p_dgs >= worth_imaging) {
        step("pelvic_mri", format("spinal lesions excluded and P(deep gluteal syndrome) = %.2f", p_dgs));
    }
    if (d.leading == dgs_id && !urgent) {
        step("conservative_first", "deep gluteal syndrome is the most probable answer");
        step("surgery_if_persistent", "deep gluteal syndrome is the most probable answer");
    }
    const EdxFindings& e = merged.findings;
    const bool needle_known = e.peroneal_division_denervation_pattern || e.paraspinal_spontaneous_activity || e.gluteal_involvement;
    if (!needle_known && (p_dgs >= worth_testing || p_rad >= worth_testing)) step("electrodiagnosis", "no needle EMG markers yet");
    const double limb_weeks = model.timing_weeks.at("limb_denervation_weeks");
    if (c.symptom_duration_weeks && *c.symptom_duration_weeks < limb_weeks) {
        step("emg_timing", format("symptoms began %.1f weeks ago", *c.symptom_duration_weeks));
    }
    if (c.sex != "male" && c.answer("cyclical_symptoms") == Answer::yes) step("gynaecological_causes", "cyclical symptoms");
    if (p_dgs >= worth_testing && (c.examined("active_piriformis") == TestResult::not_done ||
                                   c.examined("seated_piriformis_stretch") == TestResult::not_done)) {
        step("piriformis_tests", format("P(deep gluteal syndrome) = %.2f and the combined Martin14 tests are incomplete", p_dgs));
    }
    const bool subtype_tests_done = c.examined("ischiofemoral_impingement_test") != TestResult::not_done ||
                                    c.examined("long_stride_walking") != TestResult::not_done ||
                                    c.examined("active_hamstring") != TestResult::not_done ||
                                    c.examined("long_stride_heel_strike") != TestResult::not_done;
    if (p_dgs >= worth_imaging && (c.tenderness_location == "not_done" || !subtype_tests_done)) {
        step("subtype_tests", "the subtype is uncertain and subtype tests are missing");
    }
    if (d.leading == radiculopathy_id && !urgent) step("radiculopathy_workup", "lumbosacral radiculopathy is the most probable answer");
    if (d.leading == other_id && !urgent) step("other_causes", "neither condition is favoured");

    // Assumptions.
    d.assumptions.push_back({"Findings in different groups are taken as conditionally independent given the hypothesis; "
                             "within a group (one manoeuvre family, one examination) only the most informative finding "
                             "counts, or the combined Table I row when all its parts were done.",
                             {"edx-model"}});
    d.assumptions.push_back({"The referral context's prior is taken as exact: the 95% intervals carry the uncertainty of "
                             "the test accuracies, not of the prior (see prior_sensitivity).",
                             {"edx-model"}});
    d.assumptions.push_back({"Each probability is a Beta distribution with the published value as its mean and the "
                             "concentration whose 2.5% and 97.5% quantiles best match the published 95% interval "
                             "(least squares).",
                             {"edx-model"}});
    d.assumptions.push_back({"Subtype priors average two discordant series (MRI diagnoses in sciatica without a diagnosis; "
                             "481 surgically treated cases): the subtype ranking is soft.",
                             {"Filler", "SR481"}});
    std::set<std::string> seen;
    for (const auto& o : evidence.counted) {
        const Finding& f = model.findings[o.finding];
        for (std::size_t l = 0; l < f.positive_given.size(); ++l) {
            const Likelihood& lk = f.positive_given[l];
            const Parameter& par = model.parameters[lk.parameter];
            const bool mapping_assumed = is_assumption(lk.mapping.status);
            const bool interval_assumed = is_assumption(par.ci95_status);
            if (!mapping_assumed && !interval_assumed) continue;
            if (!seen.insert(f.id + "/" + lk.key).second) continue;
            const double v = lk.complement ? 1.0 - par.value : par.value;
            std::string text = f.label + ": P(positive | " + lk.key + ") = " + format("%.3g", v);
            if (lk.complement) text += " (1 - " + par.id + ")";
            text += mapping_assumed ? " is an assumption" : "; its interval is an assumption";
            const std::string& note = mapping_assumed && !lk.mapping.note.empty() ? lk.mapping.note : par.provenance.note;
            if (!note.empty()) text += ": " + note;
            d.assumptions.push_back({text, mapping_assumed ? lk.mapping.sources : par.provenance.sources});
        }
    }

    // What the other referral contexts would give with the same findings (a
    // context that already holds a finding in its prior does not count it twice;
    // one the findings contradict is left out).
    for (const auto& rp : model.referral_priors) {
        std::vector<double> tp;
        for (const auto& v : rp.top) tp.push_back(v.value);
        const auto lp = model.leaf_prior(tp);
        ClinicalCase alternative = c;
        alternative.referral_context = rp.id;
        try {
            const auto ev = collect_evidence(model, alternative, merged.findings, lp);
            d.prior_sensitivity.emplace_back(rp.id, sum_of(leaf_posterior(model, lp, ev.counted, points, c.age_years), agg.dgs));
        } catch (const InputError&) {
        }
    }
    return d;
}

}  // namespace edx::diagnosis
