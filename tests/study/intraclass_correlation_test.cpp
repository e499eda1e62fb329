#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "edx/study/intraclass_correlation.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::close;
using edx::study::test::reference;

TEST_CASE("ICC(2,1) and its interval equal the reference (statsmodels ANOVA mean squares, McGraw-Wong interval)",
          "[study][icc]") {
    const auto& cases = reference().at("icc_2_1");
    REQUIRE(cases.size() >= 3);
    for (const auto& c : cases) {
        INFO(c.at("name").get<std::string>());
        const auto ratings = c.at("ratings").get<std::vector<std::vector<double>>>();
        const IntraclassCorrelation r = intraclass_correlation_2_1(ratings);
        REQUIRE(r.subjects == c.at("n").get<int>());
        REQUIRE(r.sessions == c.at("k").get<int>());
        REQUIRE(close(r.ms_subjects, c.at("ms_subjects").get<double>(), 1e-12));
        REQUIRE(close(r.ms_sessions, c.at("ms_sessions").get<double>(), 1e-12));
        REQUIRE(close(r.ms_error, c.at("ms_error").get<double>(), 1e-12));
        REQUIRE(std::abs(r.icc - c.at("icc").get<double>()) <= 1e-12);
        REQUIRE(close(*r.df_satterthwaite, c.at("df_satterthwaite").get<double>(), 1e-10));
        // F quantiles at non-integer df: Boost and scipy agree to ~1e-10.
        REQUIRE(std::abs(*r.ci_lo - c.at("ci95")[0].get<double>()) <= 1e-8);
        REQUIRE(std::abs(*r.ci_hi - c.at("ci95")[1].get<double>()) <= 1e-8);
        REQUIRE(*r.ci_lo < r.icc);
        REQUIRE(r.icc < *r.ci_hi);
    }
}

TEST_CASE("ICC(2,1) counts a systematic shift between sessions against agreement", "[study][icc]") {
    std::vector<std::vector<double>> same, shifted;
    const double truth[] = {0.2, 0.9, 1.4, 2.2, 2.9, 3.5, 0.5, 1.8};
    const double noise[] = {0.05, -0.04, 0.02, -0.03, 0.01, 0.04, -0.02, 0.03};
    for (int i = 0; i < 8; ++i) {
        same.push_back({truth[i], truth[i] + noise[i]});
        shifted.push_back({truth[i], truth[i] + noise[i] + 1.0});
    }
    const double a = intraclass_correlation_2_1(same).icc;
    const double b = intraclass_correlation_2_1(shifted).icc;
    REQUIRE(a > 0.99);
    REQUIRE(b < a - 0.2);
}

TEST_CASE("intraclass_correlation_2_1 refuses what it cannot estimate", "[study][icc]") {
    REQUIRE_THROWS_AS(intraclass_correlation_2_1({{1.0, 2.0}}), std::invalid_argument);
    REQUIRE_THROWS_AS(intraclass_correlation_2_1({{1.0}, {2.0}}), std::invalid_argument);
    REQUIRE_THROWS_WITH(intraclass_correlation_2_1({{1.0, 2.0}, {1.0}}), Catch::Contains("subject 1 has 1 sessions"));
    REQUIRE_THROWS_WITH(intraclass_correlation_2_1({{1.0, 1.0}, {1.0, 1.0}}), Catch::Contains("every value"));
    // Perfect agreement: ICC 1, no interval.
    const auto perfect = intraclass_correlation_2_1({{1.0, 1.0}, {2.0, 2.0}, {3.0, 3.0}});
    REQUIRE(perfect.icc == Approx(1.0));
    REQUIRE(!perfect.ci_lo);
}
