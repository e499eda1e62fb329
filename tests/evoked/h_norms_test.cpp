#include <catch2/catch.hpp>

#include "edx/evoked/h_norms.hpp"
#include "edx/signals/table.hpp"

using namespace edx;
using namespace edx::evoked;

TEST_CASE("the expected H latency is the table's regression, and says it is unverified", "[evoked][norms]") {
    SubjectMeasures s;
    s.age_years = 45.0;
    s.leg_length_cm = 40.0;
    const auto e = expected_h_latency(s);
    REQUIRE(e);
    const char* t = "norms/h_reflex_latency.json";
    const double expected = signals::constant(t, "/regression/intercept_ms") +
                            40.0 * signals::constant(t, "/regression/per_leg_length_ms_per_cm") +
                            45.0 * signals::constant(t, "/regression/per_age_ms_per_year");
    REQUIRE(e->latency_ms == Approx(expected).margin(1e-12));
    // The recollected Braddom & Johnson numbers, to show which the table holds.
    REQUIRE(e->latency_ms == Approx(9.14 + 0.46 * 40.0 + 0.1 * 45.0).margin(1e-9));
    REQUIRE(e->status == "unverified");
    REQUIRE_THAT(e->source, Catch::Contains("Braddom & Johnson 1974") && Catch::Contains("unverified"));
    REQUIRE(e->leg_length_from == "leg_length_cm");
}

TEST_CASE("without a leg length the height gives one, and says how", "[evoked][norms]") {
    SubjectMeasures s;
    s.age_years = 30.0;
    s.height_cm = 180.0;
    const auto e = expected_h_latency(s);
    REQUIRE(e);
    REQUIRE(e->leg_length_cm == Approx(180.0 * signals::constant("physiology/anthropometry.json", "/leg_length_per_height")));
    REQUIRE_THAT(e->leg_length_from, Catch::Contains("height") && Catch::Contains("assumption"));
    SubjectMeasures none;
    none.height_cm = 170.0;
    REQUIRE_FALSE(expected_h_latency(none));  // no age
}

TEST_CASE("the side-to-side limit follows age, and the classic limit is reported beside it", "[evoked][norms]") {
    const auto elderly = side_to_side_limit(65.0);
    REQUIRE(elderly.limit_ms == Approx(1.8));
    REQUIRE(elderly.source == "Falco94");
    REQUIRE(elderly.status == "verified");
    const auto adult = side_to_side_limit(40.0);
    REQUIRE(adult.limit_ms == Approx(2.2));
    REQUIRE(adult.source == "Busch-H");
    REQUIRE(side_to_side_limit(std::nullopt).limit_ms == Approx(2.2));
    REQUIRE_THAT(side_to_side_limit(std::nullopt).rule, Catch::Contains("unknown"));

    const auto c = compare_sides(30.1, 32.0, 70.0);
    REQUIRE(c.difference_ms == Approx(1.9));
    REQUIRE(c.beyond_limit);        // > 1.8 ms in the elderly
    REQUIRE(c.beyond_classic_limit);  // > 1.5 ms
    const auto d = compare_sides(30.1, 32.0, 40.0);
    REQUIRE_FALSE(d.beyond_limit);  // < 2.2 ms in adults
    REQUIRE(d.classic_limit_ms == Approx(1.5));
}
