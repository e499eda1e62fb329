// The FAIR statistics on plain latency arrays, shared by the offline analysis
// and the online estimator so both give bit-identical answers: the penalised
// least-absolute-deviation step onset, the Hodges-Lehmann shift, the seeded
// permutation test and bootstrap of the whole procedure. Nothing here allocates after the
// workspace is built, nothing throws.
//
// The free functions compute each definition the direct way (all pairwise
// differences, every split re-sorted): they are the reference the tests hold
// the workspace to. The workspace computes the same numbers in
// O(n log n) per call and O(n) memory for n sweeps (see FairWorkspace).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/dsp/split_mix64.hpp"
#include "pairwise_median.hpp"

namespace edx::evoked::detail {

using dsp::SplitMix64;

// Median of v (reorders it); v must not be empty.
double median_in_place(std::span<double> v) noexcept;

// Hodges-Lehmann two-sample shift: median of x_i - y_j over all pairs.
// `scratch` holds at least x.size() * y.size().
double hodges_lehmann(std::span<const double> x, std::span<const double> y, std::span<double> scratch) noexcept;

// The least-absolute-deviation step fit behind the onset and the test:
// `fair` in order of time in FAIR is split at k so that baseline + fair[0..k)
// share one median level and fair[k..) another. k = 0 (every FAIR sweep in the
// later part) and the best k in 1..fair.size()-min_plateau (the smallest among
// equal costs; best_k 0 when there is no room). `scratch` holds 2 x (baseline.size() + fair.size()).
struct SplitFit {
    double no_split_cost = 0.0;  // k = 0
    double no_split_pre_median = 0.0, no_split_post_median = 0.0;
    std::size_t best_k = 0;
    double best_cost = std::numeric_limits<double>::infinity();
    double pre_median = 0.0, post_median = 0.0;  // at best_k
    // Keeps split k when it costs strictly less (the first of equal costs stays).
    void consider(std::size_t k, double cost, double pre, double post) noexcept {
        if (!(cost < best_cost)) return;
        best_cost = cost;
        best_k = k;
        pre_median = pre;
        post_median = post;
    }
};
SplitFit fit_split(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                   std::span<double> scratch) noexcept;

// The onset: the best split k >= 1 when it lowers the cost of k = 0 by more
// than `penalty_sd` robust SDs of its residuals (1.4826 x their median absolute
// value), else 0. The penalty keeps noise from making a change point.
std::size_t step_onset(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                       double penalty_sd, std::span<double> scratch) noexcept;

// The test statistic: the largest standardised shift of the later FAIR
// sweeps against the baseline over the candidate onsets,
// max over k in 0..fair.size()-min_plateau of
// |HL(fair[k..], baseline)| / sqrt(1/baseline.size() + 1/(fair.size()-k)).
// A scan: as powerful as the Hodges-Lehmann shift for a delay present from the
// first FAIR sweep, and it finds one confined to the later sweeps. `pairs` and
// `scratch` hold baseline.size() x fair.size(), `sorted_baseline` baseline.size().
double scan_statistic(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                      std::span<double> pairs, std::span<double> scratch, std::span<double> sorted_baseline) noexcept;

struct FairPipelineResult {
    double delay_ms = 0.0;
    std::size_t onset_index = 0;  // first plateau sweep in `fair`
};

// The test scans at most this many candidate onsets: all of them while there
// are no more (up to 68 FAIR sweeps with the minimum plateau of 5), else this
// many evenly spaced ones, the first and the last included. The grid depends
// only on the number of FAIR sweeps, never on the latencies, so the
// permutation test stays exact at its level; only its power against a delay
// starting between two grid onsets can differ from the full scan's
// (bench_fair scan-grid compares the p-values and verdicts).
inline constexpr std::size_t kScanOnsets = 64;

// Scratch buffers for up to max_total sweeps (baseline + FAIR) and `resamples` replicates.
//
// Bit-identical to the reference functions above, in O(n log n) a call and
// O(n) memory (plus at most 2 x 2 MB for the scan's merge of small sets):
// - the Hodges-Lehmann shift by exact selection (pairwise_median.hpp);
// - the step fit's cost for every split from two Fenwick trees over the
//   latencies' ranks (counts and sums: the absolute-deviation cost of a set
//   is the sum of its upper half less the sum of its lower half), then the
//   splits whose cost is within rounding of the least (1e-10 of the summed
//   absolute deviations, far above the trees' rounding) re-costed exactly
//   as the reference does, so ties break the same way (O(n) more for each
//   such split: with many equal latencies, many splits tie and the fit
//   tends to O(n^2), as the reference always is);
// - the scan statistic over the kScanOnsets grid (all onsets on up to 68
//   FAIR sweeps, where it equals scan_statistic()).
class FairWorkspace {
public:
    FairWorkspace(std::size_t max_total, int resamples);

    // Onset and shift on one data set.
    FairPipelineResult pipeline(std::span<const double> baseline, std::span<const double> fair,
                                const FairOptions& options) noexcept;
    // fit_split() and step_onset() above, computed fast (same answers).
    SplitFit split(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau) noexcept;
    std::size_t onset(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                      double penalty_sd) noexcept;
    // scan_statistic() over the kScanOnsets grid of candidate onsets.
    double scan(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau) noexcept;
    // Permutation p-value of scan(): the pooled latencies dealt at
    // random to the baseline and FAIR slots options.permutations times;
    // (1 + #{T* >= T}) / (1 + permutations).
    double permutation_p(std::span<const double> baseline, std::span<const double> fair,
                         const FairOptions& options, SplitMix64& rng) noexcept;
    // One bootstrap replicate of pipeline(): baseline and FAIR resampled with
    // replacement, the FAIR draws kept in time order.
    double replicate(std::span<const double> baseline, std::span<const double> fair, const FairOptions& options,
                     SplitMix64& rng) noexcept;
    // The whole estimate. `fair` and `fair_time_s` in order of time in FAIR.
    // The sizes must fit the workspace.
    void estimate(std::span<const double> baseline, std::span<const double> fair,
                  std::span<const double> fair_time_s, const FairOptions& options, FairEstimate& out) noexcept;

    std::span<double> replicates() noexcept { return replicates_; }
    std::size_t max_total() const noexcept { return max_total_; }

private:
    // Sorts baseline + fair by value into by_value_ (indices: baseline first, then FAIR).
    void rank(std::span<const double> baseline, std::span<const double> fair) noexcept;
    // scan() by merging every pair (the reference's way), read at the grid's onsets.
    double merge_scan(std::span<const double> baseline, std::span<const double> fair, std::size_t last_k,
                      std::size_t onsets) noexcept;
    // The reference's cost of split k (0: no split), summed in the same order.
    double exact_cost(std::span<const double> baseline, std::span<const double> fair, std::size_t k,
                      double& pre_median, double& post_median) noexcept;

    std::size_t max_total_;
    double control_mean_ms_, control_sd_ms_;
    PairwiseMedian median_;
    std::vector<double> pairs_, pair_scratch_, scratch_, onset_scratch_, base_draw_, fair_draw_, pooled_, replicates_;
    std::vector<double> sorted_base_, rows_, cost_, pre_, post_, tree_sum_pre_, tree_sum_post_;
    std::vector<std::size_t> index_draw_, by_value_, rank_of_, fair_order_, tree_count_pre_, tree_count_post_;
};

// Linear interpolation between order statistics of sorted `v` (numpy's default), q in [0, 1].
double sorted_quantile(std::span<const double> v, double q) noexcept;

// The seed of the bootstrap generator for a purpose (single leg, leg comparison).
std::uint64_t bootstrap_seed(std::uint64_t seed, std::uint64_t purpose) noexcept;

}  // namespace edx::evoked::detail
