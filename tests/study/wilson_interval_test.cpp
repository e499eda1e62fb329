#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "edx/study/wilson_interval.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::reference;

TEST_CASE("Wilson intervals equal statsmodels proportion_confint(method='wilson') within 1e-12", "[study][wilson]") {
    const auto& cases = reference().at("wilson");
    REQUIRE(cases.size() >= 8);
    for (const auto& c : cases) {
        const int k = c.at("successes"), n = c.at("trials");
        INFO(k << " of " << n);
        const ProportionEstimate e = wilson_interval(k, n);
        REQUIRE(e.proportion == Approx(static_cast<double>(k) / n).margin(1e-15));
        REQUIRE(std::abs(e.ci_lo - c.at("lo").get<double>()) <= 1e-12);
        REQUIRE(std::abs(e.ci_hi - c.at("hi").get<double>()) <= 1e-12);
        REQUIRE(e.ci_lo <= e.proportion);
        REQUIRE(e.proportion <= e.ci_hi);
    }
}

TEST_CASE("Wilson interval: a higher confidence widens it, and bad arguments are refused", "[study][wilson]") {
    const auto a = wilson_interval(37, 41, 0.90);
    const auto b = wilson_interval(37, 41, 0.99);
    REQUIRE(b.ci_lo < a.ci_lo);
    REQUIRE(b.ci_hi > a.ci_hi);
    REQUIRE_THROWS_AS(wilson_interval(1, 0), std::invalid_argument);
    REQUIRE_THROWS_AS(wilson_interval(-1, 5), std::invalid_argument);
    REQUIRE_THROWS_AS(wilson_interval(6, 5), std::invalid_argument);
    REQUIRE_THROWS_AS(wilson_interval(2, 5, 1.0), std::invalid_argument);
    const auto j = to_json(wilson_interval(3, 7));
    REQUIRE(j.at("ci").size() == 2);
    REQUIRE(j.at("method") == "Wilson score interval");
}
