#include <catch2/catch.hpp>

#include <cmath>

#include "edx/diagnosis/beta_fit.hpp"
#include "edx/diagnosis/evidence_model.hpp"

using namespace edx::diagnosis;

TEST_CASE("beta quantiles agree with scipy.stats.beta.ppf", "[diagnosis][beta]") {
    // Reference: scipy 1.10.1, beta.ppf(p, a, b).
    struct Row {
        double a, b, p, expected;
    };
    const Row rows[] = {
        {3.208, 18.18, 0.025, 0.03620555031962889}, {3.208, 18.18, 0.975, 0.3248371295165708},
        {4.861, 0.256, 0.025, 0.6799210932699327},  {0.5, 0.5, 0.9, 0.9755282581475768},
        {150.168, 13.058, 0.5, 0.9217138694416303}, {2.0, 5.0, 0.3, 0.18180347131894917},
    };
    for (const auto& r : rows) {
        INFO("Beta(" << r.a << ", " << r.b << ") at " << r.p);
        REQUIRE(beta_quantile({r.a, r.b}, r.p) == Approx(r.expected).epsilon(1e-10));
    }
    REQUIRE_THROWS_AS(beta_quantile({0.0, 1.0}, 0.5), std::invalid_argument);
    REQUIRE_THROWS_AS(beta_quantile({1.0, 1.0}, 1.0), std::invalid_argument);
}

TEST_CASE("the fit recovers a Beta from its own mean and 95% interval", "[diagnosis][beta]") {
    // Intervals computed by scipy for Beta(12, 4) and Beta(0.8, 9.2): a Beta
    // family member must be found again, concentration and all.
    const auto fit = fit_beta_to_interval(0.75, 0.5191088661931469, 0.9221284537089564);
    REQUIRE(fit.beta.alpha == Approx(12.0).epsilon(1e-5));
    REQUIRE(fit.beta.beta == Approx(4.0).epsilon(1e-5));
    REQUIRE(fit.max_deviation < 1e-7);

    const auto skewed = fit_beta_to_interval(0.08, 0.0010039247001331743, 0.30040794390869946);
    REQUIRE(skewed.beta.alpha == Approx(0.8).epsilon(1e-5));
    REQUIRE(skewed.beta.beta == Approx(9.2).epsilon(1e-5));
}

TEST_CASE("every parameter of the evidence model keeps its published value as the mean and nearly matches its interval",
          "[diagnosis][beta]") {
    // The mean is exact by construction; a fixed-mean Beta cannot match every
    // asymmetric interval, so each limit may miss by at most 0.04 and by at most
    // a tenth of the interval's width.
    const auto& model = EvidenceModel::bundled();
    REQUIRE(model.parameters.size() > 50);
    for (const auto& p : model.parameters) {
        INFO(p.id << ": " << p.value << " [" << p.ci95_lo << ", " << p.ci95_hi << "] fitted [" << p.fit.q025 << ", "
                  << p.fit.q975 << "]");
        REQUIRE(p.fit.beta.mean() == Approx(p.value).epsilon(1e-12));
        REQUIRE(p.fit.max_deviation <= 0.04);
        REQUIRE(p.fit.max_deviation <= 0.1 * (p.ci95_hi - p.ci95_lo));
    }
}

TEST_CASE("a proportion or interval that no Beta can have is refused", "[diagnosis][beta]") {
    REQUIRE_THROWS_AS(fit_beta_to_interval(0.0, 0.0, 0.1), std::invalid_argument);
    REQUIRE_THROWS_AS(fit_beta_to_interval(1.0, 0.9, 1.0), std::invalid_argument);
    REQUIRE_THROWS_AS(fit_beta_to_interval(0.5, 0.6, 0.9), std::invalid_argument);  // interval without the mean
    REQUIRE_THROWS_AS(fit_beta_to_interval(0.5, 0.7, 0.3), std::invalid_argument);
    REQUIRE_THROWS_AS(fit_beta_to_interval(0.5, -0.1, 0.9), std::invalid_argument);
    REQUIRE_THROWS_WITH(fit_beta_to_interval(0.5, 0.6, 0.9), Catch::Contains("must hold the mean"));
}
