#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "edx/evoked/sweep_screen.hpp"

using namespace edx::evoked;

namespace {
constexpr double kRate = 10000.0;
constexpr std::size_t kStimulus = 100;  // 10 ms of pre-stimulus at 10 kHz

std::vector<float> noisy_sweep(std::uint64_t seed, std::size_t n = 1000) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.01f);
    std::vector<float> x(n);
    for (auto& v : x) v = normal(rng);
    return x;
}
}  // namespace

TEST_CASE("a clean sweep passes the screen", "[evoked][screen]") {
    const auto c = ClipCriterion::from_signals();
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const auto r = screen_sweep(noisy_sweep(seed), kStimulus, kRate, c);
        REQUIRE(r.reason == ExclusionReason::none);
        REQUIRE(r.detail.empty());
    }
}

TEST_CASE("a non-finite sample excludes the sweep and is located", "[evoked][screen]") {
    const auto c = ClipCriterion::from_signals();
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
        auto x = noisy_sweep(3);
        x[400] = bad;  // 30 ms after the stimulus
        const auto r = screen_sweep(x, kStimulus, kRate, c);
        REQUIRE(r.reason == ExclusionReason::non_finite);
        REQUIRE_THAT(r.detail, Catch::Contains("30.00 ms"));
    }
}

TEST_CASE("a run of the extreme value outside the pulse is clipping, inside it is not", "[evoked][screen]") {
    const auto c = ClipCriterion::from_signals();
    REQUIRE(c.min_run_samples >= 2);
    const auto run = std::max<std::size_t>(c.min_run_samples, static_cast<std::size_t>(std::ceil(c.min_run_ms * kRate / 1000.0)));
    SECTION("at the rail after the response: clipping") {
        auto x = noisy_sweep(4);
        for (std::size_t i = 0; i < run; ++i) x[500 + i] = 5.0f;
        const auto r = screen_sweep(x, kStimulus, kRate, c);
        REQUIRE(r.reason == ExclusionReason::clipping);
        REQUIRE_THAT(r.detail, Catch::Contains("40.00 ms"));
    }
    SECTION("one sample short of the rule: kept") {
        auto x = noisy_sweep(5);
        for (std::size_t i = 0; i + 1 < run; ++i) x[500 + i] = -5.0f;
        REQUIRE(screen_sweep(x, kStimulus, kRate, c).reason == ExclusionReason::none);
    }
    SECTION("the stimulus artefact saturating during the pulse: kept (it is blanked)") {
        auto x = noisy_sweep(6);
        // From the stimulus to just before the end of the pulse window.
        const auto pulse_end = static_cast<std::size_t>(std::floor(c.pulse_end_ms * kRate / 1000.0));
        for (std::size_t i = kStimulus; i < kStimulus + pulse_end; ++i) x[i] = 20.0f;
        REQUIRE(screen_sweep(x, kStimulus, kRate, c).reason == ExclusionReason::none);
    }
    SECTION("a repeated value that is not an extreme: kept") {
        auto x = noisy_sweep(7);
        for (std::size_t i = 0; i < 3 * run; ++i) x[600 + i] = 0.001f;
        REQUIRE(screen_sweep(x, kStimulus, kRate, c).reason == ExclusionReason::none);
    }
}

TEST_CASE("exclusion counts add up by reason", "[evoked][screen]") {
    ExclusionCounts n;
    n.add(ExclusionReason::none);
    n.add(ExclusionReason::clipping);
    n.add(ExclusionReason::clipping);
    n.add(ExclusionReason::non_finite);
    n.add(ExclusionReason::artefact_overload);
    REQUIRE(n.clipping == 2);
    REQUIRE(n.non_finite == 1);
    REQUIRE(n.artefact_overload == 1);
    REQUIRE(n.total() == 4);
    REQUIRE(to_string(ExclusionReason::artefact_overload) == "artefact_overload");
}

TEST_CASE("an integer-coded smooth peak that repeats its code is not clipping", "[evoked][screen]") {
    // The top of a 1 mV wave 8 ms wide (SD) stored at 0.5 uV per code, as an
    // int16 file does: near its peak the wave changes by less than one code
    // for several samples. Beyond 3 ms either side it falls steadily (two
    // codes a sample), so nothing else repeats.
    const auto c = ClipCriterion::from_signals();
    constexpr double code = 0.0005;
    std::vector<float> x(1000);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = (static_cast<double>(i) - 500.0) / 10.0;  // ms from the peak
        const double v = std::abs(t) <= 3.0 ? std::exp(-0.5 * t * t / 64.0)
                                             : std::exp(-0.5 * 9.0 / 64.0) - 0.01 * (std::abs(t) - 3.0);
        x[i] = static_cast<float>(std::round(v / code) * code);
    }
    std::size_t held = 0;
    for (std::size_t i = 0; i < x.size(); ++i) held += x[i] == x[500] ? 1 : 0;
    REQUIRE(held >= 3);  // the rule of three samples this replaced would have called it clipping
    REQUIRE(screen_sweep(x, kStimulus, kRate, c).reason == ExclusionReason::none);
}

TEST_CASE("a bad clipping criterion is refused, naming the field", "[evoked][screen]") {
    ClipCriterion c;
    c.min_run_samples = 1;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("min_run_samples"));
    c = ClipCriterion{};
    c.pulse_end_ms = c.pulse_start_ms;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("pulse_start_ms"));
}
