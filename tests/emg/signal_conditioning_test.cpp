#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "edx/emg/signal_conditioning.hpp"
#include "edx/sim/random.hpp"

using namespace edx;

TEST_CASE("the robust noise SD is the noise's SD, also between dense potentials", "[emg][signal_conditioning]") {
    const double fs = 10000.0;
    sim::Random random(3);
    std::vector<float> noise(100000);
    for (auto& v : noise) v = static_cast<float>(random.normal(0.0, 8.0));
    REQUIRE(emg::robust_noise_sd(noise, fs) == Approx(8.0).epsilon(0.03));

    // 60 potentials per second of 20-40 noise SDs (2 ms each): the estimate stays within 10%.
    auto busy = noise;
    for (std::size_t start = 100; start + 40 < busy.size(); start += 150 + static_cast<std::size_t>(random.uniform(0, 40))) {
        const double a = random.uniform(160.0, 320.0);
        for (int k = 0; k < 20; ++k) busy[start + static_cast<std::size_t>(k)] += static_cast<float>(a * std::sin(M_PI * k / 10.0));
    }
    REQUIRE(emg::robust_noise_sd(busy, fs) == Approx(8.0).epsilon(0.10));
    REQUIRE(emg::robust_noise_sd(std::vector<float>{1.0f, 2.0f}, fs) == 0.0);
}

TEST_CASE("peaks are the largest extrema above threshold, one per dead time", "[emg][signal_conditioning]") {
    std::vector<float> x(1000, 0.0f);
    x[100] = 50.0f;
    x[103] = -60.0f;  // same potential: within the dead time, the larger wins
    x[300] = 20.0f;   // below threshold
    x[500] = -45.0f;
    x[501] = -44.0f;
    x[999] = 70.0f;   // at the end
    const auto peaks = emg::detect_peaks(x, 30.0, 10);
    REQUIRE(peaks.size() == 3);
    REQUIRE(peaks[0].index == 103);
    REQUIRE(peaks[0].value_uv == -60.0);
    REQUIRE(peaks[1].index == 500);
    REQUIRE(peaks[2].index == 999);
    // Sub-sample position from the parabola through |x|: symmetric neighbours give 0.
    std::vector<float> y(20, 0.0f);
    y[9] = 5.0f;
    y[10] = 10.0f;
    y[11] = 5.0f;
    REQUIRE(emg::detect_peaks(y, 8.0, 2).at(0).offset == Approx(0.0).margin(1e-12));
}

TEST_CASE("conditioning removes offset and slow drift and keeps a potential where it is", "[emg][signal_conditioning]") {
    const double fs = 10000.0;
    std::vector<float> x(20000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(500.0 + 100.0 * std::sin(2.0 * M_PI * 0.2 * i / fs));
    for (int k = -10; k <= 10; ++k) x[10000 + static_cast<std::size_t>(k + 10)] += static_cast<float>(-300.0 * std::exp(-0.5 * k * k / 9.0));
    const auto c = emg::condition(x, fs, emg::ConditioningSettings::with_band(100.0, 1000.0));
    REQUIRE(c.measurement_uv.size() == x.size());
    REQUIRE(c.detection_uv.size() == x.size());
    // Far from the potential the measurement signal is back near zero (2 Hz high-pass, zero phase).
    REQUIRE(std::abs(c.measurement_uv[15000]) < 20.0);
    // Zero phase: the detection signal's largest magnitude stays on the potential's peak.
    std::size_t at = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::abs(c.detection_uv[i]) > std::abs(c.detection_uv[at])) at = i;
    }
    REQUIRE(static_cast<long>(at) - 10010 == Approx(0).margin(1));
    REQUIRE_THROWS_AS(emg::ConditioningSettings::with_band(100.0, 50.0), std::invalid_argument);
    REQUIRE_THROWS_AS(emg::condition(x, 1500.0, emg::ConditioningSettings::with_band(1000.0, 3000.0)), std::invalid_argument);
}
