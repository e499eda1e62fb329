#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "edx/emg/motor_unit_analysis.hpp"
#include "edx/sim/needle_emg.hpp"
#include "emg/emg_truth.hpp"

using namespace edx;

namespace {

struct UnitScore {
    int units = 0, found = 0, amplitude_ok = 0, duration_ok = 0, both_ok = 0;
};

// Units firing at least 20 times in 10 s at minimal effort, matched to the
// decomposed unit sharing most of their discharges (within 0.5 ms).
UnitScore score(sim::MuapClass cls, int seeds) {
    const auto dc = emg::DecompositionCriteria::from_table();
    const auto uc = emg::UnitAnalysisCriteria::from_tables();
    UnitScore s;
    for (int seed = 1; seed <= seeds; ++seed) {
        sim::NeedleEmgSpec spec;
        spec.name = "minimal";
        spec.rest_s = 0.5;
        spec.minimal_s = 10.0;
        spec.muap_class = cls;
        const auto r = sim::simulate_needle_emg(spec, 2000 + static_cast<std::uint64_t>(seed));
        const std::span<const float> seg(r.recording.samples.data() + 5000, r.recording.samples.size() - 5000);
        const auto dec = emg::decompose_muaps(seg, 10000.0, 0.5, dc);
        const auto units = emg::analyse_units(dec, uc);
        for (const auto& u : r.truth.at("motor_units")) {
            const auto truth = test::source_times(r.truth, u.at("id").get<std::string>(), 0.5, 10.5);
            if (truth.size() < 20) continue;
            ++s.units;
            std::size_t best = 0;
            const emg::MotorUnitResult* found = nullptr;
            for (const auto& mu : units) {
                const auto m = test::match_times(truth, mu.times_s, 0.0005).matched;
                if (m > best) {
                    best = m;
                    found = &mu;
                }
            }
            if (!found || best < 0.5 * truth.size()) continue;
            ++s.found;
            const double a = u.at("parameters").at("amplitude_uv").get<double>();
            const double d = u.at("parameters").at("duration_ms").get<double>();
            const bool aok = std::abs(found->parameters.amplitude_uv - a) <= 0.1 * a;
            const bool dok = std::abs(found->parameters.duration_ms - d) <= 1.0;
            s.amplitude_ok += aok;
            s.duration_ok += dok;
            s.both_ok += aok && dok;
        }
    }
    return s;
}

}  // namespace

TEST_CASE("MUAP amplitude within 10% and duration within 1 ms of truth for units firing at least 20 times",
          "[emg][motor_unit_analysis]") {
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic}) {
        const auto s = score(cls, 10);
        INFO(sim::to_string(cls) << ": " << s.units << " units, " << s.found << " found, amplitude within 10% " << s.amplitude_ok
                                 << ", duration within 1 ms " << s.duration_ok << ", both " << s.both_ok);
        REQUIRE(s.units >= 10);
        REQUIRE(s.found >= 0.9 * s.units);
        REQUIRE(s.both_ok >= 0.9 * s.found);
    }
}

// Myopathic units: six to ten small units fire at once. The durations of a
// few 60-300 uV potentials are ill-conditioned: their last phase peaks within
// 1 uV of the 10 uV level for ms, so whether it counts turns on the noise left
// in the average (about 1.5 uV) and moves the offset by 1.5-3 ms. Amplitude
// and duration are each within tolerance for more than 90% of the units (15
// muscles: 96.7% and 93.3%); both at once for 90.0%, so the combined figure,
// the target, is guarded at 85%.
TEST_CASE("myopathic MUAPs: amplitude within 10% and duration within 1 ms of truth", "[emg][motor_unit_analysis]") {
    const auto s = score(sim::MuapClass::myopathic, 15);
    INFO("myopathic: " << s.units << " units, " << s.found << " found, amplitude within 10% " << s.amplitude_ok
                       << ", duration within 1 ms " << s.duration_ok << ", both " << s.both_ok);
    REQUIRE(s.units >= 60);
    REQUIRE(s.found >= 0.9 * s.units);
    REQUIRE(s.amplitude_ok >= 0.9 * s.found);
    REQUIRE(s.duration_ok >= 0.9 * s.found);
    REQUIRE(s.both_ok >= 0.85 * s.found);
}

TEST_CASE("the fastest firing rate and the number of units follow the simulated recruitment", "[emg][motor_unit_analysis]") {
    const auto dc = emg::DecompositionCriteria::from_table();
    const auto uc = emg::UnitAnalysisCriteria::from_tables();
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic}) {
        for (int seed = 1; seed <= 6; ++seed) {
            sim::NeedleEmgSpec spec;
            spec.name = "minimal";
            spec.rest_s = 0.5;
            spec.minimal_s = 10.0;
            spec.muap_class = cls;
            const auto r = sim::simulate_needle_emg(spec, 2100 + static_cast<std::uint64_t>(seed));
            const std::span<const float> seg(r.recording.samples.data() + 5000, r.recording.samples.size() - 5000);
            const auto dec = emg::decompose_muaps(seg, 10000.0, 0.5, dc);
            const auto summary = emg::summarise_units(emg::analyse_units(dec, uc), dec);
            const auto& t = r.truth.at("recruitment").at("minimal");
            INFO(sim::to_string(cls) << " seed " << seed);
            REQUIRE(summary.recruitment.fastest_rate_hz);
            REQUIRE(*summary.recruitment.fastest_rate_hz == Approx(t.at("fastest_rate_hz").get<double>()).margin(1.5));
            REQUIRE(summary.n_units >= 1);
            REQUIRE(summary.n_units <= t.at("active_units").get<int>() + 1);
        }
    }
}

TEST_CASE("the averaged waveform is measured by the table's criteria, duration on its low-passed copy",
          "[emg][motor_unit_analysis]") {
    const auto c = emg::UnitAnalysisCriteria::from_tables();
    // A noiseless triphasic MUAP on a 40 kHz grid: same parameters as measure_muap, within the
    // low-pass's effect on the slow tails.
    std::vector<double> v(2400, 0.0);
    std::size_t ref = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double t = (static_cast<double>(i) - 1200.0) / 40.0;  // ms
        v[i] = 80.0 * std::exp(-0.5 * (t + 2.0) * (t + 2.0)) - 500.0 * std::exp(-0.5 * t * t / 0.09) + 150.0 * std::exp(-0.5 * (t - 2.5) * (t - 2.5) / 2.0);
        if (std::abs(v[i]) > std::abs(v[ref])) ref = i;
    }
    const auto p = emg::measure_averaged_waveform(v, 40000.0, ref, c);
    const auto q = emg::measure_muap(v, 40000.0, c.measurement);
    // The local baseline next to the potential is ~0 on a noiseless waveform.
    REQUIRE(p.amplitude_uv == Approx(q.amplitude_uv).epsilon(1e-6));
    REQUIRE(p.duration_ms == Approx(q.duration_ms).margin(0.3));
    REQUIRE(p.phases == q.phases);
}
