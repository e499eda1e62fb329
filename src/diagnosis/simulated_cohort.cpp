#include "edx/diagnosis/simulated_cohort.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <thread>

#include "edx/diagnosis/case_file.hpp"
#include "edx/sim/random.hpp"
#include "edx/signals/table.hpp"

namespace edx::diagnosis {

namespace {

using nlohmann::json;

constexpr const char* sim_table = "physiology/clinical_findings.json";
constexpr const char* dgs_id = "deep_gluteal_syndrome";
constexpr const char* radiculopathy_id = "lumbosacral_radiculopathy";
constexpr double weeks_per_month = 365.25 / 12.0 / 7.0;

const json& provisional(const char* key) { return signals::table(sim_table).at("provisional_edx").at(key); }
double provisional_value(const char* key) { return provisional(key).at("value").get<double>(); }

// A table entry drawn the way signals/README.md describes: value, min/max uniform, mean/sd truncated normal.
double draw(const json& e, sim::Random& r) {
    if (e.contains("value")) return e.at("value").get<double>();
    if (e.contains("mean")) {
        const double mean = e.at("mean").get<double>(), sd = e.at("sd").get<double>();
        const double lo = e.value("min", mean - 2.0 * sd), hi = e.value("max", mean + 2.0 * sd);
        for (int i = 0; i < 1000; ++i) {
            const double x = r.normal(mean, sd);
            if (x >= lo && x <= hi) return x;
        }
        return std::clamp(mean, lo, hi);
    }
    return r.uniform(e.at("min").get<double>(), e.at("max").get<double>());
}

std::string truth_class(sim::ClinicalCondition c) {
    switch (c) {
        case sim::ClinicalCondition::l5_radiculopathy:
        case sim::ClinicalCondition::s1_radiculopathy: return radiculopathy_id;
        case sim::ClinicalCondition::other: return "other";
        default: return dgs_id;
    }
}

double involvement(const json& truth, const char* kind, const std::string& name) {
    const auto& lesion = truth.at("lesion");
    if (!lesion.contains(kind) || !lesion.at(kind).contains(name)) return 0.0;
    return lesion.at(kind).at(name).at("axon_loss_fraction").get<double>();
}

// What an analysis reports for a marker the truth holds or not, with the provisional error rates.
bool reported(bool truth, sim::Random& r) {
    const double p = truth ? provisional_value("marker_sensitivity") : provisional_value("marker_false_positive_rate");
    return r.uniform() < p;
}

}  // namespace

EdxFindings provisional_edx_findings(const SimulatedPatient& patient) {
    const json& truth = patient.study.truth;
    const std::string side = patient.study_spec.side;
    const std::string other = side == "left" ? "right" : "left";
    const bool lesioned = patient.study_spec.lesion != sim::LesionSite::none;
    const double weeks = patient.study_spec.lesion_age_months * weeks_per_month;
    const double threshold = provisional_value("denervation_threshold");
    const bool old_enough = weeks >= provisional_value("limb_denervation_weeks");
    const auto denervated = [&](const char* muscle) {
        return lesioned && old_enough && involvement(truth, "muscles", muscle) >= threshold;
    };
    const auto stream = [&](const char* name) { return sim::Random::stream(patient.seed, std::string("provisional_edx/") + name); };

    EdxFindings f;
    const bool paraspinal = denervated("lumbar_paraspinal_l5") || denervated("lumbar_paraspinal_s1");
    const bool gluteal = denervated("gluteus_medius") || denervated("gluteus_maximus") || denervated("tensor_fasciae_latae");
    const bool peroneal = denervated("short_head_biceps_femoris") &&
                          (denervated("tibialis_anterior") || denervated("peroneus_longus")) && !paraspinal && !gluteal &&
                          involvement(truth, "muscles", "tibialis_anterior") > involvement(truth, "muscles", "tibialis_posterior");
    {
        auto r = stream("paraspinal");
        f.paraspinal_spontaneous_activity = reported(paraspinal, r);
    }
    {
        auto r = stream("gluteal");
        f.gluteal_involvement = reported(gluteal, r);
    }
    {
        auto r = stream("peroneal");
        f.peroneal_division_denervation_pattern = reported(peroneal, r);
    }
    const double snap = provisional_value("snap_reduction_threshold");
    {
        auto r = stream("sural");
        f.sural_snap_reduced = reported(lesioned && involvement(truth, "sensory_nerves", "sural") >= snap, r);
    }
    {
        auto r = stream("superficial_peroneal");
        f.superficial_peroneal_snap_reduced =
            reported(lesioned && involvement(truth, "sensory_nerves", "superficial_peroneal") >= snap, r);
    }

    const auto& recordings = truth.at("recordings");
    const std::string h_side = "soleus_h_" + side, h_other = "soleus_h_" + other;
    if (recordings.contains(h_side) && recordings.contains(h_other)) {
        const auto latency = [&](const json& h) {
            return h.at("h_latency_ms").get<double>() + h.at("lesion").at("h_latency_shift_ms").get<double>();
        };
        const auto& hs = recordings.at(h_side);
        const bool abnormal = !hs.at("h_present").get<bool>() ||
                              latency(hs) - latency(recordings.at(h_other)) >= provisional_value("h_side_to_side_limit_ms");
        auto r = stream("h_side_to_side");
        f.h_side_to_side_abnormal = reported(abnormal, r);

        // FAIR: the truth delay of the symptomatic leg, a false positive at the
        // published rate for legs without entrapment, and measurement noise.
        auto fr = stream("fair");
        double delay = hs.at("fair").at("delay_ms").get<double>();
        const bool sciatic = patient.study_spec.lesion == sim::LesionSite::sciatic_deep_gluteal;
        const bool false_positive = fr.uniform() < provisional_value("fair_false_positive_rate");
        const double affected = draw(provisional("fair_affected_delay_ms"), fr);
        if (!sciatic && false_positive) delay = affected;
        const double sd = provisional_value("fair_measurement_sd_ms");
        const double measured = delay + fr.normal(0.0, sd);
        const double criterion = signals::constant("norms/fair_criterion.json", "/criterion_ms");
        FairDelayFinding d;
        d.delay_ms = measured;
        d.ci95_lo_ms = measured - 1.959963984540054 * sd;
        d.ci95_hi_ms = measured + 1.959963984540054 * sd;
        d.positive = measured >= criterion;
        d.significant = *d.ci95_lo_ms > 0.0;
        d.side = side;
        f.fair_delay = d;
    }
    return f;
}

SimulatedPatient patient_from_truth(const json& truth, sim::ClinicalCondition condition, std::uint64_t seed) {
    SimulatedPatient p;
    p.condition = condition;
    p.seed = seed;
    const auto& spec = truth.at("spec");
    const auto site = sim::parse_lesion_site(spec.at("lesion").get<std::string>());
    if (!site) throw std::invalid_argument("truth: unknown lesion '" + spec.at("lesion").get<std::string>() + "'");
    p.study_spec.lesion = *site;
    p.study_spec.side = spec.at("side").get<std::string>();
    p.study_spec.axon_loss = spec.at("axon_loss").get<double>();
    p.study_spec.lesion_age_months = spec.at("lesion_age_months").get<double>();
    p.study.truth = truth;
    return p;
}

void CohortOptions::validate() const {
    const auto fail = [](const std::string& m) { throw std::invalid_argument("CohortOptions." + m); };
    if (patients < 1) fail("patients: must be at least 1");
    const std::pair<const char*, double> probabilities[] = {
        {"examination_done_probability", examination_done_probability},
        {"history_known_probability", history_known_probability},
        {"lumbar_mri_done_probability", lumbar_mri_done_probability},
        {"pelvic_mri_done_probability", pelvic_mri_done_probability},
    };
    for (const auto& [name, p] : probabilities) {
        if (!(p >= 0.0 && p <= 1.0)) fail(std::string(name) + ": must lie in [0, 1]");
    }
    if (with_edx && !edx_source) fail("edx_source: must be set when with_edx");
    if (threads < 0) fail("threads: must be 0 (every core) or more");
    protocol.validate();
    diagnosis.validate();
}

double area_under_curve(const std::vector<double>& positives, const std::vector<double>& negatives) {
    if (positives.empty() || negatives.empty()) throw std::invalid_argument("area_under_curve: needs both classes");
    double wins = 0.0;
    for (double p : positives) {
        for (double n : negatives) wins += p > n ? 1.0 : p == n ? 0.5 : 0.0;
    }
    return wins / (static_cast<double>(positives.size()) * static_cast<double>(negatives.size()));
}

CohortReport run_cohort(const CohortOptions& options) {
    options.validate();
    const EvidenceModel& model = EvidenceModel::bundled();
    const ReferralPrior& context = model.referral_prior(options.referral_context);
    std::vector<double> top_prior;
    for (const auto& v : context.top) top_prior.push_back(v.value);
    const auto leaf_prior = model.leaf_prior(top_prior);

    // Each patient draws from streams of its own seed, so patients are
    // independent and run in parallel with the same results in any order.
    std::vector<CohortPatientResult> results(static_cast<std::size_t>(options.patients));
    auto simulate_patient = [&](int i) {
        SimulatedPatient p;
        p.index = i;
        p.seed = options.seed * 1000003ull + static_cast<std::uint64_t>(i);
        sim::Random r = sim::Random::stream(p.seed, "cohort/patient");

        // The true condition, from the context's prior.
        double u = r.uniform(), cumulative = 0.0;
        std::size_t leaf = leaf_prior.size() - 1;
        for (std::size_t l = 0; l < leaf_prior.size(); ++l) {
            cumulative += leaf_prior[l];
            if (u < cumulative) {
                leaf = l;
                break;
            }
        }
        const auto condition = sim::parse_clinical_condition(model.leaves[leaf].id);
        if (!condition) throw std::logic_error("no simulator condition for leaf '" + model.leaves[leaf].id + "'");
        p.condition = *condition;
        const std::string side = r.uniform() < 0.5 ? "left" : "right";

        sim::ClinicalCaseSpec cs;
        cs.condition = p.condition;
        cs.side = side;
        cs.referral_context = options.referral_context;
        cs.case_id = "SIM-" + std::to_string(i);
        cs.examination_done_probability = options.examination_done_probability;
        cs.history_known_probability = options.history_known_probability;
        cs.lumbar_mri_done_probability = context.implies.count("lumbar_mri_compressive_lesion") ? 0.0 : options.lumbar_mri_done_probability;
        cs.pelvic_mri_done_probability = options.pelvic_mri_done_probability;
        p.case_document = sim::simulate_clinical_case(cs, p.seed).document;

        // The study: a lesion at the condition's site, axonal in a share of patients.
        sim::StudySpec& s = p.study_spec;
        s = options.protocol;
        s.subject_id = cs.case_id;
        s.lesion = sim::lesion_site_of(p.condition);
        s.side = side;
        s.age_years = std::clamp(p.case_document.at("patient").at("age_years").get<double>(), 18.0, 100.0);
        const bool radicular = s.lesion == sim::LesionSite::L5_root || s.lesion == sim::LesionSite::S1_root;
        const double axonal_share = provisional_value(radicular ? "radiculopathy_axonal_fraction" : "dgs_axonal_fraction");
        s.axon_loss = r.uniform() < axonal_share ? draw(provisional("axon_loss"), r) : provisional_value("non_axonal_axon_loss");
        s.lesion_age_months = draw(provisional("lesion_age_months"), r);
        if (s.lesion == sim::LesionSite::sciatic_deep_gluteal) s.fair_delay_ms = draw(provisional("fair_affected_delay_ms"), r);
        if (!options.simulate_recordings) {
            // Only the truth is read: the H-reflex recordings (the truth of the
            // FAIR delay and H latencies comes with them) at the least cost.
            s.nerve_conduction = false;
            s.needle_emg = false;
            s.fair_sweeps_per_position = 1;
            s.evoked_sample_rate_hz = 4000.0;
        }
        p.study = sim::simulate_study(s, p.seed);

        const ClinicalCase c = parse_case(p.case_document, cs.case_id);
        EdxFindings edx;
        if (options.with_edx) edx = options.edx_source(p);
        const Diagnosis d = diagnose(model, c, edx, options.diagnosis);

        CohortPatientResult res;
        res.index = i;
        res.condition = p.condition;
        res.truth = truth_class(p.condition);
        res.p_dgs = d.hypothesis(dgs_id).posterior.mean;
        res.p_radiculopathy = d.hypothesis(radiculopathy_id).posterior.mean;
        res.p_other = d.hypothesis("other").posterior.mean;
        res.leading = d.leading;
        res.edx_markers = edx.known_count();
        results[static_cast<std::size_t>(i)] = res;
    };
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int threads = std::min(options.patients, static_cast<int>(options.threads > 0 ? static_cast<unsigned>(options.threads) : cores));
    std::atomic<int> next{0};
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    auto worker = [&](int t) {
        try {
            for (int i = next++; i < options.patients; i = next++) simulate_patient(i);
        } catch (...) {
            errors[static_cast<std::size_t>(t)] = std::current_exception();
            next = options.patients;
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
    worker(0);
    for (auto& th : pool) th.join();
    for (const auto& e : errors) {
        if (e) std::rethrow_exception(e);
    }
    CohortReport report;
    for (const auto& res : results) {
        report.truth_counts[res.truth] += 1;
        report.patients.push_back(res);
    }

    std::vector<double> pos, neg;
    double brier = 0.0, brier3 = 0.0;
    int correct = 0;
    report.reliability_dgs.resize(10);
    for (int b = 0; b < 10; ++b) report.reliability_dgs[b] = {b / 10.0, (b + 1) / 10.0, 0, 0.0, 0.0};
    for (const auto& r : report.patients) {
        const bool dgs = r.truth == dgs_id;
        if (dgs) pos.push_back(r.p_dgs);
        if (r.truth == radiculopathy_id) neg.push_back(r.p_dgs);
        brier += (r.p_dgs - (dgs ? 1.0 : 0.0)) * (r.p_dgs - (dgs ? 1.0 : 0.0));
        const double y_rad = r.truth == radiculopathy_id ? 1.0 : 0.0, y_other = r.truth == "other" ? 1.0 : 0.0;
        brier3 += (r.p_dgs - (dgs ? 1.0 : 0.0)) * (r.p_dgs - (dgs ? 1.0 : 0.0)) +
                  (r.p_radiculopathy - y_rad) * (r.p_radiculopathy - y_rad) + (r.p_other - y_other) * (r.p_other - y_other);
        correct += r.leading == r.truth ? 1 : 0;
        auto& bin = report.reliability_dgs[std::min(9, static_cast<int>(r.p_dgs * 10.0))];
        bin.patients += 1;
        bin.mean_predicted += r.p_dgs;
        bin.observed_fraction += dgs ? 1.0 : 0.0;
    }
    for (auto& bin : report.reliability_dgs) {
        if (bin.patients > 0) {
            bin.mean_predicted /= bin.patients;
            bin.observed_fraction /= bin.patients;
        }
    }
    const double n = static_cast<double>(report.patients.size());
    report.brier_dgs = brier / n;
    report.brier_three_class = brier3 / n;
    report.leading_accuracy = correct / n;
    report.auc_dgs_vs_radiculopathy = pos.empty() || neg.empty() ? 0.0 : area_under_curve(pos, neg);
    return report;
}

}  // namespace edx::diagnosis
