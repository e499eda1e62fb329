// Empirical-Bayes shrinkage of per-sweep delays, on delays with known truth:
// true delay = the run's level + jitter (SD tau), measured with Gaussian
// error of a stated standard error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "evoked/shift_shrinkage.hpp"

using edx::evoked::detail::shrink_delays;

namespace {

struct Draw {
    std::vector<double> truth, measured, se;
    std::vector<int> group;
};

// Three runs of `per` sweeps (levels 0, `step`, 0: a FAIR delay in the middle
// run), jitter SD tau, standard errors drawn in [0.7, 1.5] x se.
Draw draw(int per, double tau, double se, double step, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> spread(0.7, 1.5);
    Draw d;
    for (int g = 0; g < 3; ++g) {
        for (int i = 0; i < per; ++i) {
            const double t = (g == 1 ? step : 0.0) + tau * normal(rng);
            const double s = se * spread(rng);
            d.truth.push_back(t);
            d.se.push_back(s);
            d.measured.push_back(t + s * normal(rng));
            d.group.push_back(g);
        }
    }
    return d;
}

double rms(const std::vector<double>& a, const std::vector<double>& b) {
    double ss = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) ss += (a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(ss / static_cast<double>(a.size()));
}

double group_mean(const std::vector<double>& v, const std::vector<int>& group, int g) {
    double s = 0.0;
    int n = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (group[i] == g) {
            s += v[i];
            ++n;
        }
    }
    return s / n;
}

}  // namespace

TEST_CASE("delays as noisy as their jitter: shrinkage cuts the error, runs keep their level", "[evoked][shrinkage]") {
    // Standard error equal to the jitter: the posterior mean's error is
    // 1/sqrt(2) of the measurement's for a known tau (about 0.76 with the
    // errors' spread); tau is estimated here from 30 delays, so 0.85 is asked,
    // in the sum over 200 recordings.
    double raw2 = 0.0, shrunk2 = 0.0, step_bias = 0.0, tau_sum = 0.0;
    const int recordings = 200;
    for (int r = 0; r < recordings; ++r) {
        const Draw d = draw(10, 1.0, 1.0, 5.0, 100 + static_cast<std::uint64_t>(r));
        const auto s = shrink_delays(d.measured, d.se, d.group);
        REQUIRE(s.shrunk);
        raw2 += std::pow(rms(d.measured, d.truth), 2);
        shrunk2 += std::pow(rms(s.delay, d.truth), 2);
        tau_sum += s.jitter_sd;
        // The middle run's level against the others, as a FAIR delay is read.
        auto step_of = [&](const std::vector<double>& v) {
            return group_mean(v, d.group, 1) - 0.5 * (group_mean(v, d.group, 0) + group_mean(v, d.group, 2));
        };
        const double truth_step = step_of(d.truth), shrunk_step = step_of(s.delay);
        step_bias += (shrunk_step - truth_step) / recordings;
    }
    INFO("RMS error shrunk / raw " << std::sqrt(shrunk2 / raw2) << ", mean tau " << tau_sum / recordings
                                   << ", mean bias of the middle run's level " << step_bias);
    REQUIRE(std::sqrt(shrunk2 / raw2) <= 0.85);
    // A 5-unit step between runs is not pulled towards the other runs.
    REQUIRE(std::abs(step_bias) <= 0.05);
    // tau from 30 delays is rough (often 0 when the errors are as large as the jitter).
    REQUIRE(tau_sum / recordings > 0.5);
}

TEST_CASE("the jitter's SD is estimated without bias from many delays with unequal errors", "[evoked][shrinkage]") {
    // 3 runs of 100 delays, standard errors 0.7-1.5 x the jitter's SD: a
    // spread less the median squared error would come out low (the errors
    // differ), the median of the standardised squares does not.
    double tau_sum = 0.0;
    const int recordings = 100;
    for (int r = 0; r < recordings; ++r) {
        const Draw d = draw(100, 1.0, 1.0, 2.0, 500 + static_cast<std::uint64_t>(r));
        tau_sum += shrink_delays(d.measured, d.se, d.group).jitter_sd;
    }
    INFO("mean tau " << tau_sum / recordings);
    REQUIRE(tau_sum / recordings == Approx(1.0).margin(0.05));
}

TEST_CASE("precise delays are left where they were measured", "[evoked][shrinkage]") {
    const Draw d = draw(10, 1.0, 0.02, 0.0, 7);
    const auto s = shrink_delays(d.measured, d.se, d.group);
    REQUIRE(s.shrunk);
    for (std::size_t i = 0; i < d.measured.size(); ++i) {
        // se <= 0.03 against tau near 1: the weight tau^2 / (tau^2 + se^2) is
        // above 0.998, so a delay moves by under 0.2% of its distance from its run's median.
        std::vector<double> run;
        for (std::size_t j = 0; j < d.measured.size(); ++j) {
            if (d.group[j] == d.group[i]) run.push_back(d.measured[j]);
        }
        std::sort(run.begin(), run.end());
        const double median = 0.5 * (run[run.size() / 2 - 1] + run[run.size() / 2]);
        REQUIRE(std::abs(s.delay[i] - d.measured[i]) <= 2e-3 * std::abs(d.measured[i] - median) + 1e-12);
    }
}

TEST_CASE("delays with no spread beyond their noise go to their run's median", "[evoked][shrinkage]") {
    // No jitter: the spread is all noise, tau is estimated near 0 and every
    // delay moves most of the way to its run's median.
    const Draw d = draw(30, 0.0, 1.0, 3.0, 11);
    const auto s = shrink_delays(d.measured, d.se, d.group);
    REQUIRE(s.shrunk);
    REQUIRE(s.jitter_sd < 0.5);
    REQUIRE(rms(s.delay, d.truth) < 0.6 * rms(d.measured, d.truth));
}

TEST_CASE("shrinkage's edge cases: an unmeasurable delay, tiny runs, bad sizes", "[evoked][shrinkage]") {
    Draw d = draw(10, 1.0, 1.0, 0.0, 3);
    d.se[4] = std::numeric_limits<double>::infinity();
    const auto s = shrink_delays(d.measured, d.se, d.group);
    // Its run's median (run 0: the first ten).
    std::vector<double> run0(d.measured.begin(), d.measured.begin() + 10);
    std::sort(run0.begin(), run0.end());
    REQUIRE(s.delay[4] == Approx(0.5 * (run0[4] + run0[5])).margin(1e-12));

    // Runs of one or two say nothing of the spread: with no run of three, delays stay.
    const std::vector<double> v{1.0, 2.0, 3.0, 4.0};
    const std::vector<double> se{1.0, 1.0, 1.0, 1.0};
    const std::vector<int> g{0, 0, 1, 1};
    const auto t = shrink_delays(v, se, g);
    REQUIRE_FALSE(t.shrunk);
    REQUIRE(t.delay == v);

    REQUIRE_THROWS_AS(shrink_delays(v, std::vector<double>{1.0}, g), std::invalid_argument);
}
