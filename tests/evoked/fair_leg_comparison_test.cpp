#include <catch2/catch.hpp>

#include <cmath>

#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_leg_comparison.hpp"
#include "evoked/fair_test_support.hpp"

using namespace edx::evoked;
using edx::evoked::test::jitter_for_total_sd;
using edx::evoked::test::kMeasurementNoiseSdMs;
using edx::evoked::test::protocol_course;
using edx::evoked::test::simulated_course;

TEST_CASE("legs compared: the delay difference and the baseline difference with their intervals", "[fair]") {
    // Left: FAIR delay 3 ms. Right: no delay, baseline 1.2 ms longer.
    const std::vector<double> pattern = {0.0, 0.3, -0.2, 0.1, -0.3, 0.2, -0.1, 0.25, -0.25, 0.05};
    auto left = protocol_course(10, 5.0, [&](int p, double, int k) -> std::optional<double> {
        return (p == 1 ? 33.0 : 30.0) + pattern[static_cast<std::size_t>(k)];
    });
    auto right = protocol_course(10, 5.0, [&](int, double, int k) -> std::optional<double> {
        return 31.2 + pattern[static_cast<std::size_t>(9 - k)];
    });
    left.name = "soleus_h_left";
    right.name = "soleus_h_right";
    right.side = "right";
    const FairLegComparison c = compare_fair_legs(left, right);
    REQUIRE(c.first_side == "left");
    REQUIRE(c.second_side == "right");
    // The difference of the single-leg delays.
    REQUIRE(*c.delay_difference_ms ==
            Approx(*analyze_fair(left).estimate.delay_ms - *analyze_fair(right).estimate.delay_ms).margin(1e-12));
    REQUIRE(*c.delay_difference_ms == Approx(3.0).margin(1e-12));
    REQUIRE(*c.delay_difference_ci95_lo_ms < 3.0);
    REQUIRE(*c.delay_difference_ci95_hi_ms > 3.0);
    REQUIRE(*c.delay_difference_significant);
    REQUIRE(*c.baseline_difference_ms == Approx(-1.2).margin(1e-12));
    REQUIRE(*c.baseline_difference_ci95_lo_ms < -1.2);
    REQUIRE(*c.baseline_difference_ci95_hi_ms > -1.2);
    REQUIRE(*c.first_anatomic_latency_ms == Approx(30.025).margin(1e-12));
    REQUIRE(c.note.empty());
    const auto j = to_json(c);
    REQUIRE(j.at("delay_difference_ci95_ms").size() == 2);
    REQUIRE(j.at("note").is_null());
}

TEST_CASE("the delay-difference interval covers the true difference on simulated legs", "[fair]") {
    // 100 pairs of legs, 10 sweeps per position, 0.3 ms sweep SD: left D = 2.5, right D = 0.5.
    const double jitter = jitter_for_total_sd(0.3);
    int covered = 0, excluded_zero = 0;
    const int trials = 100;
    for (int t = 0; t < trials; ++t) {
        const auto l = simulated_course(2.5, 1.0, jitter, kMeasurementNoiseSdMs, 30000 + t, "left");
        const auto r = simulated_course(0.5, 1.0, jitter, kMeasurementNoiseSdMs, 30000 + t, "right");
        const FairLegComparison c = compare_fair_legs(l.course, r.course);
        covered += *c.delay_difference_ci95_lo_ms <= 2.0 && 2.0 <= *c.delay_difference_ci95_hi_ms;
        excluded_zero += *c.delay_difference_significant;
    }
    INFO("covered " << covered << ", significant " << excluded_zero);
    // 95% nominal; 100 pairs resolve it to about 2 points (binomial SD).
    REQUIRE(covered >= 0.88 * trials);
    REQUIRE(covered < trials);
    REQUIRE(excluded_zero == trials);
}

TEST_CASE("a leg without enough data gives no delay difference, and says why", "[fair]") {
    auto left = protocol_course(10, 5.0, [](int p, double, int) -> std::optional<double> {
        return p == 1 ? 33.0 : 30.0;
    });
    auto right = protocol_course(
        10, 5.0, [](int, double, int) -> std::optional<double> { return 30.5; }, {"anatomic"});
    right.name = "soleus_h_right";
    const FairLegComparison c = compare_fair_legs(left, right);
    REQUIRE_FALSE(c.delay_difference_ms);
    REQUIRE_FALSE(c.delay_difference_significant);
    REQUIRE(*c.baseline_difference_ms == Approx(-0.5).margin(1e-12));
    REQUIRE_THAT(c.note, Catch::Contains("soleus_h_right has insufficient data"));
}
