#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "edx/evoked/onset.hpp"
#include "edx/sim/evoked_potential.hpp"
#include "measure_test_support.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {

// A trace sampled at fs from t = 0, with `wave` (ms -> mV) plus white noise.
std::vector<double> sample(const std::function<double(double)>& wave, double fs, double length_ms, double noise,
                           std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> x(static_cast<std::size_t>(length_ms * fs / 1000.0));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = wave(static_cast<double>(i) * 1000.0 / fs) + noise * normal(rng);
    return x;
}

std::size_t peak_of(const std::vector<double>& x) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::abs(x[i]) > std::abs(x[k])) k = i;
    }
    return k;
}

// The onset in ms of `wave` sampled at fs with noise (det noise estimated from
// a noise-only trace of the same kind).
double onset_ms(const std::function<double(double)>& wave, double fs, double noise, std::uint64_t seed,
                const OnsetCriterion& c) {
    const auto x = sample(wave, fs, 40.0, noise, seed);
    const auto noise_only = sample([](double) { return 0.0; }, fs, 40.0, noise, seed + 1000);
    const double det = noise > 0.0 ? detection_noise_sd(noise_only, 1, noise_only.size(), fs, c) : 1e-9;
    const OnsetEstimate e = estimate_onset(x, fs, det, peak_of(x), 0, static_cast<std::size_t>(5.0 * fs / 1000.0), c);
    REQUIRE(e.found);
    return e.onset_index * 1000.0 / fs;
}

}  // namespace

TEST_CASE("the onset of a noiseless simulator potential is its support's start", "[evoked][onset]") {
    const auto c = OnsetCriterion::from_signals();
    sim::Random random(5);
    sim::ShapeRanges ranges;
    ranges.initial_positive_probability = 0.5;
    ranges.min_phases = 2;
    ranges.max_phases = 3;
    ranges.lead_positive_amplitude = {0.1, 0.35};
    ranges.trailing_positive_amplitude = {0.3, 0.85};
    ranges.tail_amplitude = {0.05, 0.25};
    ranges.lead_positive_weight = {0.15, 0.4};
    ranges.trailing_positive_weight = {1.0, 2.0};
    ranges.tail_weight = {0.4, 1.0};
    ranges.peak_position = {0.3, 0.55};
    ranges.onset_slope_factor = {0.6, 2.0};
    for (double fs : {10000.0, 20000.0}) {
        std::vector<double> err;
        for (int k = 0; k < 40; ++k) {
            const double onset = 12.0 + 0.37 * k;  // on and off the sample grid
            const sim::EvokedPotential p(sim::draw_shape(ranges, random), onset, 10.0, 1.0);
            err.push_back(onset_ms([&](double t) { return p.value_mv(t); }, fs, 0.0, 1, c) - onset);
        }
        INFO("fs " << fs << ": median |error| " << test::abs_quantile(err, 0.5) << " ms, largest "
                   << test::abs_quantile(err, 1.0) << " ms");
        // Without noise what is left is the model: a quadratic for the first
        // part of a cubic rise, sampled: within a fifth of a sample in
        // median, 0.6 sample at worst.
        REQUIRE(test::abs_quantile(err, 0.5) <= 0.2 * 1000.0 / fs);
        REQUIRE(test::abs_quantile(err, 1.0) <= 0.6 * 1000.0 / fs);
    }
}

TEST_CASE("a potential that takes off with zero slope: the onset lies just after its support's start", "[evoked][onset]") {
    // Second family: a half-sine-windowed sine, rising as (t - onset)^2. Its
    // onset is the start of its support (it is exactly zero before). The
    // criterion's quadratic describes only the first percent of such a rise
    // (the u^4 term takes over), so its break point comes late by up to
    // 0.12 ms on an 8 ms potential: stated, and bounded here.
    const auto c = OnsetCriterion::from_signals();
    for (int phases : {2, 3}) {
        const double norm = test::windowed_sine_peak(phases);
        for (double fs : {10000.0, 20000.0}) {
            const double onset = 15.123;
            auto wave = [&](double t) { return test::windowed_sine_mv(t, onset, 8.0, phases, 1.0 / norm); };
            const double noiseless = onset_ms(wave, fs, 0.0, 1, c) - onset;
            INFO("phases " << phases << " fs " << fs << " noiseless error " << noiseless);
            REQUIRE(noiseless >= -0.01);
            REQUIRE(noiseless <= 0.12);
            // At 1% noise (40 dB), over 50 traces.
            std::vector<double> err;
            for (std::uint64_t s = 0; s < 50; ++s) err.push_back(onset_ms(wave, fs, 0.01, 100 + s, c) - onset);
            REQUIRE(test::abs_quantile(err, 0.5) <= 0.15);
        }
    }
}

TEST_CASE("a linear take-off in noise: the break point is unbiased and precise", "[evoked][onset]") {
    const auto c = OnsetCriterion::from_signals();
    const double onset = 20.05;
    // A triangle: rises for 1 ms to -1 mV, back to 0 over 2 ms.
    auto wave = [&](double t) {
        const double u = t - onset;
        if (u <= 0.0 || u >= 3.0) return 0.0;
        return u < 1.0 ? -u : -(3.0 - u) / 2.0;
    };
    std::vector<double> err;
    for (std::uint64_t s = 0; s < 60; ++s) err.push_back(onset_ms(wave, 10000.0, 0.02, 300 + s, c) - onset);
    double mean = 0.0;
    for (double e : err) mean += e / static_cast<double>(err.size());
    // Noise SD 2% of the amplitude (the slope crosses it in 0.02 ms): no
    // bias beyond 0.02 ms, and one sample at the 95th percentile.
    REQUIRE(std::abs(mean) <= 0.02);
    REQUIRE(test::abs_quantile(err, 0.95) <= 0.1);
}

TEST_CASE("a small initial phase is part of the response: the onset is its start", "[evoked][onset]") {
    const auto c = OnsetCriterion::from_signals();
    const double onset = 18.4;
    // A positive bump of 20% for 1 ms, then the main negative phase.
    auto wave = [&](double t) {
        const double u = t - onset;
        if (u <= 0.0 || u >= 5.0) return 0.0;
        if (u < 1.0) return 0.2 * std::sin(3.14159265358979 * u);
        return -std::sin(3.14159265358979 * (u - 1.0) / 4.0);
    };
    std::vector<double> err;
    for (std::uint64_t s = 0; s < 40; ++s) err.push_back(onset_ms(wave, 20000.0, 0.01, 500 + s, c) - onset);
    REQUIRE(test::abs_quantile(err, 0.95) <= 0.1);
}

TEST_CASE("a small initial phase in noise is not taken into the quiet stretch", "[evoked][onset]") {
    // A 25% positive phase of 1 ms before the main negative one, in white
    // noise of 5% of the main peak: the quiet stretch before the response
    // must not take in the small phase's rise.
    const auto c = OnsetCriterion::from_signals();
    const double onset = 18.4;
    auto wave = [&](double t) {
        const double u = t - onset;
        if (u <= 0.0 || u >= 5.0) return 0.0;
        if (u < 1.0) return 0.25 * std::sin(3.14159265358979 * u);
        return -std::sin(3.14159265358979 * (u - 1.0) / 4.0);
    };
    for (double fs : {10000.0, 20000.0}) {
        std::vector<double> err;
        for (std::uint64_t s = 0; s < 40; ++s) err.push_back(onset_ms(wave, fs, 0.05, 700 + s, c) - onset);
        INFO("fs " << fs << ": median |error| " << test::abs_quantile(err, 0.5) << " ms, 90th percentile "
                   << test::abs_quantile(err, 0.9));
        // Missing the first phase would put the onset 1 ms late.
        REQUIRE(test::abs_quantile(err, 0.5) <= 0.15);
        REQUIRE(test::abs_quantile(err, 0.9) <= 0.5);
    }
}

TEST_CASE("a response with no quiet baseline before it has no onset, and says why", "[evoked][onset]") {
    const auto c = OnsetCriterion::from_signals();
    std::vector<double> x(400);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.05 * static_cast<double>(i));  // never quiet
    const OnsetEstimate e = estimate_onset(x, 10000.0, 0.001, 300, 0, 20, c);
    REQUIRE_FALSE(e.found);
    REQUIRE_THAT(e.reason, Catch::Contains("quiet baseline"));
}

TEST_CASE("a bad onset criterion is refused, naming the field", "[evoked][onset]") {
    OnsetCriterion c;
    c.rise_fraction = 1.5;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("rise_fraction"));
    c = OnsetCriterion{};
    c.k_noise_sd = 0.0;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("k_noise_sd"));

}
