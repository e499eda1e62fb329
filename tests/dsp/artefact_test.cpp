#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "edx/dsp/artefact.hpp"

using namespace edx::dsp;

namespace {

constexpr double kFs = 20000.0;
constexpr std::size_t kStim = 200;   // 10 ms pre-trigger
constexpr std::size_t kLen = 1000;   // 50 ms sweep

// A CMAP-like biphasic response starting 6 ms after the stimulus, 0.5 mV peak to peak ~ 0.9 mV.
double response(double t_ms) {
    const double u = t_ms - 6.0;
    if (u < 0) return 0.0;
    return 0.5 * (u / 1.5) * std::exp(1.0 - u / 1.5) - 0.25 * (u / 4.0) * std::exp(1.0 - u / 4.0);
}

struct Simulated {
    std::vector<float> sweep;
    std::vector<double> truth;  // response only
    std::vector<double> noise;  // the noise added (known in simulation)
};

// Baseline offset + stimulus spike + exponential tail + response + noise.
Simulated simulate(double offset, double spike, double tail_mv, double tau_ms, double noise_mv, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, noise_mv);
    Simulated s;
    s.sweep.resize(kLen);
    s.truth.resize(kLen);
    s.noise.resize(kLen);
    for (std::size_t i = 0; i < kLen; ++i) {
        const double t_ms = (static_cast<double>(i) - kStim) * 1000.0 / kFs;
        s.noise[i] = noise(rng);
        double v = offset + s.noise[i];
        if (t_ms >= 0 && t_ms < 0.2) v += spike * (t_ms < 0.1 ? 1.0 : -0.6);
        if (t_ms >= 0) v += tail_mv * std::exp(-t_ms / tau_ms);
        s.truth[i] = response(t_ms);
        v += s.truth[i];
        s.sweep[i] = static_cast<float>(v);
    }
    return s;
}

// RMS of what is left of the artefact, (cleaned - true response - noise),
// over the response window 5-30 ms, relative to the response's peak-to-peak amplitude.
double residual(const std::vector<float>& cleaned, const Simulated& sim) {
    const auto& truth = sim.truth;
    double sum = 0, lo = 0, hi = 0;
    std::size_t n = 0;
    for (std::size_t i = kStim + 100; i < kStim + 600; ++i) {
        const double d = cleaned[i] - truth[i] - sim.noise[i];
        sum += d * d;
        ++n;
        lo = std::min(lo, truth[i]);
        hi = std::max(hi, truth[i]);
    }
    return std::sqrt(sum / static_cast<double>(n)) / (hi - lo);
}

ArtefactConfig config() {
    ArtefactConfig c;
    c.sample_rate_hz = kFs;
    c.blank_start_ms = -0.1;
    c.blank_end_ms = 0.5;
    c.fit_start_ms = 0.5;
    c.fit_end_ms = 4.5;
    return c;
}

}  // namespace

TEST_CASE("artefact suppression leaves under 1% residual in the response window", "[dsp][artefact]") {
    // Artefacts of both polarities, tails of 0.3-5 mV with tau 0.5-3 ms, a
    // baseline offset, 10 uV noise. Without suppression the residual is far
    // larger (checked below), so the bound is a real one.
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> amp(0.3, 5.0), tau(0.5, 3.0), off(-0.5, 0.5);
    const StimulusArtefactSuppressor suppressor(config());
    double worst = 0, mean_raw = 0, mean = 0;
    const int trials = 40;
    for (int k = 0; k < trials; ++k) {
        const double sign = k % 2 == 0 ? 1.0 : -1.0;
        const double t = tau(rng);
        const auto sim = simulate(off(rng), 10.0 * sign, sign * amp(rng), t, 0.01, 100 + k);
        std::vector<float> raw = sim.sweep;
        for (auto& v : raw) v -= static_cast<float>(sim.sweep[0] - sim.truth[0]);  // offset removed, tail kept
        mean_raw += residual(raw, sim) / trials;
        std::vector<float> cleaned = sim.sweep;
        const auto r = suppressor.process(cleaned, kStim);
        REQUIRE(r.status == ArtefactStatus::ok);
        const double res = residual(cleaned, sim);
        INFO("trial " << k << ": tau " << t << " ms fitted " << r.tail_tau_ms << " ms, residual " << res);
        CHECK(res < 0.01);
        worst = std::max(worst, res);
        mean += res / trials;
    }
    INFO("residual RMS / response p-p: mean " << mean << ", worst " << worst << "; without suppression: mean " << mean_raw);
    CHECK(worst < 0.01);
    CHECK(mean_raw > 10 * mean);
    WARN("artefact residual (RMS / response p-p, 5-30 ms): suppressed mean " << mean << ", worst " << worst
         << "; unsuppressed mean " << mean_raw);
}

TEST_CASE("baseline correction and blanking alone (no tail fit)", "[dsp][artefact]") {
    auto c = config();
    c.fit_tail = false;
    for (auto interp : {Interpolation::linear, Interpolation::cubic}) {
        c.interpolation = interp;
        const StimulusArtefactSuppressor s(c);
        auto sim = simulate(0.7, 8.0, 0.0, 1.0, 0.0, 3);
        const auto r = s.process(sim.sweep, kStim);
        REQUIRE(r.status == ArtefactStatus::ok);
        CHECK(r.baseline == Approx(0.7).margin(1e-6));
        // The spike is gone: nothing in the blanked window exceeds the response's scale.
        for (std::size_t i = kStim - 2; i < kStim + 10; ++i) CHECK(std::abs(sim.sweep[i]) < 1e-3);
        CHECK(residual(sim.sweep, sim) < 1e-4);
    }
}

TEST_CASE("artefact suppression refuses bad windows and leaves unusable sweeps untouched", "[dsp][artefact]") {
    auto c = config();
    c.fit_start_ms = 0.2;
    REQUIRE_THROWS_WITH(StimulusArtefactSuppressor(c), Catch::Contains("fit_start_ms >= blank_end_ms"));
    c = config();
    c.baseline_end_ms = 1.0;
    REQUIRE_THROWS_WITH(StimulusArtefactSuppressor(c), Catch::Contains("baseline_end_ms <= 0"));
    c = config();
    c.sample_rate_hz = 0;
    REQUIRE_THROWS_WITH(StimulusArtefactSuppressor(c), Catch::Contains("sample_rate_hz"));

    const StimulusArtefactSuppressor s(config());
    auto sim = simulate(0.0, 5.0, 1.0, 1.0, 0.0, 1);
    const auto before = sim.sweep;
    CHECK(s.process(sim.sweep, 20).status == ArtefactStatus::windows_outside_sweep);
    sim.sweep[kStim + 30] = std::nanf("");
    CHECK(s.process(sim.sweep, kStim).status == ArtefactStatus::non_finite_input);
    for (std::size_t i = 0; i < kLen; ++i) {
        if (i != kStim + 30) CHECK(sim.sweep[i] == before[i]);
    }
}
