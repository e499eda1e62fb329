#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "edx/emg/muap_measurement.hpp"
#include "edx/signals/table.hpp"
#include "edx/sim/motor_unit.hpp"
#include "edx/sim/muap_parameters.hpp"
#include "edx/sim/random.hpp"

using namespace edx;

namespace {

constexpr double fs = 100000.0;

// Half-sine lobes (amplitude uV, duration ms) after and before 2 ms of baseline.
std::vector<double> lobes(const std::vector<std::pair<double, double>>& spec) {
    std::vector<double> v(200, 0.0);
    for (const auto& [a, d] : spec) {
        const auto n = static_cast<std::size_t>(std::lround(d * fs / 1000.0));
        for (std::size_t i = 0; i < n; ++i) v.push_back(a * std::sin(std::numbers::pi * (i + 0.5) / n));
    }
    v.resize(v.size() + 200, 0.0);
    return v;
}

void require_same(const emg::MuapParameters& a, const sim::MuapParameters& b) {
    REQUIRE(a.amplitude_uv == b.amplitude_uv);
    REQUIRE(a.peak_uv == b.peak_uv);
    REQUIRE(a.duration_ms == b.duration_ms);
    REQUIRE(a.onset_ms == b.onset_ms);
    REQUIRE(a.offset_ms == b.offset_ms);
    REQUIRE(a.phases == b.phases);
    REQUIRE(a.turns == b.turns);
    REQUIRE(a.area_uv_ms == b.area_uv_ms);
    REQUIRE(a.rise_time_ms == b.rise_time_ms);
    REQUIRE(a.first_phase_positive == b.first_phase_positive);
}

}  // namespace

TEST_CASE("the analysis reads its MUAP criteria from the table the simulator uses", "[emg][muap_measurement]") {
    const auto c = emg::MuapCriteria::from_table();
    REQUIRE(c.level_uv == signals::constant("norms/muap_norms.json", "/measurement/level_uv"));
    REQUIRE(c.turn_uv == signals::constant("norms/muap_norms.json", "/measurement/turn_uv"));
    REQUIRE(c.max_normal_phases == static_cast<int>(signals::constant("norms/muap_norms.json", "/measurement/max_normal_phases")));
    const auto s = sim::MuapCriteria::from_table();
    REQUIRE(c.level_uv == s.level_uv);
    REQUIRE(c.turn_uv == s.turn_uv);
    REQUIRE(c.max_normal_phases == s.max_normal_phases);
}

TEST_CASE("a triphasic potential of known shape is measured exactly", "[emg][muap_measurement]") {
    const emg::MuapCriteria c{10.0, 25.0, 4};
    const auto v = lobes({{100, 2.0}, {-400, 1.5}, {60, 4.0}});
    const auto p = emg::measure_muap(v, fs, c);
    REQUIRE(p.amplitude_uv == Approx(500).epsilon(1e-4));
    REQUIRE(p.peak_uv == Approx(-400).epsilon(1e-4));
    REQUIRE(p.phases == 3);
    REQUIRE(p.turns == 3);
    REQUIRE(p.first_phase_positive);
    // Onset where lobe 1 reaches 10 uV, offset where lobe 3 falls back to it.
    const double onset = 2.0 / std::numbers::pi * std::asin(0.1);
    const double offset = 7.5 - 4.0 / std::numbers::pi * std::asin(10.0 / 60.0);
    REQUIRE(p.duration_ms == Approx(offset - onset).margin(0.02));
    REQUIRE(emg::measure_muap(lobes({{-5, 3.0}}), fs, c).duration_ms == 0.0);
    REQUIRE_THROWS_AS(emg::measure_muap(v, 0.0, c), std::invalid_argument);
    REQUIRE_THROWS_AS(emg::measure_muap(v, fs, emg::MuapCriteria{0.0, 25.0, 4}), std::invalid_argument);
}

TEST_CASE("the analysis's measurement agrees exactly with the simulator's on its MUAPs and on noise",
          "[emg][muap_measurement]") {
    const auto c = emg::MuapCriteria::from_table();
    const auto sc = sim::MuapCriteria::from_table();
    // Simulated MUAPs of every class, at the simulator's fine rate.
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic, sim::MuapClass::myopathic}) {
        const auto model = sim::MotorUnitModel::from_table(cls);
        for (std::uint64_t seed = 1; seed <= 5; ++seed) {
            sim::Random random(seed);
            const auto unit = sim::draw_motor_unit(model, random);
            const auto t = sim::render_muap(unit, 10000.0, 4);
            INFO(sim::to_string(cls) << " seed " << seed);
            require_same(emg::measure_muap(t.samples_uv, t.fine_rate_hz(), c), sim::measure_muap(t.samples_uv, t.fine_rate_hz(), sc));
        }
    }
    // Arbitrary waveforms: random walks with spikes.
    sim::Random random(99);
    for (int k = 0; k < 20; ++k) {
        std::vector<double> v(400);
        double x = 0.0;
        for (auto& s : v) {
            x = 0.9 * x + random.normal(0.0, 15.0);
            s = x + (random.uniform() < 0.02 ? random.normal(0.0, 200.0) : 0.0);
        }
        require_same(emg::measure_muap(v, 20000.0, c), sim::measure_muap(v, 20000.0, sc));
    }
}
