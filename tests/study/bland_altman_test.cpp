#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "edx/study/bland_altman.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::doubles;
using edx::study::test::reference;

TEST_CASE("Bland-Altman bias, limits and their intervals equal the reference (numpy, scipy t)", "[study][bland]") {
    const auto& cases = reference().at("bland_altman");
    REQUIRE(cases.size() >= 2);
    for (const auto& c : cases) {
        INFO(c.at("name").get<std::string>());
        const BlandAltman b = bland_altman(doubles(c.at("first")), doubles(c.at("second")));
        auto near = [](double a, const nlohmann::json& r) { return std::abs(a - r.get<double>()) <= 1e-12; };
        REQUIRE(b.pairs == c.at("n").get<int>());
        REQUIRE(near(b.bias, c.at("bias")));
        REQUIRE(near(b.sd_difference, c.at("sd")));
        REQUIRE(near(b.lower_limit, c.at("lower_limit")));
        REQUIRE(near(b.upper_limit, c.at("upper_limit")));
        // The intervals use the t quantile, where scipy (cdflib) is off by up to
        // ~4e-12 relative (df 11: 2.200985160082949 against 2.2009851600916399,
        // which Boost gives and mpmath confirms to 40 digits): 1e-10.
        REQUIRE(std::abs(b.bias_ci_lo - c.at("bias_ci95")[0].get<double>()) <= 1e-10);
        REQUIRE(std::abs(b.bias_ci_hi - c.at("bias_ci95")[1].get<double>()) <= 1e-10);
        REQUIRE(std::abs(b.lower_limit_ci_lo - c.at("lower_limit_ci95")[0].get<double>()) <= 1e-10);
        REQUIRE(std::abs(b.lower_limit_ci_hi - c.at("lower_limit_ci95")[1].get<double>()) <= 1e-10);
        REQUIRE(std::abs(b.upper_limit_ci_lo - c.at("upper_limit_ci95")[0].get<double>()) <= 1e-10);
        REQUIRE(std::abs(b.upper_limit_ci_hi - c.at("upper_limit_ci95")[1].get<double>()) <= 1e-10);
    }
}

TEST_CASE("Bland-Altman: swapping the sessions negates the bias and swaps the limits", "[study][bland]") {
    const auto& c = reference().at("bland_altman")[0];
    const BlandAltman a = bland_altman(doubles(c.at("first")), doubles(c.at("second")));
    const BlandAltman b = bland_altman(doubles(c.at("second")), doubles(c.at("first")));
    REQUIRE(b.bias == Approx(-a.bias).margin(1e-14));
    REQUIRE(b.lower_limit == Approx(-a.upper_limit).margin(1e-14));
    REQUIRE(b.upper_limit == Approx(-a.lower_limit).margin(1e-14));
    REQUIRE_THROWS_AS(bland_altman(std::vector<double>{1.0}, std::vector<double>{1.0}), std::invalid_argument);
    REQUIRE_THROWS_AS(bland_altman(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0}), std::invalid_argument);
}
