#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "edx/sim/evoked_potential.hpp"

using namespace edx::sim;

namespace {

// An initially positive triphasic shape, as the Hugon montage gives an H-wave.
WaveformShape triphasic() {
    WaveformShape s;
    s.phases = {{Polarity::positive, 0.2, 0.15, 0.5},
                {Polarity::negative, 1.0, 0.35, 0.4},
                {Polarity::positive, 0.6, 0.5, 0.45}};
    s.onset_slope_factor = 1.5;
    return s;
}

ShapeRanges test_ranges() {
    ShapeRanges r;
    r.initial_positive_probability = 0.4;
    r.min_phases = 2;
    r.max_phases = 4;
    r.lead_positive_amplitude = {0.1, 0.35};
    r.trailing_positive_amplitude = {0.3, 0.85};
    r.tail_amplitude = {0.05, 0.25};
    r.lead_positive_weight = {0.15, 0.4};
    r.trailing_positive_weight = {1.0, 2.0};
    r.tail_weight = {0.4, 1.0};
    r.peak_position = {0.3, 0.55};
    r.onset_slope_factor = {0.6, 2.0};
    return r;
}

// Simpson's rule on a fine grid over the support.
double integrate(const EvokedPotential& p, double from, double to, bool magnitude) {
    const int n = 200000;
    const double h = (to - from) / n;
    double acc = 0.0;
    for (int i = 0; i <= n; ++i) {
        const double v = p.value_mv(from + i * h);
        const double w = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        acc += w * (magnitude ? std::abs(v) : v);
    }
    return acc * h / 3.0;
}

}  // namespace

TEST_CASE("a potential is exactly zero outside its support and takes off with a non-zero slope", "[evoked_potential]") {
    const EvokedPotential p(triphasic(), 28.3, 12.0, 2.0);
    REQUIRE(p.onset_ms() == 28.3);
    REQUIRE(p.end_ms() == Approx(40.3).margin(1e-12));
    REQUIRE(p.value_mv(28.3) == 0.0);
    REQUIRE(p.value_mv(20.0) == 0.0);
    REQUIRE(p.value_mv(40.3) == 0.0);
    REQUIRE(p.value_mv(45.0) == 0.0);
    // Slope at the onset: factor x secant to the first (positive) peak at 0.075 of 12 ms, 0.2 x 2 mV.
    const double secant = 0.4 / (0.075 * 12.0);
    const double eps = 1e-6;
    REQUIRE(p.value_mv(28.3 + eps) / eps == Approx(1.5 * secant).epsilon(1e-4));
    REQUIRE(p.value_mv(28.3 + eps) > 0.0);  // initially positive
}

TEST_CASE("every phase has one extremum at its stated peak and zero crossings lie only between phases",
          "[evoked_potential]") {
    const EvokedPotential p(triphasic(), 10.0, 10.0, 1.5);
    const auto m = p.measures();
    REQUIRE(m.negative_peak_ms == Approx(10.0 + 10.0 * (0.15 + 0.35 * 0.4)).margin(1e-12));
    REQUIRE(p.value_mv(m.negative_peak_ms) == Approx(-1.5).margin(1e-12));
    REQUIRE(m.amplitude_mv == Approx(1.5));
    REQUIRE(m.positive_peak_mv == Approx(0.9));
    REQUIRE(m.peak_to_peak_mv == Approx(2.4));
    REQUIRE(m.negative_phase_onset_ms == Approx(11.5));
    REQUIRE(m.negative_phase_end_ms == Approx(15.0));
    REQUIRE(m.negative_phase_duration_ms == Approx(3.5));

    // On a fine grid: the global minimum is the stated negative peak, the
    // derivative changes sign exactly three times (three peaks), the value
    // changes sign exactly twice (at 11.5 and 15.0 ms).
    const double h = 1e-4;
    double min_v = 1e9, min_t = 0.0;
    int slope_changes = 0, sign_changes = 0;
    double prev = p.value_mv(10.0 + h), prev_d = prev;
    std::vector<double> crossings;
    for (double t = 10.0 + 2 * h; t < 20.0; t += h) {
        const double v = p.value_mv(t);
        const double d = v - prev;
        if (v < min_v) min_v = v, min_t = t;
        if ((d > 0) != (prev_d > 0) && std::abs(d) > 0 && std::abs(prev_d) > 0) ++slope_changes;
        if ((v > 0) != (prev > 0) && v != 0.0 && prev != 0.0) {
            ++sign_changes;
            crossings.push_back(t);
        }
        prev = v;
        prev_d = d;
    }
    REQUIRE(slope_changes == 3);
    REQUIRE(sign_changes == 2);
    REQUIRE(crossings[0] == Approx(11.5).margin(2 * h));
    REQUIRE(crossings[1] == Approx(15.0).margin(2 * h));
    REQUIRE(min_t == Approx(m.negative_peak_ms).margin(h));
    REQUIRE(min_v == Approx(-1.5).margin(1e-6));
}

TEST_CASE("areas in the truth are the integrals of the waveform", "[evoked_potential]") {
    const EvokedPotential p(triphasic(), 5.0, 8.0, 3.0);
    const auto m = p.measures();
    REQUIRE(m.signed_area_mv_ms == Approx(integrate(p, 5.0, 13.0, false)).epsilon(1e-6));
    REQUIRE(m.rectified_area_mv_ms == Approx(integrate(p, 5.0, 13.0, true)).epsilon(1e-6));
    REQUIRE(m.negative_phase_area_mv_ms ==
            Approx(integrate(p, m.negative_phase_onset_ms, m.negative_phase_end_ms, true)).epsilon(1e-6));
    // Stretching keeps the onset and scales time, so areas scale with it.
    const auto s = p.stretched(1.2).measures();
    REQUIRE(s.onset_ms == 5.0);
    REQUIRE(s.duration_ms == Approx(9.6));
    REQUIRE(s.negative_phase_area_mv_ms == Approx(1.2 * m.negative_phase_area_mv_ms));
    REQUIRE(s.amplitude_mv == Approx(3.0));
    const auto sc = p.scaled(0.5).shifted(2.0).measures();
    REQUIRE(sc.onset_ms == Approx(7.0));
    REQUIRE(sc.amplitude_mv == Approx(1.5));
    REQUIRE(sc.negative_peak_ms == Approx(m.negative_peak_ms + 2.0));
}

TEST_CASE("sampled potentials start at the first sample after the onset at 10 and 20 kHz", "[evoked_potential]") {
    for (double fs : {10000.0, 20000.0}) {
        for (double onset : {30.0, 30.0137, 30.049}) {
            INFO("fs " << fs << " onset " << onset);
            const EvokedPotential p(triphasic(), onset, 10.0, 1.0);
            std::vector<float> x(1000, 0.0f);
            const double t0 = -10.0;  // first sample 10 ms before the stimulus
            p.add_to(x, fs, t0);
            const double dt = 1000.0 / fs;
            // Sample i lies at (i - 10 ms x rate) / rate: the stimulus is a whole sample.
            auto t_of = [&](std::size_t i) { return (t0 * fs / 1000.0 + static_cast<double>(i)) / (fs / 1000.0); };
            std::size_t first = 0;
            while (first < x.size() && x[first] == 0.0f) ++first;
            const double t_first = t_of(first);
            REQUIRE(t_first > onset);
            REQUIRE(t_first - onset <= dt + 1e-9);
            for (std::size_t i = 0; i < x.size(); ++i) {
                REQUIRE(x[i] == static_cast<float>(p.value_mv(t_of(i))));
            }
        }
    }
}

TEST_CASE("drawn shapes vary within their ranges and keep the rules", "[evoked_potential]") {
    Random r(77);
    const auto ranges = test_ranges();
    int positive = 0;
    int count[5] = {0, 0, 0, 0, 0};
    const int n = 4000;
    for (int i = 0; i < n; ++i) {
        const auto s = draw_shape(ranges, r);
        REQUIRE_NOTHROW(s.validate());
        const int phases = static_cast<int>(s.phases.size());
        ++count[phases];
        if (s.initial_polarity() == Polarity::positive) {
            ++positive;
            REQUIRE(phases >= 3);
            REQUIRE(ranges.lead_positive_amplitude.contains(s.phases[0].relative_amplitude));
        }
        REQUIRE(ranges.onset_slope_factor.contains(s.onset_slope_factor));
        for (const auto& ph : s.phases) REQUIRE(ranges.peak_position.contains(ph.peak_position));
    }
    // Binomial: 0.4 of 4000 within 4 SD (31).
    REQUIRE(std::abs(positive - 0.4 * n) < 4 * std::sqrt(n * 0.4 * 0.6));
    REQUIRE(count[2] > 0);
    REQUIRE(count[3] > 0);
    REQUIRE(count[4] > 0);
}

TEST_CASE("invalid shapes are rejected with the rule they break", "[evoked_potential]") {
    auto s = triphasic();
    s.phases[2].polarity = Polarity::negative;
    REQUIRE_THROWS_WITH(s.validate(), Catch::Contains("alternate"));
    s = triphasic();
    s.phases[0].relative_duration = 0.3;
    REQUIRE_THROWS_WITH(s.validate(), Catch::Contains("sum to 1"));
    s = triphasic();
    s.onset_slope_factor = 3.5;
    REQUIRE_THROWS_WITH(s.validate(), Catch::Contains("onset_slope_factor"));
    s = triphasic();
    s.phases[2].relative_amplitude = 1.0;
    REQUIRE_THROWS_WITH(s.validate(), Catch::Contains("main negative"));
    REQUIRE_THROWS(EvokedPotential(triphasic(), 0.0, -1.0, 1.0));
}
