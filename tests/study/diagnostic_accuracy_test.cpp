#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "edx/study/diagnostic_accuracy.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::doubles;
using edx::study::test::reference;

TEST_CASE("sensitivity and specificity at the criterion equal the reference counts and Wilson intervals",
          "[study][accuracy]") {
    for (const auto& c : reference().at("roc")) {
        INFO(c.at("name").get<std::string>());
        const auto pos = doubles(c.at("positives"));
        const auto neg = doubles(c.at("negatives"));
        const DiagnosticAccuracy a = diagnostic_accuracy(pos, neg, c.at("criterion").get<double>());
        REQUIRE(a.true_positives == c.at("true_positives").get<int>());
        REQUIRE(a.true_negatives == c.at("true_negatives").get<int>());
        REQUIRE(a.true_positives + a.false_negatives == static_cast<int>(pos.size()));
        REQUIRE(a.true_negatives + a.false_positives == static_cast<int>(neg.size()));
        REQUIRE(std::abs(a.sensitivity.proportion - c.at("sensitivity").get<double>()) <= 1e-15);
        REQUIRE(std::abs(a.specificity.proportion - c.at("specificity").get<double>()) <= 1e-15);
        REQUIRE(std::abs(a.sensitivity.ci_lo - c.at("sensitivity_wilson")[0].get<double>()) <= 1e-12);
        REQUIRE(std::abs(a.sensitivity.ci_hi - c.at("sensitivity_wilson")[1].get<double>()) <= 1e-12);
        REQUIRE(std::abs(a.specificity.ci_lo - c.at("specificity_wilson")[0].get<double>()) <= 1e-12);
        REQUIRE(std::abs(a.specificity.ci_hi - c.at("specificity_wilson")[1].get<double>()) <= 1e-12);
    }
}

TEST_CASE("a value equal to the criterion is test positive, as edx fair calls a leg", "[study][accuracy]") {
    const std::vector<double> pos = {1.86, 1.85, 3.0};
    const std::vector<double> neg = {1.86, 0.2};
    const auto a = diagnostic_accuracy(pos, neg, 1.86);
    REQUIRE(a.true_positives == 2);
    REQUIRE(a.false_negatives == 1);
    REQUIRE(a.false_positives == 1);
    REQUIRE(a.true_negatives == 1);
}

TEST_CASE("diagnostic accuracy refuses empty groups and non-finite values", "[study][accuracy]") {
    const std::vector<double> some = {1.0, 2.0};
    const std::vector<double> none;
    const std::vector<double> nan = {1.0, std::numeric_limits<double>::quiet_NaN()};
    REQUIRE_THROWS_AS(diagnostic_accuracy(none, some, 1.86), std::invalid_argument);
    REQUIRE_THROWS_AS(diagnostic_accuracy(some, none, 1.86), std::invalid_argument);
    REQUIRE_THROWS_WITH(diagnostic_accuracy(some, nan, 1.86), Catch::Contains("negatives[1] is not finite"));
    REQUIRE_THROWS_AS(diagnostic_accuracy(some, some, std::numeric_limits<double>::infinity()), std::invalid_argument);
}
