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
        if (cost < fit.best_cost) {
            fit.best_cost = cost;
            fit.best_k = k;
            fit.pre_median = pre_median;
            fit.post_median = post_median;
        }
    }
    return fit;
}

std::size_t step_onset(std::span<const double> baseline, std::span<const double> fair, std::size_t min_plateau,
                       double penalty_sd, std::span<double> scratch) noexcept {
    const SplitFit fit = fit_split(baseline, fair, min_plateau, scratch);
    if (fit.best_k == 0 || !(fit.best_cost < fit.no_split_cost)) return 0;
    double* residuals = scratch.data();
    std::size_t r = 0;
    for (const double v : baseline) residuals[r++] = std::abs(v - fit.pre_median);
    for (std::size_t i = 0; i < fair.size(); ++i)
        residuals[r++] = std::abs(fair[i] - (i < fit.best_k ? fit.pre_median : fit.post_median));
    const double sd = 1.4826 * median_in_place(std::span<double>(residuals, r));
    return fit.no_split_cost - fit.best_cost > penalty_sd * sd ? fit.best_k : 0;
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
        const double f = fair[i];
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
        std::swap(merged, spare);
        size = out;
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

FairWorkspace::FairWorkspace(std::size_t max_total, int resamples)
    : max_total_(max_total),
      control_mean_ms_(fair_norm("/control_delay_mean_ms")),
      control_sd_ms_(fair_norm("/control_delay_sd_ms")),
      // Baseline x FAIR pairs are at most (max_total / 2)^2.
      pairs_(max_total * max_total / 4 + 1),
      scan_scratch_(max_total * max_total / 4 + 1),
      scratch_(max_total + 1),
      onset_scratch_(2 * max_total + 1),
      base_draw_(max_total + 1),
      fair_draw_(max_total + 1),
      pooled_(max_total + 1),
      replicates_(static_cast<std::size_t>(std::max(resamples, 1))),
      index_draw_(max_total + 1) {}

FairPipelineResult FairWorkspace::pipeline(std::span<const double> baseline, std::span<const double> fair,
                                           const FairOptions& options) noexcept {
    FairPipelineResult r;
    r.onset_index = step_onset(baseline, fair, static_cast<std::size_t>(options.min_sweeps_per_position),
                               options.onset_penalty_sd, onset_scratch_);
    r.delay_ms = hodges_lehmann(fair.subspan(r.onset_index), baseline, pairs_);
    return r;
}

double FairWorkspace::permutation_p(std::span<const double> baseline, std::span<const double> fair,
                                    const FairOptions& options, SplitMix64& rng) noexcept {
    const std::size_t na = baseline.size(), n = na + fair.size();
    const auto min_plateau = static_cast<std::size_t>(options.min_sweeps_per_position);
    const double observed = scan_statistic(baseline, fair, min_plateau, pairs_, scan_scratch_, scratch_);
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
        if (scan_statistic(pooled.first(na), pooled.subspan(na), min_plateau, pairs_, scan_scratch_, scratch_) >=
            observed - tie)
            ++as_large;
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
