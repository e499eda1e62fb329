#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/signals/table.hpp"

using namespace edx::evoked;

TEST_CASE("FAIR options default to the literature constants of signals/norms/fair_criterion.json", "[fair]") {
    const FairOptions o;
    // 1.86 ms: 3 SD beyond the control mean [Fish02b]; 5 sweeps [Hopk00].
    REQUIRE(o.criterion_ms == 1.86);
    REQUIRE(o.min_sweeps_per_position == 5);
    REQUIRE(o.recovery_window_s == edx::signals::constant("norms/fair_criterion.json", "/recovery_window_s"));
    const auto& table = edx::signals::table("norms/fair_criterion.json");
    REQUIRE(table.at("criterion_ms").at("source") == "Fish02b");
    REQUIRE(table.at("criterion_ms").at("status") == "verified");
    REQUIRE(table.at("min_sweeps_per_position").at("source") == "Hopk00");
    REQUIRE(table.at("recovery_window_s").at("status") == "assumption");
    // The inferred control SD is consistent with the criterion being mean + 3 SD.
    REQUIRE(fair_norm("/control_delay_mean_ms") + 3.0 * fair_norm("/control_delay_sd_ms") ==
            Approx(o.criterion_ms).margin(1e-12));
    REQUIRE_NOTHROW(o.validate());
}

TEST_CASE("FAIR options are validated by field", "[fair]") {
    auto fails_naming = [](FairOptions o, const char* field) {
        REQUIRE_THROWS_WITH(o.validate(), Catch::Contains(field));
    };
    FairOptions o;
    o.criterion_ms = -1.0;
    fails_naming(o, "criterion_ms");
    o = FairOptions{};
    o.criterion_ms = std::numeric_limits<double>::quiet_NaN();
    fails_naming(o, "criterion_ms");
    o = FairOptions{};
    o.min_sweeps_per_position = 0;
    fails_naming(o, "min_sweeps_per_position");
    o = FairOptions{};
    o.recovery_window_s = -1.0;
    fails_naming(o, "recovery_window_s");
    o = FairOptions{};
    o.alpha = 1.0;
    fails_naming(o, "alpha");
    o = FairOptions{};
    o.bootstrap_resamples = 10;
    fails_naming(o, "bootstrap_resamples");
    o = FairOptions{};
    o.fair_position = "anatomic";
    fails_naming(o, "fair_position");
    o = FairOptions{};
    o.anatomic_position.clear();
    fails_naming(o, "anatomic_position");
}

TEST_CASE("FAIR status names", "[fair]") {
    REQUIRE(to_string(FairStatus::ok) == "ok");
    REQUIRE(to_string(FairStatus::insufficient_data) == "insufficient_data");
    REQUIRE(to_string(FairShortfall::too_few_fair) == "too_few_fair");
    REQUIRE(to_string(FairShortfall::too_few_anatomic_and_fair) == "too_few_anatomic_and_fair");
}
