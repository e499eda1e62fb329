#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "edx/evoked/recruitment_fit.hpp"
#include "edx/sim/stimulus_recruitment.hpp"

using namespace edx;
using namespace edx::evoked;

TEST_CASE("recruitment curves from known sigmoids: thresholds, Hmax and its intensity", "[evoked][recruitment]") {
    // The simulator's own recruitment model gives the truth; the fit does not know it.
    const sim::StimulusRecruitment truth(10.0, 1.0, 16.0, 2.0);
    const double mmax = 6.0, hmax = 1.8;
    std::mt19937_64 rng(4);
    std::normal_distribution<double> noise(0.0, 0.03);
    std::vector<double> in, m, h;
    for (int k = 0; k <= 40; ++k) {
        const double i = 5.0 + 0.5 * k;  // 5-25 mA
        in.push_back(i);
        m.push_back(std::max(0.0, mmax * truth.m_fraction(i) + noise(rng)));
        h.push_back(std::max(0.0, hmax * truth.h_fraction(i) + noise(rng)));
    }
    const RecruitmentFit f = fit_recruitment(in, m, h);
    REQUIRE(f.intensities == 41);
    REQUIRE(f.m.fitted);
    REQUIRE(f.m.mmax_mv == Approx(mmax).epsilon(0.02));
    REQUIRE(f.m.i50_ma == Approx(16.0).margin(0.2));
    REQUIRE(f.m.threshold_ma == Approx(truth.m_intensity_for(f.threshold_fraction)).margin(0.3));
    REQUIRE(f.m.plateau_reached);
    REQUIRE(f.h.fitted);
    REQUIRE_THAT(f.h.model, Catch::Contains("collision"));
    REQUIRE(f.h.hmax_mv == Approx(hmax).epsilon(0.05));
    REQUIRE(f.h.intensity_at_hmax_ma == Approx(truth.h_max_intensity_ma()).margin(0.4));
    REQUIRE(f.h.threshold_ma == Approx(truth.h_intensity_for(f.threshold_fraction)).margin(0.4));
    REQUIRE(f.h.i50_ma == Approx(truth.h_intensity_for(0.5)).margin(0.3));
}

TEST_CASE("M not reaching its plateau is said so, too few intensities give no fit and a reason", "[evoked][recruitment]") {
    const sim::StimulusRecruitment truth(10.0, 1.0, 16.0, 2.0);
    std::vector<double> in, m, h;
    for (int k = 0; k <= 10; ++k) {
        const double i = 6.0 + 0.8 * k;  // 6-14 mA: below M's half activation
        in.push_back(i);
        m.push_back(6.0 * truth.m_fraction(i));
        h.push_back(1.8 * truth.h_fraction(i));
    }
    const RecruitmentFit f = fit_recruitment(in, m, h);
    REQUIRE(f.m.fitted);
    REQUIRE_FALSE(f.m.plateau_reached);

    const std::vector<double> one(12, 12.0), a(12, 1.0), b(12, 0.5);
    const RecruitmentFit g = fit_recruitment(one, a, b);
    REQUIRE(g.intensities == 1);
    REQUIRE_FALSE(g.m.fitted);
    REQUIRE_FALSE(g.h.fitted);
    REQUIRE_THAT(g.m.reason, Catch::Contains("1 distinct"));
    REQUIRE_THROWS_AS(fit_recruitment(one, a, std::vector<double>(3)), std::invalid_argument);
}
