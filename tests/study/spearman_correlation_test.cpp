#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "edx/study/spearman_correlation.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::doubles;
using edx::study::test::reference;

TEST_CASE("Spearman rho and p equal scipy.stats.spearmanr, the Bonett-Wright interval equals the reference",
          "[study][spearman]") {
    const auto& cases = reference().at("spearman");
    REQUIRE(cases.size() >= 4);
    for (const auto& c : cases) {
        INFO(c.at("name").get<std::string>());
        const SpearmanCorrelation s = spearman_correlation(doubles(c.at("x")), doubles(c.at("y")));
        REQUIRE(s.n == c.at("n").get<int>());
        REQUIRE(std::abs(s.rho - c.at("rho").get<double>()) <= 1e-12);
        // p from the t distribution: Boost and scipy's cdflib agree to ~1e-12 relative.
        REQUIRE(s.p_value == Approx(c.at("p_value").get<double>()).epsilon(1e-9));
        REQUIRE(s.ci_lo.has_value());
        REQUIRE(std::abs(*s.ci_lo - c.at("ci95_bonett_wright")[0].get<double>()) <= 1e-12);
        REQUIRE(std::abs(*s.ci_hi - c.at("ci95_bonett_wright")[1].get<double>()) <= 1e-12);
    }
}

TEST_CASE("Spearman rho depends on ranks only: a monotone transform leaves it unchanged", "[study][spearman]") {
    const auto& c = reference().at("spearman")[0];
    const auto x = doubles(c.at("x"));
    auto y = doubles(c.at("y"));
    const double rho = spearman_correlation(x, y).rho;
    for (double& v : y) v = std::exp(v);
    REQUIRE(spearman_correlation(x, y).rho == Approx(rho).margin(1e-14));
}

TEST_CASE("Spearman: a perfect rank agreement has p = 0 and no Fisher interval, and bad input is refused",
          "[study][spearman]") {
    const std::vector<double> x = {1, 2, 3, 4, 5};
    const std::vector<double> y = {1.0, 4.0, 9.0, 16.0, 25.0};
    const auto s = spearman_correlation(x, y);
    REQUIRE(s.rho == 1.0);
    REQUIRE(s.p_value == 0.0);
    REQUIRE(!s.ci_lo);
    REQUIRE(to_json(s).at("ci").is_null());
    REQUIRE_THROWS_AS(spearman_correlation(std::vector<double>{1, 2}, std::vector<double>{1, 2}),
                      std::invalid_argument);
    REQUIRE_THROWS_WITH(spearman_correlation(x, std::vector<double>{2, 2, 2, 2, 2}), Catch::Contains("constant"));
    REQUIRE_THROWS_AS(spearman_correlation(x, std::vector<double>{1, 2, 3}), std::invalid_argument);
}
