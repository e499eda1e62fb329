// The FAIR statistics on plain latency arrays, shared by the offline analysis
// and the online estimator so both give bit-identical answers: the penalised
// least-absolute-deviation step onset, the Hodges-Lehmann shift, the seeded
// permutation test and bootstrap of the whole procedure. Nothing here allocates after the
// workspace is built, nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "edx/evoked/fair_estimate.hpp"

namespace edx::evoked::detail {

// splitmix64 (Steele, Lea, Flood 2014): small, fast, and the same sequence on
// every platform and standard library.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in 0..n-1 (n >= 1), from the top 53 bits.
    std::size_t index(std::size_t n) noexcept {
        const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
        const auto i = static_cast<std::size_t>(u * static_cast<double>(n));
        return i < n ? i : n - 1;
    }

private:
    std::uint64_t state_;
};

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

// Scratch buffers for up to max_total sweeps (baseline + FAIR) and `resamples` replicates.
class FairWorkspace {
public:
    FairWorkspace(std::size_t max_total, int resamples);

    // Onset and shift on one data set.
    FairPipelineResult pipeline(std::span<const double> baseline, std::span<const double> fair,
                                const FairOptions& options) noexcept;
    // Permutation p-value of scan_statistic(): the pooled latencies dealt at
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
    std::size_t max_total_;
    double control_mean_ms_, control_sd_ms_;
    std::vector<double> pairs_, scan_scratch_, scratch_, onset_scratch_, base_draw_, fair_draw_, pooled_, replicates_;
    std::vector<std::size_t> index_draw_;
};

// Linear interpolation between order statistics of sorted `v` (numpy's default), q in [0, 1].
double sorted_quantile(std::span<const double> v, double q) noexcept;

// The seed of the bootstrap generator for a purpose (single leg, leg comparison).
std::uint64_t bootstrap_seed(std::uint64_t seed, std::uint64_t purpose) noexcept;

}  // namespace edx::evoked::detail
