#include "edx/study/roc_curve.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "argument_checks.hpp"

namespace edx::study {

namespace {

// Sample variance (n - 1) by two passes.
double sample_variance(const std::vector<double>& v) {
    double mean = 0.0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    double ss = 0.0;
    for (double x : v) ss += (x - mean) * (x - mean);
    return ss / static_cast<double>(v.size() - 1);
}

// Values of `sorted` below x, and equal to x.
std::pair<std::size_t, std::size_t> below_and_equal(const std::vector<double>& sorted, double x) {
    const auto lo = std::lower_bound(sorted.begin(), sorted.end(), x);
    const auto hi = std::upper_bound(lo, sorted.end(), x);
    return {static_cast<std::size_t>(lo - sorted.begin()), static_cast<std::size_t>(hi - lo)};
}

}  // namespace

RocCurve roc_curve(std::span<const double> positives, std::span<const double> negatives, double confidence) {
    constexpr std::string_view fn = "roc_curve";
    detail::require_confidence(confidence, fn);
    auto [pos, neg] = detail::sorted_scores(positives, negatives, fn, 2);
    const double m = static_cast<double>(pos.size());
    const double n = static_cast<double>(neg.size());

    RocCurve c;
    c.positives = static_cast<int>(pos.size());
    c.negatives = static_cast<int>(neg.size());
    c.confidence = confidence;

    // The curve: walk the distinct values from the highest down.
    c.points.push_back({});
    std::vector<double> all = pos;
    all.insert(all.end(), neg.begin(), neg.end());
    std::sort(all.begin(), all.end(), std::greater<>());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (double t : all) {
        RocPoint p;
        p.threshold = t;
        p.true_positives = static_cast<int>(pos.end() - std::lower_bound(pos.begin(), pos.end(), t));
        p.false_positives = static_cast<int>(neg.end() - std::lower_bound(neg.begin(), neg.end(), t));
        p.sensitivity = p.true_positives / m;
        p.false_positive_rate = p.false_positives / n;
        c.points.push_back(p);
    }

    // DeLong's structural components (placement values): V10 of a positive is
    // the share of negatives below it (ties 1/2), V01 of a negative the share of
    // positives above it. Their means are both the AUC.
    std::vector<double> v10(pos.size()), v01(neg.size());
    double sum10 = 0.0;
    for (std::size_t i = 0; i < pos.size(); ++i) {
        const auto [below, equal] = below_and_equal(neg, pos[i]);
        v10[i] = (static_cast<double>(below) + 0.5 * static_cast<double>(equal)) / n;
        sum10 += v10[i];
    }
    for (std::size_t j = 0; j < neg.size(); ++j) {
        const auto [below, equal] = below_and_equal(pos, neg[j]);
        const double above = m - static_cast<double>(below) - static_cast<double>(equal);
        v01[j] = (above + 0.5 * static_cast<double>(equal)) / m;
    }
    c.auc = sum10 / m;
    c.auc_variance = sample_variance(v10) / m + sample_variance(v01) / n;
    c.auc_se = std::sqrt(c.auc_variance);
    const double z = detail::two_sided_z(confidence);
    c.auc_ci_lo = std::max(0.0, c.auc - z * c.auc_se);
    c.auc_ci_hi = std::min(1.0, c.auc + z * c.auc_se);
    return c;
}

nlohmann::ordered_json to_json(const RocCurve& c) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (const auto& p : c.points) {
        points.push_back({{"threshold", p.threshold ? nlohmann::ordered_json(*p.threshold) : nullptr},
                          {"sensitivity", p.sensitivity},
                          {"false_positive_rate", p.false_positive_rate},
                          {"true_positives", p.true_positives},
                          {"false_positives", p.false_positives}});
    }
    return {{"positives", c.positives},
            {"negatives", c.negatives},
            {"auc", c.auc},
            {"auc_se", c.auc_se},
            {"auc_ci", {c.auc_ci_lo, c.auc_ci_hi}},
            {"confidence", c.confidence},
            {"auc_method", "Mann-Whitney AUC (ties 1/2); DeLong et al. 1988 variance; AUC -/+ z SE clipped to [0, 1]"},
            {"points", points}};
}

}  // namespace edx::study
