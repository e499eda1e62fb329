#include "edx/study/fair_cohort_sim.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "edx/io/layout_writer.hpp"
#include "edx/signals/table.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "edx/sim/random.hpp"

namespace edx::study {

namespace {

constexpr std::string_view kClinical = "physiology/clinical_findings.json";
constexpr std::string_view kHReflex = "physiology/h_reflex.json";
constexpr std::string_view kAnthropometry = "physiology/anthropometry.json";

const nlohmann::json& entry(std::string_view table, const char* pointer) {
    return signals::table(table).at(nlohmann::json::json_pointer(pointer));
}

double uniform_from(std::string_view table, const char* pointer, sim::Random& r) {
    const auto& e = entry(table, pointer);
    return r.uniform(e.at("min").get<double>(), e.at("max").get<double>());
}

// Normal with the entry's mean and SD, redrawn until inside its min/max.
double truncated_normal_from(std::string_view table, const char* pointer, sim::Random& r) {
    const auto& e = entry(table, pointer);
    const double mean = e.at("mean").get<double>(), sd = e.at("sd").get<double>();
    const double lo = e.at("min").get<double>(), hi = e.at("max").get<double>();
    for (;;) {
        const double v = r.normal(mean, sd);
        if (v >= lo && v <= hi) return v;
    }
}

std::string subject_id(int index) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "SIM-%05d", index + 1);
    return buffer;
}

std::string file_name(const std::string& subject, int session) {
    return "recordings/" + subject + "_s" + std::to_string(session) + ".h5";
}

struct Drawn {
    FairCohortSubject subject;
    double age_years = 0.0, height_cm = 0.0, leg_length_cm = 0.0;
};

Drawn draw_subject(const FairCohortSpec& spec, int index) {
    Drawn d;
    FairCohortSubject& s = d.subject;
    s.subject = subject_id(index);
    sim::Random r = sim::Random::stream(spec.seed, "fair_cohort/" + s.subject);
    // Exactly round(prevalence * subjects) positives, spread evenly.
    const double p = spec.prevalence;
    s.reference_positive = std::floor((index + 1) * p) > std::floor(index * p);
    s.reference = s.reference_positive ? "deep_gluteal_syndrome" : "other";
    s.side = r.uniform() < 0.5 ? "left" : "right";
    s.recording = "soleus_h_" + s.side;
    s.sessions = r.uniform() < spec.retest_fraction ? 2 : 1;
    // To 0.1 month, as the manifest writes it.
    s.symptom_duration_months = std::round(10.0 * uniform_from(kClinical, "/provisional_edx/lesion_age_months", r)) / 10.0;
    const double affected = truncated_normal_from(kClinical, "/provisional_edx/fair_affected_delay_ms", r);
    const double control = std::max(0.0, r.normal(signals::constant(kHReflex, "/fair/control_delay_mean_ms"),
                                                   signals::constant(kHReflex, "/fair/control_delay_sd_ms")));
    s.false_positive = !s.reference_positive && r.uniform() < spec.false_positive_rate;
    s.true_delay_ms = (s.reference_positive || s.false_positive) ? affected : control;
    d.age_years = uniform_from(kAnthropometry, "/age_years", r);
    d.height_cm = uniform_from(kAnthropometry, "/height_cm", r);
    d.leg_length_cm = d.height_cm * signals::constant(kAnthropometry, "/leg_length_per_height");
    return d;
}

void write_session(const FairCohortSpec& spec, const Drawn& d, int session, const std::filesystem::path& dir) {
    const FairCohortSubject& s = d.subject;
    sim::HReflexConfig h;
    h.name = s.recording;
    h.side = s.side;
    h.sample_rate_hz = spec.sample_rate_hz;
    h.leg_length_cm = d.leg_length_cm;
    h.height_cm = d.height_cm;
    h.age_years = d.age_years;
    h.phases = sim::fair_protocol(spec.fair_sweeps_per_position);
    h.fair.delay_ms = s.true_delay_ms;
    h.fair.onset_tau_s = spec.fair_onset_tau_s;
    const std::uint64_t seed =
        sim::Random::stream(spec.seed, "fair_cohort/" + s.subject + "/session" + std::to_string(session)).next_u64();
    Study study;
    study.subject_id = s.subject;
    study.subject = {d.height_cm, d.age_years, d.leg_length_cm};
    study.recordings.push_back(sim::simulate_h_reflex(h, seed).recording);
    WriteOptions w;
    w.storage = StorageType::int16;  // as the bundled examples: a quarter of the float64 size
    write_study(study, dir / file_name(s.subject, session), w);
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

void FairCohortSpec::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("FairCohortSpec." + what); };
    if (subjects < 1) fail("subjects must be >= 1");
    if (!(prevalence >= 0.0 && prevalence <= 1.0)) fail("prevalence must be in [0, 1]");
    if (!(retest_fraction >= 0.0 && retest_fraction <= 1.0)) fail("retest_fraction must be in [0, 1]");
    if (!(false_positive_rate >= 0.0 && false_positive_rate <= 1.0)) fail("false_positive_rate must be in [0, 1]");
    if (threads < 0) fail("threads must be >= 0");
    if (fair_sweeps_per_position < 1) fail("fair_sweeps_per_position must be >= 1");
    if (fair_onset_tau_s && !(*fair_onset_tau_s >= 0.0)) fail("fair_onset_tau_s must be >= 0");
    if (!(sample_rate_hz >= 4000.0)) fail("sample_rate_hz must be >= 4000");
    if (manifest_name.empty() || manifest_name.find('/') != std::string::npos) {
        fail("manifest_name must be a plain file name");
    }
}

FairCohort write_fair_cohort(const std::filesystem::path& dir, const FairCohortSpec& spec) {
    spec.validate();
    std::filesystem::create_directories(dir / "recordings");
    std::vector<Drawn> drawn(static_cast<std::size_t>(spec.subjects));
    for (int i = 0; i < spec.subjects; ++i) drawn[static_cast<std::size_t>(i)] = draw_subject(spec, i);

    // (subject, session) jobs, simulated and written in parallel.
    std::vector<std::pair<std::size_t, int>> jobs;
    for (std::size_t i = 0; i < drawn.size(); ++i) {
        for (int s = 1; s <= drawn[i].subject.sessions; ++s) jobs.emplace_back(i, s);
    }
    std::size_t workers = spec.threads > 0 ? static_cast<std::size_t>(spec.threads)
                                           : std::max(1u, std::thread::hardware_concurrency());
    workers = std::min(workers, jobs.size());
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
        for (std::size_t j = next.fetch_add(1); j < jobs.size(); j = next.fetch_add(1)) {
            try {
                write_session(spec, drawn[jobs[j].first], jobs[j].second, dir);
            } catch (...) {
                const std::lock_guard lock(failure_mutex);
                if (!failure) failure = std::current_exception();
                next = jobs.size();
            }
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);

    FairCohort cohort;
    cohort.manifest = dir / spec.manifest_name;
    cohort.truth = dir / "cohort_truth.json";
    cohort.files = jobs.size();
    std::ofstream manifest(cohort.manifest);
    manifest << "subject,file,recording,reference,symptom_duration_months,session\n";
    nlohmann::ordered_json truth;
    truth["generator"] = "edx::study::write_fair_cohort";
    truth["seed"] = spec.seed;
    truth["spec"] = {{"subjects", spec.subjects},
                     {"prevalence", spec.prevalence},
                     {"retest_fraction", spec.retest_fraction},
                     {"false_positive_rate", spec.false_positive_rate},
                     {"fair_sweeps_per_position", spec.fair_sweeps_per_position},
                     {"fair_onset_tau_s", spec.fair_onset_tau_s ? nlohmann::json(*spec.fair_onset_tau_s) : nlohmann::json(nullptr)},
                     {"sample_rate_hz", spec.sample_rate_hz}};
    truth["subjects"] = nlohmann::ordered_json::array();
    for (const auto& d : drawn) {
        const FairCohortSubject& s = d.subject;
        for (int session = 1; session <= s.sessions; ++session) {
            char months[32];
            std::snprintf(months, sizeof months, "%.1f", s.symptom_duration_months);
            manifest << csv_field(s.subject) << "," << csv_field(file_name(s.subject, session)) << ","
                     << s.recording << "," << s.reference << "," << months << "," << session << "\n";
        }
        truth["subjects"].push_back({{"subject", s.subject},
                                     {"reference", s.reference},
                                     {"reference_positive", s.reference_positive},
                                     {"false_positive", s.false_positive},
                                     {"side", s.side},
                                     {"recording", s.recording},
                                     {"true_delay_ms", s.true_delay_ms},
                                     {"symptom_duration_months", s.symptom_duration_months},
                                     {"sessions", s.sessions}});
        cohort.subjects.push_back(s);
    }
    manifest.close();
    if (!manifest) throw std::runtime_error("write_fair_cohort: could not write " + cohort.manifest.string());
    std::ofstream t(cohort.truth);
    t << truth.dump(1) << "\n";
    if (!t) throw std::runtime_error("write_fair_cohort: could not write " + cohort.truth.string());
    return cohort;
}

}  // namespace edx::study
