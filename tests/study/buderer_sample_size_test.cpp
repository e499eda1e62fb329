#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "edx/study/buderer_sample_size.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::reference;

TEST_CASE("Buderer's sample size for the published FAIR accuracy, by hand", "[study][buderer]") {
    // Fishman 2002: sensitivity 0.881, specificity 0.832; half-width 0.05; prevalence 0.19.
    // z = 1.959964 (97.5% normal quantile), z^2 = 3.841459.
    //   positives:   3.841459 x 0.881 x 0.119 / 0.0025 = 161.094  -> / 0.19 = 847.86 -> 848 subjects
    //   negatives:   3.841459 x 0.832 x 0.168 / 0.0025 = 214.777  -> / 0.81 = 265.16 -> 266 subjects
    const BudererSampleSize s = buderer_sample_size(0.881, 0.832, 0.05, 0.19);
    REQUIRE(s.z == Approx(1.959964).margin(1e-6));
    REQUIRE(s.positives_for_sensitivity == Approx(161.094).margin(1e-3));
    REQUIRE(s.negatives_for_specificity == Approx(214.777).margin(1e-3));
    REQUIRE(s.subjects_for_sensitivity == 848);
    REQUIRE(s.subjects_for_specificity == 266);
    REQUIRE(s.subjects == 848);
    // Doubling the half-width quarters the numbers: 161.094 / 4 / 0.19 = 211.97 -> 212.
    REQUIRE(buderer_sample_size(0.881, 0.832, 0.10, 0.19).subjects == 212);
}

TEST_CASE("Buderer's sample sizes equal the reference script's", "[study][buderer]") {
    for (const auto& c : reference().at("buderer")) {
        const BudererSampleSize s = buderer_sample_size(c.at("sensitivity"), c.at("specificity"), c.at("precision"),
                                                        c.at("prevalence"));
        REQUIRE(std::abs(s.z - c.at("z").get<double>()) <= 1e-14);
        REQUIRE(s.positives_for_sensitivity == Approx(c.at("positives_for_sensitivity").get<double>()).epsilon(1e-13));
        REQUIRE(s.negatives_for_specificity == Approx(c.at("negatives_for_specificity").get<double>()).epsilon(1e-13));
        REQUIRE(s.subjects == c.at("subjects").get<int>());
    }
}

TEST_CASE("buderer_sample_size names the argument it refuses", "[study][buderer]") {
    REQUIRE_THROWS_WITH(buderer_sample_size(1.0, 0.8, 0.05, 0.2), Catch::Contains("sensitivity"));
    REQUIRE_THROWS_WITH(buderer_sample_size(0.9, 0.0, 0.05, 0.2), Catch::Contains("specificity"));
    REQUIRE_THROWS_WITH(buderer_sample_size(0.9, 0.8, 0.0, 0.2), Catch::Contains("precision"));
    REQUIRE_THROWS_WITH(buderer_sample_size(0.9, 0.8, 0.05, 1.0), Catch::Contains("prevalence"));
}
