#include <catch2/catch.hpp>

#include <cmath>

#include "edx/sim/fair_dynamics.hpp"

using namespace edx;
using namespace edx::sim;

namespace {
std::vector<Marker> protocol() {
    return {
        {0.0, "position=anatomic"}, {10.0, "note=patient moved"}, {20.0, "position=fair"}, {50.0, "position=anatomic"}};
}
}  // namespace

TEST_CASE("the FAIR delay builds up with the onset time constant after the marker", "[fair]") {
    const FairDynamics d(3.0, 5.0, 8.0, 1.0, "fair", protocol());
    REQUIRE(d.delay_ms(0.0) == 0.0);
    REQUIRE(d.delay_ms(19.999) == 0.0);
    REQUIRE(d.delay_ms(20.0) == 0.0);
    REQUIRE(d.delay_ms(25.0) == Approx(3.0 * (1.0 - std::exp(-1.0))).epsilon(1e-12));
    REQUIRE(d.delay_ms(35.0) == Approx(3.0 * (1.0 - std::exp(-3.0))).epsilon(1e-12));
    // Back in anatomic position it relaxes with the recovery time constant from where it was.
    const double at_return = 3.0 * (1.0 - std::exp(-30.0 / 5.0));
    REQUIRE(d.delay_ms(50.0) == Approx(at_return).epsilon(1e-12));
    REQUIRE(d.delay_ms(58.0) == Approx(at_return * std::exp(-1.0)).epsilon(1e-12));
    REQUIRE(d.time_in_fair_s(30.0) == Approx(10.0));
    REQUIRE_FALSE(d.time_in_fair_s(55.0));
    REQUIRE_FALSE(d.time_in_fair_s(15.0));
}

TEST_CASE("re-entering FAIR starts from the residual delay, zero time constants switch at once", "[fair]") {
    std::vector<Marker> m = {{0.0, "position=fair"}, {4.0, "position=anatomic"}, {6.0, "position=fair"}};
    const FairDynamics d(2.0, 4.0, 4.0, 0.5, "fair", m);
    const double x4 = 1.0 - std::exp(-1.0);
    const double x6 = x4 * std::exp(-0.5);
    const double x10 = 1.0 + (x6 - 1.0) * std::exp(-1.0);
    REQUIRE(d.progress(10.0) == Approx(x10).epsilon(1e-12));
    REQUIRE(d.amplitude_factor(10.0) == Approx(1.0 - 0.5 * x10).epsilon(1e-12));
    const FairDynamics step(2.5, 0.0, 0.0, 1.0, "fair", m);
    REQUIRE(step.delay_ms(0.0) == 2.5);
    REQUIRE(step.delay_ms(5.0) == 0.0);
    REQUIRE(step.delay_ms(6.0) == 2.5);
}

TEST_CASE("FAIR responses are validated by field", "[fair]") {
    FairResponse f;
    f.delay_ms = -1.0;
    REQUIRE_THROWS_WITH(f.validate(), Catch::Contains("fair.delay_ms"));
    f = FairResponse{};
    f.onset_tau_s = -2.0;
    REQUIRE_THROWS_WITH(f.validate(), Catch::Contains("fair.onset_tau_s"));
}
