#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>

#include "edx/emg/muap_decomposition.hpp"
#include "edx/signals/table.hpp"
#include "edx/sim/needle_emg.hpp"
#include "emg/emg_truth.hpp"
#include "emg/r00108.hpp"

using namespace edx;

namespace {

sim::SimulatedRecording minimal(sim::MuapClass cls, std::uint64_t seed) {
    sim::NeedleEmgSpec s;
    s.name = "minimal";
    s.rest_s = 0.5;
    s.minimal_s = 10.0;
    s.muap_class = cls;
    return sim::simulate_needle_emg(s, seed);
}

}  // namespace

TEST_CASE("decomposition criteria come from the MUAP analysis table", "[emg][muap_decomposition]") {
    const auto c = emg::DecompositionCriteria::from_table();
    REQUIRE(c.min_discharges == static_cast<int>(signals::constant("norms/muap_analysis_criteria.json", "/decomposition/min_discharges")));
    REQUIRE(c.upsampling == 4);
    auto bad = c;
    bad.fit_max_scale = 0.5;
    REQUIRE_THROWS_AS(bad.validate(), std::invalid_argument);
}

TEST_CASE("the simulator's motor units are found with their discharges", "[emg][muap_decomposition]") {
    const auto criteria = emg::DecompositionCriteria::from_table();
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic}) {
        std::size_t units = 0, found_units = 0, discharges = 0, found = 0;
        for (std::uint64_t seed = 1; seed <= 8; ++seed) {
            const auto r = minimal(cls, 2000 + seed);
            const std::span<const float> seg(r.recording.samples.data() + 5000, r.recording.samples.size() - 5000);
            const auto dec = emg::decompose_muaps(seg, 10000.0, 0.5, criteria);
            for (const auto& u : r.truth.at("motor_units")) {
                const auto truth = test::source_times(r.truth, u.at("id").get<std::string>(), 0.5, 10.5);
                if (truth.size() < 20) continue;
                ++units;
                discharges += truth.size();
                std::size_t best = 0;
                for (const auto& du : dec.units) best = std::max(best, test::match_times(truth, du.times_s, 0.0005).matched);
                found += best;
                found_units += best >= 0.5 * truth.size() ? 1 : 0;
            }
        }
        INFO(sim::to_string(cls) << ": " << found_units << " of " << units << " units, " << found << " of " << discharges << " discharges");
        REQUIRE(found_units >= 0.9 * units);
        REQUIRE(found >= 0.9 * discharges);
    }
}

TEST_CASE("R00108: the expert's units are found by template", "[emg][muap_decomposition][real]") {
    const auto& run = test::r00108_run();
    if (!run) {
        WARN(test::r00108_absent_message());
        return;
    }
    std::string table = "expert unit: firings, our unit, correlation, found within 0.5 ms, offset ms\n";
    for (const auto& m : run->matches) {
        char line[160];
        std::snprintf(line, sizeof line, "%d: %zu, %d, %.3f, %zu (%.0f%%), %.2f\n", m.expert_unit, m.firings, m.unit, m.correlation,
                      m.found, 100.0 * static_cast<double>(m.found) / static_cast<double>(m.firings), m.offset_ms);
        table += line;
    }
    INFO(table);
    REQUIRE(run->recording.info.sample_rate_hz == 10000.0);
    REQUIRE(run->expert.firings_s.size() == 8);
    REQUIRE(test::matched_by_template(*run) >= 6);
}

// At 10% MVC half of R00108's discharges overlap another within 4 ms: the
// peel-off resolves superimpositions (pairs, and complexes of up to three
// units refitted together), guided by each unit's firing rhythm. On this
// record the expert's units 1-6 reach 93-98% and 7 and 8 (the smallest) about
// 80%. The margin is small: trimming the record by a few ms or scaling it by
// 1% moves single units by a few points (89-98% for units 1-6 over 8 such
// variants; in one, unit 6 reads 89%).
TEST_CASE("R00108: matched units have >= 90% of the expert's discharges within 0.5 ms", "[emg][muap_decomposition][real]") {
    const auto& run = test::r00108_run();
    if (!run) {
        WARN(test::r00108_absent_message());
        return;
    }
    int good = 0;
    std::string table;
    for (const auto& m : run->matches) {
        const double share = static_cast<double>(m.found) / static_cast<double>(m.firings);
        table += "expert " + std::to_string(m.expert_unit) + ": " + std::to_string(static_cast<int>(std::lround(100 * share))) + "%\n";
        if (m.unit >= 0 && share >= 0.9) ++good;
    }
    INFO(table);
    REQUIRE(good >= 6);
}
