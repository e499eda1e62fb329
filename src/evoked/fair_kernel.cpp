#include "fair_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edx::evoked::detail {

double median_in_place(std::span<double> v) noexcept {
    const std::size_t n = v.size();
    const std::size_t mid = n / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    const double upper = v[mid];
    if (n % 2 == 1) return upper;
    const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    return 0.5 * (lower + upper);
}

double hodges_lehmann(std::span<const double> x, std::span<const double> y, std::span<double> scratch) noexcept {
    std::size_t k = 0;
    for (const double xi : x) {
        for (const double yj : y) scratch[k++] = xi - yj;
    }
    return median_in_place(scratch.first(k));
}

namespace {
// Sum of absolute deviations from the median of sorted v[0..n).
double sorted_deviation(const double* v, std::size_t n, double& median) noexcept {
    if (n == 0) {
        median = 0.0;
        return 0.0;
    }
    median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += std::abs(v[i] - median);
    return sum;
}

// Merges the row f - b_j (j from the largest baseline down: ascending) into
// the sorted differences merged[0..size), writing to spare; returns the new size.
std::size_t merge_row(double f, const double* sorted_baseline, std::size_t nb, const double* merged, std::size_t size,
                      double* spare) noexcept {
    std::size_t a = 0, j = nb, out = 0;
    while (a < size && j > 0) {
        const double r = f - sorted_baseline[j - 1];
        if (merged[a] <= r) {
            spare[out++] = merged[a++];
        } else {
            spare[out++] = r;
            --j;
        }
    }
    while (a < size) spare[out++] = merged[a++];
    while (j > 0) spare[out++] = f - sorted_baseline[--j];
    return out;
}
}  // namespace

SplitFit fit_split(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                   std::span<double> scratch) noexcept {
    const std::size_t m = fair.size(), nb = baseline.size();
    double* pre = scratch.data();
    double* post = pre + nb + m;
    // Both segments kept sorted as sweeps move from the later to the earlier one.
    std::copy(baseline.begin(), baseline.end(), pre);
    std::sort(pre, pre + nb);
    std::copy(fair.begin(), fair.end(), post);
    std::sort(post, post + m);
    SplitFit fit;
    fit.no_split_cost = sorted_deviation(pre, nb, fit.no_split_pre_median) +
                        sorted_deviation(post, m, fit.no_split_post_median);
    std::size_t n_pre = nb, n_post = m;
    for (std::size_t k = 1; k + min_plateau <= m; ++k) {
        const double x = fair[k - 1];
        double* at = std::upper_bound(pre, pre + n_pre, x);
        std::copy_backward(at, pre + n_pre, pre + n_pre + 1);
        *at = x;
        ++n_pre;
        double* gone = std::lower_bound(post, post + n_post, x);
        std::copy(gone + 1, post + n_post, gone);
        --n_post;
        double pre_median = 0.0, post_median = 0.0;
        const double cost = sorted_deviation(pre, n_pre, pre_median) + sorted_deviation(post, n_post, post_median);
        fit.consider(k, cost, pre_median, post_median);
    }
    return fit;
}

namespace {
// The best split is the onset when it lowers the cost by more than penalty_sd
// robust SDs of the residuals around the fitted step; 0 otherwise. residuals:
// room for every sweep.
std::size_t onset_of_split(const SplitFit& fit, std::span<const double> baseline, std::span<const double> fair,
                           double penalty_sd, double* residuals) noexcept {
    if (fit.best_k == 0 || !(fit.best_cost < fit.no_split_cost)) return 0;
    std::size_t r = 0;
    for (const double v : baseline) residuals[r++] = std::abs(v - fit.pre_median);
    for (std::size_t i = 0; i < fair.size(); ++i)
        residuals[r++] = std::abs(fair[i] - (i < fit.best_k ? fit.pre_median : fit.post_median));
    const double sd = 1.4826 * median_in_place(std::span<double>(residuals, r));
    return fit.no_split_cost - fit.best_cost > penalty_sd * sd ? fit.best_k : 0;
}
}  // namespace

std::size_t step_onset(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                       double penalty_sd, std::span<double> scratch) noexcept {
    const SplitFit fit = fit_split(baseline, fair, min_plateau, scratch);
    return onset_of_split(fit, baseline, fair, penalty_sd, scratch.data());
}

double scan_statistic(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                      std::span<double> pairs, std::span<double> scratch, std::span<double> sorted_baseline) noexcept {
    const std::size_t m = fair.size(), nb = baseline.size();
    if (m == 0 || nb == 0) return 0.0;
    std::copy(baseline.begin(), baseline.end(), sorted_baseline.begin());
    std::sort(sorted_baseline.begin(), sorted_baseline.begin() + static_cast<std::ptrdiff_t>(nb));
    // The candidate sets fair[k..) are nested: rows are merged in from the
    // last FAIR sweep back, keeping every difference sorted, so each median
    // is read off directly.
    const std::size_t last_k = m > min_plateau ? m - min_plateau : 0;
    double* merged = pairs.data();
    double* spare = scratch.data();
    std::size_t size = 0;
    double largest = 0.0;
    for (std::size_t i = m; i-- > 0;) {
        // Row i ascending: f_i - b_j with j from the largest baseline down.
        size = merge_row(fair[i], sorted_baseline.data(), nb, merged, size, spare);
        std::swap(merged, spare);
        if (i > last_k) continue;
        const double shift = size % 2 ? merged[size / 2] : 0.5 * (merged[size / 2 - 1] + merged[size / 2]);
        const double z =
            std::abs(shift) / std::sqrt(1.0 / static_cast<double>(nb) + 1.0 / static_cast<double>(m - i));
        largest = std::max(largest, z);
    }
    return largest;
}

double sorted_quantile(std::span<const double> v, double q) noexcept {
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    if (i + 1 >= v.size()) return v.back();
    return v[i] + (pos - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

std::uint64_t bootstrap_seed(std::uint64_t seed, std::uint64_t purpose) noexcept {
    SplitMix64 mix(seed ^ (purpose * 0xD1B54A32D192ED03ull));
    return mix.next();
}

namespace {

// Below this much work (pairs merged, or splits x sweeps) the reference
// functions are quicker than the O(n log n) ones and give the same numbers.
constexpr std::size_t kDirectWork = 32768;
// The scan merges every pair only up to this many (2 MB a buffer).
constexpr std::size_t kMergePairs = std::size_t{1} << 18;

// A Fenwick tree over value ranks holding at most one latency per rank: the
// count and the sum of the smallest `k` of the latencies present in O(log n).
struct RankTree {
    std::size_t* count;
    double* sum;
    std::size_t n;

    void clear() noexcept {
        std::fill(count, count + n + 1, std::size_t{0});
        std::fill(sum, sum + n + 1, 0.0);
    }
    void add(std::size_t rank, double value, bool insert) noexcept {
        for (std::size_t i = rank + 1; i <= n; i += i & (~i + 1)) {
            if (insert) {
                ++count[i];
                sum[i] += value;
            } else {
                --count[i];
                sum[i] -= value;
            }
        }
    }
    double smallest(std::size_t k) const noexcept {
        std::size_t pos = 0;
        double s = 0.0;
        std::size_t step = 1;
        while (step * 2 <= n) step *= 2;
        for (; step > 0; step /= 2) {
            if (pos + step <= n && count[pos + step] <= k) {
                pos += step;
                k -= count[pos];
                s += sum[pos];
            }
        }
        return s;
    }
    // Sum of absolute deviations from the median of `size` latencies with
    // total `total`: the upper half's sum less the lower half's.
    double cost(std::size_t size, double total) const noexcept {
        const std::size_t h = size / 2;
        return (total - smallest(size - h)) - smallest(h);
    }
};

}  // namespace

FairWorkspace::FairWorkspace(std::size_t max_total, int resamples)
    : max_total_(max_total),
      control_mean_ms_(fair_norm("/control_delay_mean_ms")),
      control_sd_ms_(fair_norm("/control_delay_sd_ms")),
      median_(max_total + 1),
      pairs_(std::min(max_total * max_total / 4 + 1, kMergePairs + 1)),
      pair_scratch_(std::min(max_total * max_total / 4 + 1, kMergePairs + 1)),
      scratch_(max_total + 1),
      onset_scratch_(2 * max_total + 1),
      base_draw_(max_total + 1),
      fair_draw_(max_total + 1),
      pooled_(max_total + 1),
      replicates_(static_cast<std::size_t>(std::max(resamples, 1))),
      sorted_base_(max_total + 1),
      rows_(max_total + 1),
      cost_(max_total + 1),
      pre_(max_total + 1),
      post_(max_total + 1),
      tree_sum_pre_(max_total + 2),
      tree_sum_post_(max_total + 2),
      index_draw_(max_total + 1),
      by_value_(max_total + 1),
      rank_of_(max_total + 1),
      fair_order_(max_total + 1),
      tree_count_pre_(max_total + 2),
      tree_count_post_(max_total + 2) {}

void FairWorkspace::rank(std::span<const double> baseline, std::span<const double> fair) noexcept {
    const std::size_t nb = baseline.size(), n = nb + fair.size();
    auto value = [&](std::size_t i) { return i < nb ? baseline[i] : fair[i - nb]; };
    for (std::size_t i = 0; i < n; ++i) by_value_[i] = i;
    std::sort(by_value_.begin(), by_value_.begin() + static_cast<std::ptrdiff_t>(n),
              [&](std::size_t a, std::size_t b) { return value(a) < value(b) || (value(a) == value(b) && a < b); });
    for (std::size_t r = 0; r < n; ++r) rank_of_[by_value_[r]] = r;
}

double FairWorkspace::exact_cost(std::span<const double> baseline, std::span<const double> fair, std::size_t k,
                                 double& pre_median, double& post_median) noexcept {
    // Both parts in ascending order, as the reference sorts them: the same
    // terms summed in the same order give the same rounding.
    const std::size_t nb = baseline.size(), n = nb + fair.size();
    std::size_t n_pre = 0, n_post = 0;
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t i = by_value_[r];
        if (i < nb) {
            pre_[n_pre++] = baseline[i];
        } else if (i - nb < k) {
            pre_[n_pre++] = fair[i - nb];
        } else {
            post_[n_post++] = fair[i - nb];
        }
    }
    return sorted_deviation(pre_.data(), n_pre, pre_median) + sorted_deviation(post_.data(), n_post, post_median);
}

SplitFit FairWorkspace::split(std::span<const double> baseline, std::span<const double> fair,
                              std::size_t min_plateau) noexcept {
    const std::size_t nb = baseline.size(), m = fair.size(), n = nb + m;
    rank(baseline, fair);
    SplitFit fit;
    fit.no_split_cost = exact_cost(baseline, fair, 0, fit.no_split_pre_median, fit.no_split_post_median);
    if (m < 1 + min_plateau) return fit;

    // Latencies about their middle one, so the trees' sums stay small.
    const auto value = [&](std::size_t i) { return i < nb ? baseline[i] : fair[i - nb]; };
    const double centre = value(by_value_[n / 2]);
    RankTree pre{tree_count_pre_.data(), tree_sum_pre_.data(), n};
    RankTree post{tree_count_post_.data(), tree_sum_post_.data(), n};
    pre.clear();
    post.clear();
    double pre_total = 0.0, post_total = 0.0, spread = 0.0;
    for (std::size_t i = 0; i < nb; ++i) {
        const double v = baseline[i] - centre;
        pre.add(rank_of_[i], v, true);
        pre_total += v;
        spread += std::abs(v);
    }
    for (std::size_t i = 0; i < m; ++i) {
        const double v = fair[i] - centre;
        post.add(rank_of_[nb + i], v, true);
        post_total += v;
        spread += std::abs(v);
    }
    const std::size_t last = m - min_plateau;
    double least = std::numeric_limits<double>::infinity();
    for (std::size_t k = 1; k <= last; ++k) {
        const double v = fair[k - 1] - centre;
        const std::size_t r = rank_of_[nb + k - 1];
        post.add(r, v, false);
        pre.add(r, v, true);
        post_total -= v;
        pre_total += v;
        cost_[k] = pre.cost(nb + k, pre_total) + post.cost(m - k, post_total);
        least = std::min(least, cost_[k]);
    }
    // The trees' rounding is of order n * 1e-16 of the spread; every split
    // that close to the least is re-costed exactly, in order of k, so the
    // reference's choice (the smallest k among equal costs) is reproduced.
    const double tolerance = 1e-10 * (1.0 + spread);
    for (std::size_t k = 1; k <= last; ++k) {
        if (!(cost_[k] <= least + tolerance)) continue;
        double pre_median = 0.0, post_median = 0.0;
        const double c = exact_cost(baseline, fair, k, pre_median, post_median);
        fit.consider(k, c, pre_median, post_median);
    }
    return fit;
}

std::size_t FairWorkspace::onset(std::span<const double> baseline, std::span<const double> fair,
                                 std::size_t min_plateau, double penalty_sd) noexcept {
    const SplitFit fit = split(baseline, fair, min_plateau);
    return onset_of_split(fit, baseline, fair, penalty_sd, onset_scratch_.data());
}

double FairWorkspace::merge_scan(std::span<const double> baseline, std::span<const double> fair,
                                 std::size_t last_k, std::size_t onsets) noexcept {
    // scan_statistic()'s merge, read at the grid's onsets only.
    const std::size_t m = fair.size(), nb = baseline.size();
    std::copy(baseline.begin(), baseline.end(), sorted_base_.begin());
    std::sort(sorted_base_.begin(), sorted_base_.begin() + static_cast<std::ptrdiff_t>(nb));
    double* merged = pairs_.data();
    double* spare = pair_scratch_.data();
    std::size_t size = 0, next = onsets;  // grid onsets left to read, the largest first
    double largest = 0.0;
    for (std::size_t i = m; i-- > 0 && next > 0;) {
        size = merge_row(fair[i], sorted_base_.data(), nb, merged, size, spare);
        std::swap(merged, spare);
        const std::size_t k = onsets == last_k + 1 ? next - 1 : (next - 1) * last_k / (onsets - 1);
        if (i != k) continue;
        --next;
        const double shift = size % 2 ? merged[size / 2] : 0.5 * (merged[size / 2 - 1] + merged[size / 2]);
        const double z =
            std::abs(shift) / std::sqrt(1.0 / static_cast<double>(nb) + 1.0 / static_cast<double>(m - i));
        largest = std::max(largest, z);
    }
    return largest;
}

double FairWorkspace::scan(std::span<const double> baseline, std::span<const double> fair,
                           std::size_t min_plateau) noexcept {
    const std::size_t m = fair.size(), nb = baseline.size();
    if (m == 0 || nb == 0) return 0.0;
    std::copy(baseline.begin(), baseline.end(), sorted_base_.begin());
    std::sort(sorted_base_.begin(), sorted_base_.begin() + static_cast<std::ptrdiff_t>(nb));
    for (std::size_t i = 0; i < m; ++i) fair_order_[i] = i;
    std::sort(fair_order_.begin(), fair_order_.begin() + static_cast<std::ptrdiff_t>(m),
              [&](std::size_t a, std::size_t b) { return fair[a] < fair[b]; });
    const auto base = std::span<const double>(sorted_base_).first(nb);
    const std::size_t last_k = m > min_plateau ? m - min_plateau : 0;
    const std::size_t onsets = std::min(last_k + 1, kScanOnsets);
    // Two ways to the same numbers: the reference's merge of every pair from
    // the last FAIR sweep back (nb m^2 / 2 steps, nb m of memory), or a
    // selection per onset (about 30 merge steps' time per sweep, measured with
    // bench_fair scaling): whichever is quicker, the merge only while its
    // memory is small.
    if (nb * m <= kMergePairs && nb * m * (m + 1) / 2 <= 30 * onsets * (nb + m))
        return merge_scan(baseline, fair, last_k, onsets);
    double largest = 0.0;
    // Neighbouring onsets have nearby shifts: each selection's first pivots
    // bracket the last shift by twice the last change (speed only).
    double previous = PairwiseMedian::kNoGuess, change = PairwiseMedian::kNoGuess;
    for (std::size_t c = 0; c < onsets; ++c) {
        const std::size_t k = onsets == last_k + 1 ? c : c * last_k / (onsets - 1);
        std::size_t rows = 0;
        for (std::size_t j = 0; j < m; ++j) {
            if (fair_order_[j] >= k) rows_[rows++] = fair[fair_order_[j]];
        }
        const double reach = 2.0 * change + 1e-12 * (1.0 + std::abs(previous));
        const double shift =
            median_.shift(std::span<const double>(rows_).first(rows), base, previous - reach, previous + reach);
        change = std::abs(shift - previous);
        if (!(change == change)) change = PairwiseMedian::kNoGuess;  // the first onset: no change yet
        previous = shift;
        const double z =
            std::abs(shift) / std::sqrt(1.0 / static_cast<double>(nb) + 1.0 / static_cast<double>(m - k));
        largest = std::max(largest, z);
    }
    return largest;
}

FairPipelineResult FairWorkspace::pipeline(std::span<const double> baseline, std::span<const double> fair,
                                           const FairOptions& options) noexcept {
    FairPipelineResult r;
    const auto min_plateau = static_cast<std::size_t>(options.min_sweeps_per_position);
    const std::size_t nb = baseline.size(), m = fair.size(), n = nb + m;
    std::size_t n_base = 0, n_rows = 0;
    if (m * n <= kDirectWork) {
        // Small: the reference's step fit is quicker; both samples sorted directly.
        r.onset_index = step_onset(baseline, fair, min_plateau, options.onset_penalty_sd, onset_scratch_);
        std::copy(baseline.begin(), baseline.end(), sorted_base_.begin());
        std::copy(fair.begin() + static_cast<std::ptrdiff_t>(r.onset_index), fair.end(), rows_.begin());
        n_base = nb;
        n_rows = m - r.onset_index;
        std::sort(sorted_base_.begin(), sorted_base_.begin() + static_cast<std::ptrdiff_t>(n_base));
        std::sort(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(n_rows));
    } else {
        r.onset_index = onset(baseline, fair, min_plateau, options.onset_penalty_sd);
        // The ranks split() left give both samples sorted.
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = by_value_[k];
            if (i < nb) {
                sorted_base_[n_base++] = baseline[i];
            } else if (i - nb >= r.onset_index) {
                rows_[n_rows++] = fair[i - nb];
            }
        }
    }
    r.delay_ms = median_.shift(std::span<const double>(rows_).first(n_rows),
                               std::span<const double>(sorted_base_).first(n_base));
    return r;
}

double FairWorkspace::permutation_p(std::span<const double> baseline, std::span<const double> fair,
                                    const FairOptions& options, SplitMix64& rng) noexcept {
    const std::size_t na = baseline.size(), n = na + fair.size();
    const auto min_plateau = static_cast<std::size_t>(options.min_sweeps_per_position);
    const double observed = scan(baseline, fair, min_plateau);
    std::copy(baseline.begin(), baseline.end(), pooled_.begin());
    std::copy(fair.begin(), fair.end(), pooled_.begin() + static_cast<std::ptrdiff_t>(na));
    const auto pooled = std::span<const double>(pooled_).first(n);
    // Equal up to rounding counts as "as large".
    const double tie = 1e-9 * (1.0 + observed);
    std::size_t as_large = 0;
    const auto permutations = static_cast<std::size_t>(options.permutations);
    for (std::size_t p = 0; p < permutations; ++p) {
        // Fisher-Yates; reshuffling a shuffled deal is still a uniform deal.
        for (std::size_t i = n - 1; i > 0; --i) std::swap(pooled_[i], pooled_[rng.index(i + 1)]);
        if (scan(pooled.first(na), pooled.subspan(na), min_plateau) >= observed - tie) ++as_large;
    }
    return static_cast<double>(1 + as_large) / static_cast<double>(1 + permutations);
}

double FairWorkspace::replicate(std::span<const double> baseline, std::span<const double> fair,
                                const FairOptions& options, SplitMix64& rng) noexcept {
    const std::size_t na = baseline.size(), nf = fair.size();
    for (std::size_t i = 0; i < na; ++i) base_draw_[i] = baseline[rng.index(na)];
    for (std::size_t i = 0; i < nf; ++i) index_draw_[i] = rng.index(nf);
    // FAIR draws keep their order in time (a case-resampling bootstrap of the time course).
    std::sort(index_draw_.begin(), index_draw_.begin() + static_cast<std::ptrdiff_t>(nf));
    for (std::size_t i = 0; i < nf; ++i) fair_draw_[i] = fair[index_draw_[i]];
    return pipeline(std::span<const double>(base_draw_).first(na), std::span<const double>(fair_draw_).first(nf),
                    options)
        .delay_ms;
}

void FairWorkspace::estimate(std::span<const double> baseline, std::span<const double> fair,
                             std::span<const double> fair_time_s, const FairOptions& options,
                             FairEstimate& out) noexcept {
    out = FairEstimate{};
    out.criterion_ms = options.criterion_ms;
    out.alpha = options.alpha;
    out.permutations = options.permutations;
    out.bootstrap_resamples = options.bootstrap_resamples;
    const std::size_t na = baseline.size(), nf = fair.size();
    out.n_anatomic = static_cast<int>(na);
    out.n_fair = static_cast<int>(nf);
    auto median_of = [this](std::span<const double> v) {
        std::copy(v.begin(), v.end(), scratch_.begin());
        return median_in_place(std::span<double>(scratch_).first(v.size()));
    };
    if (na > 0) out.anatomic_latency_ms = median_of(baseline);

    const auto min = static_cast<std::size_t>(options.min_sweeps_per_position);
    if (na < min || nf < min) {
        out.status = FairStatus::insufficient_data;
        out.shortfall = na < min && nf < min ? FairShortfall::too_few_anatomic_and_fair
                        : na < min           ? FairShortfall::too_few_anatomic
                                             : FairShortfall::too_few_fair;
        if (nf > 0) out.fair_latency_ms = median_of(fair);
        return;
    }

    const FairPipelineResult r = pipeline(baseline, fair, options);
    out.status = FairStatus::ok;
    out.shortfall = FairShortfall::none;
    out.n_plateau = static_cast<int>(nf - r.onset_index);
    out.fair_latency_ms = median_of(fair.subspan(r.onset_index));
    out.delay_ms = r.delay_ms;
    SplitMix64 permutation_rng(bootstrap_seed(options.seed, 4));
    out.p_value = permutation_p(baseline, fair, options, permutation_rng);
    out.significant = *out.p_value < options.alpha;
    if (*out.significant) {
        out.onset_after_fair_s = fair_time_s[r.onset_index];
        out.onset_after_fair_lo_s = r.onset_index > 0 ? fair_time_s[r.onset_index - 1] : 0.0;
    }

    SplitMix64 rng(bootstrap_seed(options.seed, 1));
    const auto b = static_cast<std::size_t>(options.bootstrap_resamples);
    for (std::size_t i = 0; i < b; ++i) replicates_[i] = replicate(baseline, fair, options, rng);
    auto reps = std::span<double>(replicates_).first(b);
    std::sort(reps.begin(), reps.end());
    out.ci95_lo_ms = sorted_quantile(reps, 0.025);
    out.ci95_hi_ms = sorted_quantile(reps, 0.975);

    out.positive = r.delay_ms >= options.criterion_ms;
    out.criterion_in_ci = *out.ci95_lo_ms <= options.criterion_ms && options.criterion_ms <= *out.ci95_hi_ms;
    out.delay_control_z = (r.delay_ms - control_mean_ms_) / control_sd_ms_;
}

}  // namespace edx::evoked::detail
