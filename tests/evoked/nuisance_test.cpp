// The locked-mains estimate of a mean sweep: a small hum beside large
// responses found at its own frequency and level, and none reported where
// there is none.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "evoked/nuisance.hpp"
#include "edx/sim/random.hpp"

using namespace edx::evoked;

namespace {

// One period of a sine from `begin_ms` over `duration_ms`, negative first:
// a biphasic muscle response of the given peak.
double biphasic(double t_ms, double begin_ms, double duration_ms, double peak_mv) {
    if (t_ms < begin_ms || t_ms > begin_ms + duration_ms) return 0.0;
    return -peak_mv * std::sin(2.0 * std::numbers::pi * (t_ms - begin_ms) / duration_ms);
}

// A mean H-reflex sweep at 10 kHz, 10 ms before the stimulus and 90 after:
// a decaying artefact tail, an M- and an H-wave far larger than a locked hum
// of hum_hz (fundamental 16 uV peak, odd harmonics at 0.3 of the previous),
// and the noise left after averaging 30 sweeps.
std::vector<double> mean_sweep(double hum_hz, double m_peak_mv, std::uint64_t seed) {
    constexpr double fs = 10000.0;
    std::vector<double> x(1000);
    edx::sim::Random random(seed);
    const double phase = 2.0 * std::numbers::pi * random.uniform();
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) * 1000.0 / fs - 10.0;  // ms from the stimulus
        double v = 0.0, a = 0.016;
        for (int h = 1; h <= 7; h += 2, a *= 0.3) v += a * std::sin(2.0 * std::numbers::pi * hum_hz * h * t / 1000.0 + h * phase);
        if (t > 1.5) v += 0.3 * std::exp(-(t - 1.5) / 2.0);
        v += biphasic(t, 5.5, 13.0, m_peak_mv) + biphasic(t, 35.0, 15.0, 0.45 * m_peak_mv);
        x[i] = v + 0.004 * random.normal();
    }
    return x;
}

}  // namespace

TEST_CASE("locked mains: a small hum beside large responses is found at its own frequency", "[evoked][nuisance]") {
    // The responses hold far more power between 50 and 420 Hz than the hum:
    // a fit over every sample would be theirs, and its residuals on the quiet
    // stretches as large as on them; the hum is fitted on what is left once
    // they are out.
    for (double hum_hz : {50.0, 60.0}) {
        for (double m_peak_mv : {0.5, 1.2, 3.0}) {
            for (std::uint64_t seed = 1; seed <= 4; ++seed) {
                INFO("hum " << hum_hz << " Hz, M peak " << m_peak_mv << " mV, seed " << seed);
                const auto x = mean_sweep(hum_hz, m_peak_mv, seed);
                const auto mains = detail::locked_mains(x, 10000.0, 95, 115, 3);
                REQUIRE(mains.mains_hz == hum_hz);
                // The fitted hum on the quiet stretch between the waves (20-34 ms) within 4 uV RMS of the true one.
                double ss = 0.0;
                edx::sim::Random random(seed);
                const double phase = 2.0 * std::numbers::pi * random.uniform();
                int count = 0;
                for (std::size_t i = 300; i < 440; ++i) {
                    const double t = static_cast<double>(i) / 10.0 - 10.0;
                    double v = 0.0, a = 0.016;
                    for (int h = 1; h <= 7; h += 2, a *= 0.3) v += a * std::sin(2.0 * std::numbers::pi * hum_hz * h * t / 1000.0 + h * phase);
                    ss += (mains.waveform[i] - v) * (mains.waveform[i] - v);
                    ++count;
                }
                REQUIRE(std::sqrt(ss / count) < 0.004);
            }
        }
    }
}

TEST_CASE("locked mains: none is reported where there is no hum", "[evoked][nuisance]") {
    std::vector<double> x(1000);
    edx::sim::Random random(7);
    for (double& v : x) v = 0.004 * random.normal();
    REQUIRE(detail::locked_mains(x, 10000.0, 95, 115, 3).mains_hz == 0.0);
}
