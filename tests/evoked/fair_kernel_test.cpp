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

namespace {

// Latencies for the fast-versus-reference checks: a baseline level, a FAIR
// delay from sweep `onset` on, and noise either continuous or quantised to
// 0.1 ms (exact ties in the costs and the differences).
struct Series {
    std::vector<double> baseline, fair;
};
Series series(SplitMix64& rng, std::size_t nb, std::size_t m, std::size_t onset, double delay, bool quantised) {
    auto noise = [&]() {
        double s = 0.0;
        for (int i = 0; i < 4; ++i) s += static_cast<double>(rng.next() >> 11) * 0x1.0p-53 - 0.5;
        s *= 0.5;  // SD 0.29 ms
        return quantised ? std::round(s * 10.0) / 10.0 : s;
    };
    Series out;
    for (std::size_t i = 0; i < nb; ++i) out.baseline.push_back(30.0 + noise());
    for (std::size_t i = 0; i < m; ++i) out.fair.push_back(30.0 + (i >= onset ? delay : 0.0) + noise());
    return out;
}

}  // namespace

TEST_CASE("the workspace's step fit, onset and shift equal the reference functions, ties included", "[fair]") {
    SplitMix64 rng(7);
    FairOptions o;
    FairWorkspace w(3000, 100);
    std::vector<double> scratch(6001), pairs(2000 * 1000);
    int splits = 0;
    for (const std::size_t nb : {std::size_t{10}, std::size_t{187}, std::size_t{1300}}) {
        for (const std::size_t m : {std::size_t{10}, std::size_t{100}, std::size_t{650}}) {
            for (const bool quantised : {false, true}) {
                for (const double delay : {0.0, 1.0}) {
                    const Series s = series(rng, nb, m, m / 3, delay, quantised);
                    INFO("nb " << nb << " m " << m << " quantised " << quantised << " delay " << delay);
                    const SplitFit ref = fit_split(s.baseline, s.fair, 5, scratch);
                    const SplitFit fast = w.split(s.baseline, s.fair, 5);
                    REQUIRE(fast.best_k == ref.best_k);
                    REQUIRE(fast.best_cost == ref.best_cost);
                    REQUIRE(fast.no_split_cost == ref.no_split_cost);
                    REQUIRE(fast.pre_median == ref.pre_median);
                    REQUIRE(fast.post_median == ref.post_median);
                    const std::size_t onset = step_onset(s.baseline, s.fair, 5, o.onset_penalty_sd, scratch);
                    REQUIRE(w.onset(s.baseline, s.fair, 5, o.onset_penalty_sd) == onset);
                    splits += onset > 0;
                    const FairPipelineResult r = w.pipeline(s.baseline, s.fair, o);
                    REQUIRE(r.onset_index == onset);
                    REQUIRE(r.delay_ms == hodges_lehmann(std::span<const double>(s.fair).subspan(onset), s.baseline,
                                                         pairs));
                }
            }
        }
    }
    // The delayed series split at their onset: the comparison covered both branches.
    REQUIRE(splits > 0);
    // All equal: every split costs 0 and none is taken.
    const std::vector<double> flat_b(300, 30.0), flat_f(200, 30.0);
    REQUIRE(w.split(flat_b, flat_f, 5).best_k == fit_split(flat_b, flat_f, 5, scratch).best_k);
    REQUIRE(w.onset(flat_b, flat_f, 5, 4.0) == 0);
}

TEST_CASE("the workspace's scan equals the full scan up to 68 FAIR sweeps and its grid beyond", "[fair]") {
    SplitMix64 rng(11);
    FairWorkspace w(5000, 100);
    std::vector<double> pairs(4500 * 68), spare(4500 * 68), sorted(4500);
    // The grid's statistic the slow way: the reference's standardised shift at each grid onset.
    auto grid = [&](const Series& s) {
        const std::size_t m = s.fair.size(), nb = s.baseline.size(), last = m - 5;
        double largest = 0.0;
        for (std::size_t i = 0; i < kScanOnsets; ++i) {
            const std::size_t k = i * last / (kScanOnsets - 1);
            const double shift = hodges_lehmann(std::span<const double>(s.fair).subspan(k), s.baseline, pairs);
            largest = std::max(largest, std::abs(shift) / std::sqrt(1.0 / static_cast<double>(nb) +
                                                                    1.0 / static_cast<double>(m - k)));
        }
        return largest;
    };
    for (const bool quantised : {false, true}) {
        INFO("quantised " << quantised);
        // Every onset (at most 68 FAIR sweeps): by selection (4500 x 60 pairs
        // are too many to merge) and by merging (150 x 68).
        const Series a = series(rng, 4500, 60, 25, 0.3, quantised);
        REQUIRE(w.scan(a.baseline, a.fair, 5) == scan_statistic(a.baseline, a.fair, 5, pairs, spare, sorted));
        const Series b = series(rng, 150, 68, 40, 0.8, quantised);
        REQUIRE(w.scan(b.baseline, b.fair, 5) == scan_statistic(b.baseline, b.fair, 5, pairs, spare, sorted));
        // The 64-onset grid: by merging (187 x 100) and by selection (400 x 200).
        const Series c = series(rng, 187, 100, 70, 0.8, quantised);
        REQUIRE(w.scan(c.baseline, c.fair, 5) == grid(c));
        const Series d = series(rng, 400, 200, 120, 0.8, quantised);
        const double dz = grid(d);
        REQUIRE(w.scan(d.baseline, d.fair, 5) == dz);
        // A subset of the full scan's onsets: never above it.
        REQUIRE(dz <= scan_statistic(d.baseline, d.fair, 5, pairs, spare, sorted));
    }
}

TEST_CASE("a bootstrap replicate of the workspace is the reference pipeline on the same draws", "[fair]") {
    SplitMix64 rng(13);
    FairOptions o;
    FairWorkspace w(2000, 100);
    std::vector<double> scratch(4001), pairs(1300 * 600), base(1300), fair(600);
    std::vector<std::size_t> index(600);
    const Series s = series(rng, 1300, 600, 100, 1.5, false);
    for (int r = 0; r < 5; ++r) {
        SplitMix64 a(100 + static_cast<std::uint64_t>(r)), b(100 + static_cast<std::uint64_t>(r));
        const double fast = w.replicate(s.baseline, s.fair, o, a);
        // The draws as replicate() documents them, then the definition the slow way.
        for (auto& x : base) x = s.baseline[b.index(s.baseline.size())];
        for (auto& i : index) i = b.index(s.fair.size());
        std::sort(index.begin(), index.end());
        for (std::size_t i = 0; i < index.size(); ++i) fair[i] = s.fair[index[i]];
        const std::size_t onset = step_onset(base, fair, 5, o.onset_penalty_sd, scratch);
        REQUIRE(fast == hodges_lehmann(std::span<const double>(fair).subspan(onset), base, pairs));
    }
}
