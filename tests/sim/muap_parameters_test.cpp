#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/muap_parameters.hpp"

using namespace edx::sim;

namespace {

constexpr double pi = std::numbers::pi;
constexpr double fs = 100000.0;  // 0.01 ms steps

// Consecutive half-sine lobes (amplitude uV, signed; duration ms) after 2 ms of baseline.
struct Lobe {
    double amplitude_uv;
    double duration_ms;
};
std::vector<double> lobes(const std::vector<Lobe>& spec) {
    std::vector<double> v(static_cast<std::size_t>(2.0 * fs / 1000.0), 0.0);
    for (const auto& l : spec) {
        const auto n = static_cast<std::size_t>(std::lround(l.duration_ms * fs / 1000.0));
        for (std::size_t i = 0; i < n; ++i) v.push_back(l.amplitude_uv * std::sin(pi * (i + 0.5) / n));
    }
    v.resize(v.size() + static_cast<std::size_t>(2.0 * fs / 1000.0), 0.0);
    return v;
}

// Time within a lobe where |A sin(pi t / T)| first reaches `level`.
double rise_to(double level, double amplitude, double duration) {
    return duration / pi * std::asin(level / std::abs(amplitude));
}

}  // namespace

TEST_CASE("criteria come from the MUAP norms table", "[muap_parameters]") {
    const auto c = MuapCriteria::from_table();
    REQUIRE(c.level_uv == edx::signals::constant("norms/muap_norms.json", "/measurement/level_uv"));
    REQUIRE(c.turn_uv == edx::signals::constant("norms/muap_norms.json", "/measurement/turn_uv"));
    REQUIRE(c.max_normal_phases == 4);
}

TEST_CASE("a triphasic potential of known shape is measured exactly", "[muap_parameters]") {
    const MuapCriteria c{10.0, 25.0, 4};
    const double a1 = 100, t1 = 2.0, a2 = -400, t2 = 1.5, a3 = 60, t3 = 4.0;
    const auto v = lobes({{a1, t1}, {a2, t2}, {a3, t3}});
    const auto p = measure_muap(v, fs, c);

    REQUIRE(p.amplitude_uv == Approx(a1 + 400).epsilon(1e-4));
    REQUIRE(p.peak_uv == Approx(a2).epsilon(1e-4));
    REQUIRE(p.first_phase_positive);
    REQUIRE(p.phases == 3);
    REQUIRE(p.turns == 3);

    // Onset where lobe 1 reaches 10 uV, offset where lobe 3 falls back to it.
    const double onset = rise_to(10, a1, t1);
    const double offset = t1 + t2 + t3 - rise_to(10, a3, t3);
    REQUIRE(p.duration_ms == Approx(offset - onset).margin(0.01));
    const double main_peak = t1 + t2 / 2;
    REQUIRE(p.onset_ms == Approx(onset - main_peak).margin(0.01));
    REQUIRE(p.offset_ms == Approx(offset - main_peak).margin(0.01));
    // Rise time: the positive peak of lobe 1 to the negative peak of lobe 2.
    REQUIRE(p.rise_time_ms == Approx(t1 / 2 + t2 / 2).margin(0.011));

    // Area of |v| between onset and offset, lobe by lobe in closed form.
    auto partial = [](double a, double t, double from) { return std::abs(a) * t / pi * (1 + std::cos(pi * from / t)); };
    const double area = partial(a1, t1, onset) + 2 * std::abs(a2) * t2 / pi + partial(a3, t3, rise_to(10, a3, t3));
    REQUIRE(p.area_uv_ms == Approx(area).epsilon(0.003));
}

TEST_CASE("phases count only excursions beyond the baseline band", "[muap_parameters]") {
    const MuapCriteria c{10.0, 25.0, 4};
    // A 8 uV wiggle after the potential stays inside the +/-10 uV band: no phase, no duration.
    const auto inside = measure_muap(lobes({{100, 2}, {-400, 1.5}, {60, 4}, {-8, 2}}), fs, c);
    REQUIRE(inside.phases == 3);
    const auto without = measure_muap(lobes({{100, 2}, {-400, 1.5}, {60, 4}}), fs, c);
    REQUIRE(inside.duration_ms == Approx(without.duration_ms).margin(1e-9));
    // A 15 uV one leaves the band: a fourth phase, and the duration runs to its end.
    const auto outside = measure_muap(lobes({{100, 2}, {-400, 1.5}, {60, 4}, {-15, 2}}), fs, c);
    REQUIRE(outside.phases == 4);
    REQUIRE(outside.duration_ms == Approx(2 + 1.5 + 4 + 2 - rise_to(10, 100, 2) - rise_to(10, 15, 2)).margin(0.01));
    REQUIRE_FALSE(outside.polyphasic(c));
    const auto five = measure_muap(lobes({{100, 2}, {-400, 1.5}, {60, 1}, {-50, 1}, {40, 2}}), fs, c);
    REQUIRE(five.phases == 5);
    REQUIRE(five.polyphasic(c));
}

TEST_CASE("turns need a reversal of turn_uv on both sides", "[muap_parameters]") {
    const MuapCriteria c{10.0, 25.0, 4};
    // The last lobe peaks at 30 uV: from there the signal falls only 20 uV to
    // the 10 uV band before the potential ends, so it is a phase but not a turn.
    const auto p = measure_muap(lobes({{100, 2}, {-400, 1.5}, {30, 4}}), fs, c);
    REQUIRE(p.phases == 3);
    REQUIRE(p.turns == 2);
    // An 80 uV notch within the negative phase (about 50 uV of reversal) is a pair
    // of turns but no phase.
    std::vector<double> v = lobes({{100, 2}, {-400, 3}, {60, 4}});
    const std::size_t start = static_cast<std::size_t>(0.002 * fs + 0.002 * fs);  // lobe 2 begins
    const std::size_t len = static_cast<std::size_t>(0.003 * fs);
    for (std::size_t i = 0; i < len; ++i) {
        const double x = (static_cast<double>(i) / len - 0.5) / 0.05;
        v[start + i] += 80.0 * std::exp(-0.5 * x * x);
    }
    const auto notched = measure_muap(v, fs, c);
    REQUIRE(notched.phases == 3);
    REQUIRE(notched.turns == 5);
}

TEST_CASE("a flat or sub-threshold waveform has no duration", "[muap_parameters]") {
    const MuapCriteria c{10.0, 25.0, 4};
    const auto flat = measure_muap(std::vector<double>(100, 0.0), fs, c);
    REQUIRE(flat.duration_ms == 0.0);
    REQUIRE(flat.phases == 0);
    const auto small = measure_muap(lobes({{6, 2}, {-8, 2}}), fs, c);
    REQUIRE(small.duration_ms == 0.0);
    REQUIRE(small.amplitude_uv == Approx(14).epsilon(1e-3));
}

TEST_CASE("bad criteria are refused", "[muap_parameters]") {
    REQUIRE_THROWS_WITH(measure_muap(std::vector<double>(10, 0.0), fs, MuapCriteria{0.0, 25.0, 4}),
                        Catch::Contains("level_uv"));
}
