#include "edx/evoked/fair_leg_comparison.hpp"

#include <algorithm>
#include <vector>

#include "fair_kernel.hpp"
#include "fair_prepared.hpp"
#include "pairwise_median.hpp"

namespace edx::evoked {

namespace {

nlohmann::ordered_json optional_json(const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

struct Interval {
    double lo, hi;
};

Interval percentile_interval(std::vector<double>& replicates) {
    std::sort(replicates.begin(), replicates.end());
    return {detail::sorted_quantile(replicates, 0.025), detail::sorted_quantile(replicates, 0.975)};
}

}  // namespace

FairLegComparison compare_fair_legs(const FairTimeCourse& first, const FairTimeCourse& second,
                                    const FairOptions& options) {
    options.validate();
    const detail::FairPrepared a = detail::prepare_fair(first, options);
    const detail::FairPrepared b = detail::prepare_fair(second, options);
    detail::FairWorkspace wa(a.baseline.size() + a.fair.size(), options.bootstrap_resamples);
    detail::FairWorkspace wb(b.baseline.size() + b.fair.size(), options.bootstrap_resamples);
    FairEstimate ea, eb;
    wa.estimate(a.baseline, a.fair, a.fair_time_s, options, ea);
    wb.estimate(b.baseline, b.fair, b.fair_time_s, options, eb);

    FairLegComparison out;
    out.first_name = first.name;
    out.first_side = first.side;
    out.second_name = second.name;
    out.second_side = second.side;
    out.first_anatomic_latency_ms = ea.anatomic_latency_ms;
    out.second_anatomic_latency_ms = eb.anatomic_latency_ms;
    const auto resamples = static_cast<std::size_t>(options.bootstrap_resamples);
    std::vector<std::string> notes;

    if (ea.status == FairStatus::ok && eb.status == FairStatus::ok) {
        out.delay_difference_ms = *ea.delay_ms - *eb.delay_ms;
        // The legs are independent: each replicate resamples both, one generator in turn.
        detail::SplitMix64 rng(detail::bootstrap_seed(options.seed, 2));
        std::vector<double> diff(resamples);
        for (auto& d : diff) {
            const double ra = wa.replicate(a.baseline, a.fair, options, rng);
            d = ra - wb.replicate(b.baseline, b.fair, options, rng);
        }
        const Interval ci = percentile_interval(diff);
        out.delay_difference_ci95_lo_ms = ci.lo;
        out.delay_difference_ci95_hi_ms = ci.hi;
        out.delay_difference_significant = ci.lo > 0.0 || ci.hi < 0.0;
    } else {
        notes.push_back("no delay difference: " +
                        std::string(ea.status != FairStatus::ok ? first.name : second.name) +
                        " has insufficient data for a FAIR delay");
    }

    const auto min = static_cast<std::size_t>(options.min_sweeps_per_position);
    if (a.baseline.size() >= min && b.baseline.size() >= min) {
        // Exact selection on sorted copies (pairwise_median.hpp): the same
        // value as sorting all na x nb differences, in O(n) memory.
        detail::PairwiseMedian median(std::max(a.baseline.size(), b.baseline.size()));
        std::vector<double> sa(a.baseline), sb(b.baseline);
        std::sort(sa.begin(), sa.end());
        std::sort(sb.begin(), sb.end());
        out.baseline_difference_ms = median.shift(sa, sb);
        detail::SplitMix64 rng(detail::bootstrap_seed(options.seed, 3));
        std::vector<double> da(a.baseline.size()), db(b.baseline.size()), reps(resamples);
        for (auto& r : reps) {
            for (auto& x : da) x = a.baseline[rng.index(a.baseline.size())];
            for (auto& x : db) x = b.baseline[rng.index(b.baseline.size())];
            std::sort(da.begin(), da.end());
            std::sort(db.begin(), db.end());
            r = median.shift(da, db);
        }
        const Interval ci = percentile_interval(reps);
        out.baseline_difference_ci95_lo_ms = ci.lo;
        out.baseline_difference_ci95_hi_ms = ci.hi;
    } else {
        notes.push_back("no baseline difference: fewer than " + std::to_string(min) +
                        " anatomic baseline sweeps with an H latency in " +
                        (a.baseline.size() < min ? first.name : second.name));
    }
    for (std::size_t i = 0; i < notes.size(); ++i) out.note += (i ? "; " : "") + notes[i];
    return out;
}

nlohmann::ordered_json to_json(const FairLegComparison& c) {
    auto interval = [](const std::optional<double>& lo, const std::optional<double>& hi) {
        return lo ? nlohmann::ordered_json::array({*lo, *hi}) : nlohmann::ordered_json(nullptr);
    };
    nlohmann::ordered_json j;
    j["first"] = {{"name", c.first_name}, {"side", c.first_side}};
    j["second"] = {{"name", c.second_name}, {"side", c.second_side}};
    j["delay_difference_ms"] = optional_json(c.delay_difference_ms);
    j["delay_difference_ci95_ms"] = interval(c.delay_difference_ci95_lo_ms, c.delay_difference_ci95_hi_ms);
    j["delay_difference_significant"] = c.delay_difference_significant
                                            ? nlohmann::ordered_json(*c.delay_difference_significant)
                                            : nlohmann::ordered_json(nullptr);
    j["baseline_difference_ms"] = optional_json(c.baseline_difference_ms);
    j["baseline_difference_ci95_ms"] = interval(c.baseline_difference_ci95_lo_ms, c.baseline_difference_ci95_hi_ms);
    j["first_anatomic_latency_ms"] = optional_json(c.first_anatomic_latency_ms);
    j["second_anatomic_latency_ms"] = optional_json(c.second_anatomic_latency_ms);
    j["note"] = c.note.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.note);
    return j;
}

}  // namespace edx::evoked
