#include "edx/study/youden_cutoff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "argument_checks.hpp"
#include "edx/dsp/split_mix64.hpp"

namespace edx::study {

namespace {

struct Optimum {
    double cutoff = 0.0;
    std::int64_t tp = 0, fp = 0;
};

// The Youden optimum over ascending `pos` and `neg`, each value weighted by its
// count (1 for the sample itself, the draw count in a bootstrap replicate; a
// value drawn 0 times is absent). J = tp/m - fp/n is compared as the integer
// tp n - fp m, so equal J values are equal exactly and the highest threshold wins.
Optimum optimum(const std::vector<double>& pos, const std::vector<std::int64_t>& pos_count,
                const std::vector<double>& neg, const std::vector<std::int64_t>& neg_count, std::int64_t m,
                std::int64_t n) {
    std::ptrdiff_t i = static_cast<std::ptrdiff_t>(pos.size()) - 1;
    std::ptrdiff_t j = static_cast<std::ptrdiff_t>(neg.size()) - 1;
    auto skip_absent = [](const std::vector<std::int64_t>& count, std::ptrdiff_t& k) {
        while (k >= 0 && count[static_cast<std::size_t>(k)] == 0) --k;
    };
    std::int64_t tp = 0, fp = 0;
    Optimum best;
    bool found = false;
    std::int64_t best_j = 0;
    while (true) {
        skip_absent(pos_count, i);
        skip_absent(neg_count, j);
        if (i < 0 && j < 0) break;
        // The next distinct threshold, descending.
        const double t = i < 0 ? neg[static_cast<std::size_t>(j)]
                         : j < 0 ? pos[static_cast<std::size_t>(i)]
                                 : std::max(pos[static_cast<std::size_t>(i)], neg[static_cast<std::size_t>(j)]);
        while (i >= 0 && pos[static_cast<std::size_t>(i)] == t) tp += pos_count[static_cast<std::size_t>(i--)];
        while (j >= 0 && neg[static_cast<std::size_t>(j)] == t) fp += neg_count[static_cast<std::size_t>(j--)];
        const std::int64_t jn = tp * n - fp * m;
        if (!found || jn > best_j) {
            found = true;
            best_j = jn;
            best = {t, tp, fp};
        }
    }
    return best;
}

// Hyndman & Fan type 7 (numpy's default) on ascending values.
double percentile(const std::vector<double>& sorted, double q) {
    const double h = (static_cast<double>(sorted.size()) - 1.0) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    if (lo + 1 >= sorted.size()) return sorted.back();
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

}  // namespace

void YoudenOptions::validate() const {
    if (resamples < 100) throw std::invalid_argument("youden options: resamples must be >= 100");
    detail::require_confidence(confidence, "youden options");
}

YoudenCutoff youden_cutoff(std::span<const double> positives, std::span<const double> negatives,
                           const YoudenOptions& options) {
    constexpr std::string_view fn = "youden_cutoff";
    options.validate();
    auto [pos, neg] = detail::sorted_scores(positives, negatives, fn, 1);
    const auto m = static_cast<std::int64_t>(pos.size());
    const auto n = static_cast<std::int64_t>(neg.size());

    std::vector<std::int64_t> pos_count(pos.size(), 1), neg_count(neg.size(), 1);
    const Optimum point = optimum(pos, pos_count, neg, neg_count, m, n);
    YoudenCutoff out;
    out.cutoff = point.cutoff;
    out.sensitivity = static_cast<double>(point.tp) / static_cast<double>(m);
    out.specificity = 1.0 - static_cast<double>(point.fp) / static_cast<double>(n);
    out.youden_index = out.sensitivity + out.specificity - 1.0;
    out.resamples = options.resamples;
    out.seed = options.seed;
    out.confidence = options.confidence;

    dsp::SplitMix64 rng(options.seed);
    std::vector<double> replicates(static_cast<std::size_t>(options.resamples));
    for (auto& r : replicates) {
        std::fill(pos_count.begin(), pos_count.end(), 0);
        std::fill(neg_count.begin(), neg_count.end(), 0);
        for (std::int64_t k = 0; k < m; ++k) ++pos_count[rng.index(pos.size())];
        for (std::int64_t k = 0; k < n; ++k) ++neg_count[rng.index(neg.size())];
        r = optimum(pos, pos_count, neg, neg_count, m, n).cutoff;
    }
    std::sort(replicates.begin(), replicates.end());
    out.ci_lo = percentile(replicates, (1.0 - options.confidence) / 2.0);
    out.ci_hi = percentile(replicates, (1.0 + options.confidence) / 2.0);
    return out;
}

nlohmann::ordered_json to_json(const YoudenCutoff& y) {
    return {{"cutoff", y.cutoff},
            {"youden_index", y.youden_index},
            {"sensitivity", y.sensitivity},
            {"specificity", y.specificity},
            {"cutoff_ci", {y.ci_lo, y.ci_hi}},
            {"confidence", y.confidence},
            {"method", "largest sensitivity + specificity - 1 over the observed values (test positive at or above); "
                       "equal J: the highest value. Interval: stratified percentile bootstrap (type 7 percentiles)"},
            {"resamples", y.resamples},
            {"seed", y.seed}};
}

}  // namespace edx::study
