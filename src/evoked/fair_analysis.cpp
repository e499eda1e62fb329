#include "edx/evoked/fair_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "fair_kernel.hpp"
#include "fair_prepared.hpp"

namespace edx::evoked {

namespace {

std::string seconds(double t) {
    std::ostringstream s;
    s << t << " s";
    return s.str();
}

std::string insufficient_reason(const FairEstimate& e, const FairCounts& c, const FairOptions& o) {
    std::ostringstream s;
    s << "too few sweeps with an H latency: " << e.n_anatomic << " in the anatomic baseline and " << e.n_fair
      << " in FAIR; at least " << o.min_sweeps_per_position
      << " per position are needed for a reliable value [Hopk00]";
    std::vector<std::string> others;
    if (c.excluded) others.push_back(std::to_string(c.excluded) + " excluded");
    if (c.without_h) others.push_back(std::to_string(c.without_h) + " without an H-wave");
    if (c.recovery)
        others.push_back(std::to_string(c.recovery) + " anatomic within " + seconds(o.recovery_window_s) +
                         " of leaving FAIR");
    if (c.other_position)
        others.push_back(std::to_string(c.other_position) + " in another position or before any position marker");
    if (!others.empty()) {
        s << " (not used: ";
        for (std::size_t i = 0; i < others.size(); ++i) s << (i ? ", " : "") << others[i];
        s << ")";
    }
    return s.str();
}

nlohmann::ordered_json optional_json(const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}
nlohmann::ordered_json optional_json(const std::optional<bool>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

std::string_view to_string(FairSweepRole role) noexcept {
    switch (role) {
        case FairSweepRole::anatomic:
            return "anatomic";
        case FairSweepRole::fair_developing:
            return "fair_developing";
        case FairSweepRole::fair:
            return "fair";
        case FairSweepRole::recovery:
            return "recovery";
        case FairSweepRole::other_position:
            return "other_position";
        case FairSweepRole::without_h:
            return "without_h";
        case FairSweepRole::excluded:
            return "excluded";
    }
    return "unknown";
}

FairAnalysis analyze_fair(const FairTimeCourse& course, const FairOptions& options) {
    options.validate();
    const detail::FairPrepared p = detail::prepare_fair(course, options);
    const std::size_t n = course.sweeps.size();
    FairAnalysis out;
    out.name = course.name;
    out.side = course.side;
    out.counts = p.counts;
    detail::FairWorkspace workspace(p.baseline.size() + p.fair.size(), options.bootstrap_resamples);
    workspace.estimate(p.baseline, p.fair, p.fair_time_s, options, out.estimate);
    if (out.estimate.status != FairStatus::ok) out.reason = insufficient_reason(out.estimate, out.counts, options);

    // Roles in the time course: FAIR sweeps before the onset are "developing".
    std::vector<bool> developing(n, false);
    if (out.estimate.status == FairStatus::ok) {
        const auto onset = static_cast<std::size_t>(out.estimate.n_fair - out.estimate.n_plateau);
        for (std::size_t k = 0; k < onset; ++k) developing[p.fair_sweep[k]] = true;
    }
    for (const std::size_t i : p.order) {
        const auto& s = course.sweeps[i];
        FairSweepResult r;
        r.sweep_index = s.sweep_index;
        r.time_s = s.time_s;
        r.position = s.position;
        r.time_in_position_s = p.classified[i].time_in_position_s;
        r.role = developing[i] ? FairSweepRole::fair_developing : p.classified[i].role;
        if (!s.excluded) r.h_latency_ms = s.h_latency_ms;
        if (r.h_latency_ms && out.estimate.anatomic_latency_ms)
            r.minus_anatomic_ms = *r.h_latency_ms - *out.estimate.anatomic_latency_ms;
        r.exclusion_reason = s.exclusion_reason;
        out.time_course.push_back(std::move(r));

        auto it = std::find_if(out.positions.begin(), out.positions.end(),
                               [&](const FairPositionLatency& q) { return q.position == s.position; });
        if (it == out.positions.end()) {
            out.positions.push_back({s.position, 0, 0, {}, {}, {}});
            it = out.positions.end() - 1;
        }
        ++it->sweeps;
    }
    for (auto& q : out.positions) {
        std::vector<double> v;
        for (const std::size_t i : p.order) {
            const auto& s = course.sweeps[i];
            if (s.position == q.position && !s.excluded && s.h_latency_ms) v.push_back(*s.h_latency_ms);
        }
        q.with_latency = static_cast<int>(v.size());
        if (v.empty()) continue;
        q.min_ms = *std::min_element(v.begin(), v.end());
        q.max_ms = *std::max_element(v.begin(), v.end());
        q.median_ms = detail::median_in_place(v);
    }
    return out;
}

std::string fair_method_description(const FairOptions& o) {
    std::ostringstream s;
    s << "Delay = H onset latency in FAIR minus anatomic position, same leg: Hodges-Lehmann shift (median of all "
         "pairwise differences) between the FAIR sweeps from the onset on and the anatomic baseline. Baseline: "
         "anatomic sweeps except those within "
      << o.recovery_window_s
      << " s of leaving FAIR (assumption: the delay relaxes back). Onset: least-absolute-deviation step fit of "
         "the FAIR sweeps ordered by time after the FAIR marker (the later part at least "
      << o.min_sweeps_per_position << " sweeps), kept when it lowers the cost by more than " << o.onset_penalty_sd
      << " robust SDs, reported when significant. Significant: permutation test (" << o.permutations
      << " permutations) of the largest standardised shift of the later FAIR sweeps over the candidate onsets (every "
         "one up to 64, else 64 evenly spaced), p < " << o.alpha << ". 95% interval: percentile bootstrap, "
      << o.bootstrap_resamples << " replicates of the whole procedure. Generators seeded. Positive: delay >= "
      << o.criterion_ms << " ms [Fish02b], point estimate. At least " << o.min_sweeps_per_position
      << " sweeps with an H latency per position [Hopk00], otherwise insufficient_data.";
    return s.str();
}

nlohmann::ordered_json to_json(const FairEstimate& e) {
    nlohmann::ordered_json j;
    j["status"] = to_string(e.status);
    j["shortfall"] = to_string(e.shortfall);
    j["anatomic_latency_ms"] = optional_json(e.anatomic_latency_ms);
    j["fair_latency_ms"] = optional_json(e.fair_latency_ms);
    j["delay_ms"] = optional_json(e.delay_ms);
    j["delay_ci95_ms"] = e.ci95_lo_ms ? nlohmann::ordered_json::array({*e.ci95_lo_ms, *e.ci95_hi_ms})
                                      : nlohmann::ordered_json(nullptr);
    j["onset_after_fair_s"] = optional_json(e.onset_after_fair_s);
    j["onset_after_fair_lo_s"] = optional_json(e.onset_after_fair_lo_s);
    j["n_anatomic"] = e.n_anatomic;
    j["n_fair"] = e.n_fair;
    j["n_plateau"] = e.n_plateau;
    j["criterion_ms"] = e.criterion_ms;
    j["positive"] = optional_json(e.positive);
    j["significant"] = optional_json(e.significant);
    j["p_value"] = optional_json(e.p_value);
    j["alpha"] = e.alpha;
    j["criterion_in_ci"] = optional_json(e.criterion_in_ci);
    j["delay_control_z"] = optional_json(e.delay_control_z);
    j["permutations"] = e.permutations;
    j["bootstrap_resamples"] = e.bootstrap_resamples;
    return j;
}

nlohmann::ordered_json to_json(const FairAnalysis& a) {
    nlohmann::ordered_json j;
    j["name"] = a.name;
    j["side"] = a.side;
    const nlohmann::ordered_json estimate = to_json(a.estimate);
    for (const auto& [key, value] : estimate.items()) j[key] = value;
    j["reason"] = a.reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(a.reason);
    j["counts"] = {{"sweeps", a.counts.sweeps},       {"anatomic", a.counts.anatomic},
                   {"fair", a.counts.fair},           {"recovery", a.counts.recovery},
                   {"other_position", a.counts.other_position}, {"without_h", a.counts.without_h},
                   {"excluded", a.counts.excluded}};
    j["positions"] = nlohmann::ordered_json::array();
    for (const auto& p : a.positions) {
        j["positions"].push_back({{"position", p.position},
                                  {"sweeps", p.sweeps},
                                  {"with_latency", p.with_latency},
                                  {"median_latency_ms", optional_json(p.median_ms)},
                                  {"min_latency_ms", optional_json(p.min_ms)},
                                  {"max_latency_ms", optional_json(p.max_ms)}});
    }
    j["time_course"] = nlohmann::ordered_json::array();
    for (const auto& s : a.time_course) {
        nlohmann::ordered_json t;
        t["sweep_index"] = s.sweep_index;
        t["time_s"] = s.time_s;
        t["position"] = s.position;
        t["time_in_position_s"] = optional_json(s.time_in_position_s);
        t["h_latency_ms"] = optional_json(s.h_latency_ms);
        t["minus_anatomic_ms"] = optional_json(s.minus_anatomic_ms);
        t["role"] = to_string(s.role);
        t["exclusion_reason"] =
            s.exclusion_reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.exclusion_reason);
        j["time_course"].push_back(std::move(t));
    }
    return j;
}

}  // namespace edx::evoked
