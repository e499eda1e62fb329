#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "diagnosis/beta_sampler.hpp"
#include "edx/diagnosis/beta_fit.hpp"

using edx::diagnosis::BetaParameters;
using edx::diagnosis::beta_quantile;
using edx::diagnosis::detail::BetaSampler;

namespace {
// Share of draws below the p-quantile of the distribution drawn from.
double share_below(const BetaParameters& b, double p, int n, std::uint64_t seed) {
    BetaSampler s(seed);
    const double q = beta_quantile(b, p);
    int below = 0;
    for (int i = 0; i < n; ++i) below += s.beta(b) < q ? 1 : 0;
    return static_cast<double>(below) / n;
}
}  // namespace

TEST_CASE("Beta draws follow the distribution, for shapes above and below 1", "[diagnosis][beta]") {
    // 40000 draws: the share below a quantile p has SD sqrt(p(1-p)/n) <= 0.0025;
    // the tolerance is 4 SD. The shapes are those the model's fits produce
    // (tiny beta for specificities near 1, large concentrations).
    const BetaParameters shapes[] = {{3.208, 18.18}, {4.861, 0.256}, {150.168, 13.058}, {0.8, 9.2}, {1.0, 1.0}};
    const int n = 40000;
    for (const auto& b : shapes) {
        for (double p : {0.025, 0.25, 0.5, 0.75, 0.975}) {
            INFO("Beta(" << b.alpha << ", " << b.beta << "), p = " << p);
            const double sd = std::sqrt(p * (1.0 - p) / n);
            REQUIRE(std::abs(share_below(b, p, n, 17) - p) < 4.0 * sd);
        }
    }
}

TEST_CASE("the same seed gives the same draws", "[diagnosis][beta]") {
    BetaSampler a(99), b(99), c(100);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        const double x = a.beta({2.0, 3.0});
        REQUIRE(x == b.beta({2.0, 3.0}));
        differs = differs || x != c.beta({2.0, 3.0});
        REQUIRE(x > 0.0);
        REQUIRE(x < 1.0);
    }
    REQUIRE(differs);
}
