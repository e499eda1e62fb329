#include "emg/r00108.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "emg/emg_truth.hpp"

namespace edx::test {

const std::optional<R00108Run>& r00108_run() {
    static const std::optional<R00108Run> run = []() -> std::optional<R00108Run> {
        const auto dir = r00108_directory();
        if (!std::filesystem::exists(dir / "R00108.hea")) return std::nullopt;
        R00108Run r;
        r.recording = read_wfdb_needle_emg(dir, "R00108", "biceps_brachii");
        r.expert = read_expert_decomposition(dir, "R00108");
        r.decomposition = emg::decompose_muaps(r.recording.samples, r.recording.info.sample_rate_hz, 0.0,
                                               emg::DecompositionCriteria::from_table());
        // Correlation of every expert template with every unit; greedy one-to-one, best first.
        struct Cand {
            double c;
            int e;
            int u;
        };
        std::vector<Cand> cands;
        for (const auto& [e, tpl] : r.expert.templates_uv) {
            for (std::size_t u = 0; u < r.decomposition.units.size(); ++u) {
                const auto& du = r.decomposition.units[u];
                const int ratio = static_cast<int>(std::lround(du.waveform_rate_hz / r.recording.info.sample_rate_hz));
                const double c = best_correlation(tpl, static_cast<std::size_t>(r.expert.template_reference.at(e)), du.waveform_uv,
                                                  du.waveform_reference, ratio, 100, 150, 30);
                cands.push_back({c, e, static_cast<int>(u)});
            }
        }
        std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.c > b.c; });
        std::map<int, ExpertUnitMatch> by_expert;
        std::vector<bool> used(r.decomposition.units.size(), false);
        for (const auto& [e, firings] : r.expert.firings_s) by_expert[e] = {e, firings.size(), -1, 0.0, 0, 0.0};
        for (const auto& c : cands) {
            auto& m = by_expert[c.e];
            if (m.unit >= 0 || used[static_cast<std::size_t>(c.u)] || c.c < 0.9) continue;
            m.unit = c.u;
            m.correlation = c.c;
            used[static_cast<std::size_t>(c.u)] = true;
            const auto tm = match_times(r.expert.firings_s.at(c.e), r.decomposition.units[static_cast<std::size_t>(c.u)].times_s, 0.0005);
            m.found = tm.matched;
            m.offset_ms = tm.offset_s * 1000.0;
        }
        for (const auto& [e, m] : by_expert) r.matches.push_back(m);
        return r;
    }();
    return run;
}

int matched_by_template(const R00108Run& run) {
    return static_cast<int>(std::count_if(run.matches.begin(), run.matches.end(), [](const ExpertUnitMatch& m) { return m.unit >= 0; }));
}

}  // namespace edx::test
