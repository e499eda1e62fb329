#include <catch2/catch.hpp>

#include <vector>

#include "edx/evoked/response_measures.hpp"
#include "edx/sim/evoked_potential.hpp"

using namespace edx;

TEST_CASE("the measures of a sampled potential match its exact properties", "[evoked][measures]") {
    sim::Random random(8);
    sim::ShapeRanges ranges;
    ranges.initial_positive_probability = 0.5;
    ranges.min_phases = 2;
    ranges.max_phases = 4;
    ranges.lead_positive_amplitude = {0.1, 0.35};
    ranges.trailing_positive_amplitude = {0.3, 0.85};
    ranges.tail_amplitude = {0.05, 0.25};
    ranges.lead_positive_weight = {0.15, 0.4};
    ranges.trailing_positive_weight = {1.0, 2.0};
    ranges.tail_weight = {0.4, 1.0};
    ranges.peak_position = {0.3, 0.55};
    ranges.onset_slope_factor = {0.6, 2.0};
    const double fs = 20000.0;
    for (int k = 0; k < 30; ++k) {
        const sim::EvokedPotential p(sim::draw_shape(ranges, random), 5.0 + 0.013 * k, 9.0 + 0.1 * k, 2.0 + 0.1 * k);
        const sim::PotentialMeasures truth = p.measures();
        std::vector<double> x(600);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = p.value_mv(static_cast<double>(i) * 1000.0 / fs);
        const double onset_index = truth.onset_ms * fs / 1000.0;
        const auto m = evoked::measure_response(x, fs, 0.0, onset_index, 0.0, x.size());
        INFO("k " << k);
        // Peaks refined by a parabola: within 1% of the amplitude and 0.02 ms.
        REQUIRE(m.amplitude_mv == Approx(truth.amplitude_mv).epsilon(0.01));
        REQUIRE(m.negative_peak_ms == Approx(truth.negative_peak_ms).margin(0.02));
        REQUIRE(m.peak_to_peak_mv == Approx(truth.peak_to_peak_mv).epsilon(0.01));
        if (truth.positive_peak_mv > 0.0) REQUIRE(m.positive_peak_mv == Approx(truth.positive_peak_mv).epsilon(0.01));
        // Crossings interpolated linearly, area by trapezoids: a few tenths of a sample and 1%.
        REQUIRE(m.negative_duration_ms == Approx(truth.negative_phase_duration_ms).margin(0.03));
        REQUIRE(m.negative_area_mv_ms == Approx(truth.negative_phase_area_mv_ms).epsilon(0.01));
        REQUIRE(m.onset_ms == Approx(truth.onset_ms).margin(1e-9));
    }
}

TEST_CASE("a baseline offset is measured from, not included", "[evoked][measures]") {
    // A triangle 1 mV deep on a 0.3 mV offset.
    std::vector<double> x(200, 0.3);
    for (int i = 50; i < 70; ++i) x[static_cast<std::size_t>(i)] = 0.3 - (i < 60 ? (i - 50) / 10.0 : (70 - i) / 10.0);
    const auto m = evoked::measure_response(x, 10000.0, -5.0, 50.0, 0.3, 200);
    REQUIRE(m.amplitude_mv == Approx(1.0).margin(1e-9));
    REQUIRE(m.negative_peak_ms == Approx(-5.0 + 6.0).margin(1e-9));
    REQUIRE(m.negative_duration_ms == Approx(2.0).margin(1e-9));
    REQUIRE(m.negative_area_mv_ms == Approx(1.0).margin(1e-9));  // triangle: 2 ms x 1 mV / 2
}
