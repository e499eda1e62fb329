#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <stdexcept>

#include "edx/sim/random.hpp"
#include "edx/study/youden_cutoff.hpp"
#include "study/study_reference.hpp"

using namespace edx::study;
using edx::study::test::doubles;
using edx::study::test::reference;

TEST_CASE("the Youden-optimal cut-off equals the reference script's, with its sensitivity and specificity",
          "[study][youden]") {
    for (const auto& c : reference().at("roc")) {
        INFO(c.at("name").get<std::string>());
        const auto& y = c.at("youden");
        const YoudenCutoff r = youden_cutoff(doubles(c.at("positives")), doubles(c.at("negatives")));
        REQUIRE(r.cutoff == y.at("cutoff").get<double>());
        REQUIRE(std::abs(r.youden_index - y.at("j").get<double>()) <= 1e-12);
        REQUIRE(std::abs(r.sensitivity - y.at("sensitivity").get<double>()) <= 1e-12);
        REQUIRE(std::abs(r.specificity - y.at("specificity").get<double>()) <= 1e-12);
        // The interval holds the cut-off (the replicates straddle it on these data).
        REQUIRE(r.ci_lo <= r.cutoff);
        REQUIRE(r.cutoff <= r.ci_hi);
        REQUIRE(r.resamples == 2000);
    }
}

TEST_CASE("the bootstrap interval of the cut-off: the same seed gives the same interval, and the seed drives the replicates",
          "[study][youden]") {
    const auto& c = reference().at("roc")[0];
    const auto pos = doubles(c.at("positives"));
    const auto neg = doubles(c.at("negatives"));
    const YoudenCutoff a = youden_cutoff(pos, neg);
    const YoudenCutoff b = youden_cutoff(pos, neg);
    REQUIRE(a.ci_lo == b.ci_lo);
    REQUIRE(a.ci_hi == b.ci_hi);
    YoudenOptions other;
    other.seed = 12345;
    REQUIRE(youden_cutoff(pos, neg, other).cutoff == a.cutoff);  // the seed moves only the interval
    // The replicates' cut-offs fall on a few observed values, so 2000 of them
    // put the percentiles on the same values whatever the seed; with 100
    // replicates the seed shows: ten seeds do not all give one interval.
    YoudenOptions quick;
    quick.resamples = 100;
    std::set<std::pair<double, double>> intervals;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        quick.seed = seed;
        const YoudenCutoff q = youden_cutoff(pos, neg, quick);
        intervals.insert({q.ci_lo, q.ci_hi});
        REQUIRE(youden_cutoff(pos, neg, quick).ci_hi == q.ci_hi);
    }
    REQUIRE(intervals.size() > 1);
}

TEST_CASE("the cut-off interval narrows as the study grows and lies between the two groups' delays",
          "[study][youden]") {
    // Delays of affected legs 2.66 +/- 0.68 ms and control legs 0.36 +/- 0.5 ms
    // [Fish92; SD inferred]: the optimum lies between the means.
    auto cohort = [](int n, std::uint64_t seed) {
        edx::sim::Random r(seed);
        std::pair<std::vector<double>, std::vector<double>> g;
        for (int i = 0; i < n; ++i) g.first.push_back(r.normal(2.66, 0.68));
        for (int i = 0; i < n; ++i) g.second.push_back(r.normal(0.36, 0.5));
        return g;
    };
    const auto small = cohort(30, 7);
    const auto large = cohort(480, 7);
    const YoudenCutoff s = youden_cutoff(small.first, small.second);
    const YoudenCutoff l = youden_cutoff(large.first, large.second);
    INFO("small " << s.cutoff << " [" << s.ci_lo << ", " << s.ci_hi << "], large " << l.cutoff << " [" << l.ci_lo
                  << ", " << l.ci_hi << "]");
    REQUIRE(l.ci_hi - l.ci_lo < s.ci_hi - s.ci_lo);
    // Where the two normal densities cross: about 1.38 ms; the large study's interval holds it.
    REQUIRE(l.ci_lo < 1.38);
    REQUIRE(l.ci_hi > 1.38);
    REQUIRE(l.ci_lo > 0.36);
    REQUIRE(l.ci_hi < 2.66);
}

TEST_CASE("youden_cutoff refuses empty groups and too few resamples", "[study][youden]") {
    const std::vector<double> some = {1.0, 2.0};
    REQUIRE_THROWS_AS(youden_cutoff(std::vector<double>{}, some), std::invalid_argument);
    YoudenOptions few;
    few.resamples = 10;
    REQUIRE_THROWS_WITH(youden_cutoff(some, some, few), Catch::Contains("resamples"));
}
