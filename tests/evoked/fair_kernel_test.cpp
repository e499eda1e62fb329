#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "evoked/fair_kernel.hpp"

using namespace edx::evoked;
using namespace edx::evoked::detail;

TEST_CASE("the generator is splitmix64 (reference sequence) and its indices stay in range", "[fair]") {
    // First outputs for seed 1234567 of the reference C implementation (Vigna, prng.di.unimi.it).
    SplitMix64 g(1234567);
    REQUIRE(g.next() == 6457827717110365317ull);
    REQUIRE(g.next() == 3203168211198807973ull);
    REQUIRE(g.next() == 9817491932198370423ull);
    REQUIRE(g.next() == 4593380528125082431ull);
    REQUIRE(g.next() == 16408922859458223821ull);
    SplitMix64 h(7);
    std::vector<int> hits(10, 0);
    for (int i = 0; i < 100000; ++i) ++hits[h.index(10)];
    // Each of 10 cells expects 10000 (binomial SD 95): within 5 SD.
    for (int c : hits) REQUIRE(std::abs(c - 10000) < 475);
    REQUIRE(h.index(1) == 0);
}

TEST_CASE("median and Hodges-Lehmann shift on small cases worked by hand", "[fair]") {
    std::vector<double> odd = {5, 1, 3}, even = {4, 1, 3, 2};
    REQUIRE(median_in_place(odd) == 3.0);
    REQUIRE(median_in_place(even) == 2.5);

    std::vector<double> scratch(64);
    // Differences {1, 2, 3}: median 2.
    REQUIRE(hodges_lehmann(std::vector<double>{1, 2, 3}, std::vector<double>{0}, scratch) == 2.0);
    // Differences 10, 9, 8, 11, 10, 9 -> sorted 8 9 9 10 10 11: median 9.5.
    REQUIRE(hodges_lehmann(std::vector<double>{10, 11}, std::vector<double>{0, 1, 2}, scratch) == 9.5);

    // Shift equivariance, and robustness: one wild value in x moves the
    // estimate by at most one order statistic of the differences.
    const std::vector<double> y = {30.0, 30.2, 29.9, 30.1, 30.3};
    std::vector<double> x = {33.1, 32.9, 33.0, 33.2, 32.8};
    const double base = hodges_lehmann(x, y, scratch);
    std::vector<double> shifted = x;
    for (auto& v : shifted) v += 0.75;
    REQUIRE(hodges_lehmann(shifted, y, scratch) == Approx(base + 0.75).margin(1e-12));
    x[0] = 80.0;  // a misdetected onset
    REQUIRE(std::abs(hodges_lehmann(x, y, scratch) - base) < 0.15);
}

TEST_CASE("the step onset splits a step where it is, keeping the minimum plateau and the penalty", "[fair]") {
    std::vector<double> scratch(64);
    const std::vector<double> baseline = {30.1, 29.9, 30.0, 30.2, 29.8};
    // Delayed from the third FAIR sweep on.
    REQUIRE(step_onset(baseline, std::vector<double>{30, 30.1, 33, 33.1, 32.9, 33, 33.2}, 5, 4.0, scratch) == 2);
    // Delayed from the first: no split.
    REQUIRE(step_onset(baseline, std::vector<double>{33, 33.1, 32.9, 33, 33.2, 33.1, 33}, 5, 4.0, scratch) == 0);
    // Only the last 4 delayed, but the plateau keeps 5 sweeps: the split stops at 2.
    REQUIRE(step_onset(baseline, std::vector<double>{30, 30.1, 29.9, 33, 33.1, 33, 33.2}, 5, 4.0, scratch) == 2);
    // No room to split.
    REQUIRE(step_onset(baseline, std::vector<double>{30, 33, 33, 33, 33}, 5, 4.0, scratch) == 0);
    // A noise-free step has zero residual scale: any gain splits; no gain does not.
    REQUIRE(step_onset(std::vector<double>(5, 30.0), std::vector<double>{30, 33, 33, 33, 33, 33}, 5, 4.0, scratch) ==
            1);
    REQUIRE(step_onset(std::vector<double>(5, 30.0), std::vector<double>(8, 30.0), 5, 4.0, scratch) == 0);
    // The penalty: the first two FAIR sweeps 1 ms late, nearer baseline than
    // plateau. The split at 2 gains 2.1 ms of absolute deviation, 14 robust SDs
    // (residual SD 0.15 ms).
    const std::vector<double> fair = {31.0, 31.0, 33.0, 33.1, 32.9, 33.0, 33.2, 33.1};
    REQUIRE(step_onset(baseline, fair, 5, 0.0, scratch) == 2);
    REQUIRE(step_onset(baseline, fair, 5, 4.0, scratch) == 2);
    REQUIRE(step_onset(baseline, fair, 5, 13.0, scratch) == 2);
    REQUIRE(step_onset(baseline, fair, 5, 15.0, scratch) == 0);
}

TEST_CASE("the scan statistic: the largest standardised shift over the candidate onsets, by hand", "[fair]") {
    std::vector<double> pairs(64), scratch(64), sorted(8);
    const std::vector<double> base(5, 30.0);
    // A shift of 3 in every FAIR sweep: k = 0 gives 3 / sqrt(1/5 + 1/5).
    REQUIRE(scan_statistic(base, std::vector<double>(5, 33.0), 5, pairs, scratch, sorted) ==
            Approx(3.0 / std::sqrt(0.4)).epsilon(1e-12));
    // Delayed from the second of 6: k = 0 has a median shift of 3 too (5 of 6
    // rows) and the larger n, k = 1 the pure plateau: the larger is k = 0's.
    REQUIRE(scan_statistic(base, std::vector<double>{30, 33, 33, 33, 33, 33}, 5, pairs, scratch, sorted) ==
            Approx(3.0 / std::sqrt(1.0 / 5 + 1.0 / 6)).epsilon(1e-12));
    // Delayed in the last 4 of 8: k = 0..3 give median shifts 1.5, 3, 3, 3 over 8, 7, 6, 5 rows;
    // the largest standardised one is k = 1's.
    REQUIRE(scan_statistic(base, std::vector<double>{30, 30, 30, 30, 33, 33, 33, 33}, 5, pairs, scratch, sorted) ==
            Approx(3.0 / std::sqrt(1.0 / 5 + 1.0 / 7)).epsilon(1e-12));
    // No difference: 0; the sign does not matter.
    REQUIRE(scan_statistic(base, std::vector<double>(7, 30.0), 5, pairs, scratch, sorted) == 0.0);
    REQUIRE(scan_statistic(base, std::vector<double>(5, 27.0), 5, pairs, scratch, sorted) ==
            Approx(3.0 / std::sqrt(0.4)).epsilon(1e-12));
}

TEST_CASE("percentiles interpolate like numpy.percentile", "[fair]") {
    const std::vector<double> v = {1, 2, 3, 4, 10};
    // numpy.percentile([1, 2, 3, 4, 10], [2.5, 97.5, 50]) = [1.1, 9.4, 3.0]
    REQUIRE(sorted_quantile(v, 0.025) == Approx(1.1).epsilon(1e-12));
    REQUIRE(sorted_quantile(v, 0.975) == Approx(9.4).epsilon(1e-12));
    REQUIRE(sorted_quantile(v, 0.5) == 3.0);
    REQUIRE(sorted_quantile(v, 1.0) == 10.0);
}

TEST_CASE("the bootstrap seeds differ by purpose and repeat by seed", "[fair]") {
    REQUIRE(bootstrap_seed(1, 1) == bootstrap_seed(1, 1));
    std::set<std::uint64_t> seeds = {bootstrap_seed(1, 1), bootstrap_seed(1, 2), bootstrap_seed(1, 3),
                                     bootstrap_seed(2, 1)};
    REQUIRE(seeds.size() == 4);
}

TEST_CASE("the workspace estimate: known shift, interval around it, no onset without a difference", "[fair]") {
    FairOptions o;
    FairWorkspace w(40, o.bootstrap_resamples);
    // Baseline and FAIR with the same pattern, FAIR 2.4 ms later: every
    // pairwise-difference multiset is symmetric about 2.4.
    const std::vector<double> pattern = {0.0, 0.3, -0.2, 0.1, -0.3, 0.2, -0.1, 0.25, -0.25, 0.05};
    std::vector<double> baseline, fair, time;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        baseline.push_back(30.0 + pattern[i]);
        fair.push_back(32.4 + pattern[i]);
        time.push_back(5.0 + 2.0 * static_cast<double>(i));
    }
    FairEstimate e;
    w.estimate(baseline, fair, time, o, e);
    REQUIRE(e.status == FairStatus::ok);
    REQUIRE(*e.delay_ms == Approx(2.4).margin(1e-12));
    REQUIRE(*e.significant);
    REQUIRE(*e.onset_after_fair_s == 5.0);
    REQUIRE(*e.onset_after_fair_lo_s == 0.0);
    REQUIRE(*e.ci95_lo_ms < 2.4);
    REQUIRE(*e.ci95_hi_ms > 2.4);
    REQUIRE(*e.positive);
    REQUIRE(*e.delay_control_z == Approx((2.4 - 0.36) / 0.5).margin(1e-12));

    // The smallest p a permutation test of 999 permutations can give: no deal
    // of the pooled latencies fits two levels as well as the real one.
    REQUIRE(*e.p_value == Approx(1.0 / 1000.0).margin(1e-15));
    REQUIRE(e.permutations == 999);

    // Identical positions: no difference, no onset, not positive.
    w.estimate(baseline, baseline, time, o, e);
    REQUIRE(*e.delay_ms == Approx(0.0).margin(1e-12));
    REQUIRE(*e.p_value > 0.5);
    REQUIRE_FALSE(*e.significant);
    REQUIRE_FALSE(e.onset_after_fair_s);
    REQUIRE_FALSE(*e.positive);
    REQUIRE(*e.ci95_lo_ms <= 0.0);
    REQUIRE(*e.ci95_hi_ms >= 0.0);
}
