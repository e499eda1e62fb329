#include "shift_shrinkage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace edx::evoked::detail {

namespace {

double median_of(std::vector<double> v) {
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    if (v.size() % 2) return *mid;
    return 0.5 * (*mid + *std::max_element(v.begin(), mid));
}

}  // namespace

ShrunkDelays shrink_delays(std::span<const double> delay, std::span<const double> se, std::span<const int> group) {
    if (delay.size() != se.size() || delay.size() != group.size()) {
        throw std::invalid_argument("shrink_delays: delay, standard_error and group must have the same size");
    }
    ShrunkDelays out;
    out.delay.assign(delay.begin(), delay.end());
    std::map<int, std::vector<std::size_t>> members;
    for (std::size_t i = 0; i < delay.size(); ++i) members[group[i]].push_back(i);
    std::vector<double> centre(delay.size(), 0.0);
    // Squared residuals about the groups' medians, widened for the median's
    // own share of them (var(x - median) = (1 - (2 - pi/2) / m) var(x) in a
    // group of m), with their squared standard errors.
    std::vector<double> r2, se2;
    for (const auto& [g, idx] : members) {
        std::vector<double> v;
        for (std::size_t i : idx) v.push_back(delay[i]);
        const double m = median_of(v);
        for (std::size_t i : idx) centre[i] = m;
        // A group of one or two is its own median (or nearly): it says nothing of the spread.
        if (idx.size() < 3) continue;
        const double widen = static_cast<double>(idx.size()) / (static_cast<double>(idx.size()) - 0.4292);
        for (std::size_t i : idx) {
            if (!std::isfinite(se[i])) continue;
            r2.push_back((delay[i] - m) * (delay[i] - m) * widen);
            se2.push_back(se[i] * se[i]);
        }
    }
    if (r2.size() < 5) return out;
    // tau^2: where the residuals over their own SDs, sqrt(tau^2 + se^2), have
    // the median square of a standard normal (0.4549): robust to a stray
    // delay, and right when the standard errors differ from sweep to sweep
    // (a spread less the median squared error is not). The median square
    // falls as tau^2 grows.
    constexpr double kChi2Median = 0.45493642311957283;
    std::vector<double> scaled(r2.size());
    auto median_scaled = [&](double tau2) {
        for (std::size_t i = 0; i < r2.size(); ++i) {
            const double var = tau2 + se2[i];
            scaled[i] = var > 0.0 ? r2[i] / var : (r2[i] > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
        }
        return median_of(scaled);
    };
    double tau2 = 0.0;
    if (median_scaled(0.0) > kChi2Median) {
        double lo = 0.0, hi = 1.0;
        for (double v : r2) hi = std::max(hi, v);
        hi = hi / kChi2Median + 1.0;
        // To a millionth of tau^2 (about 20 halvings).
        for (int it = 0; it < 60 && hi - lo > 1e-6 * hi; ++it) {
            const double mid = 0.5 * (lo + hi);
            (median_scaled(mid) > kChi2Median ? lo : hi) = mid;
        }
        tau2 = 0.5 * (lo + hi);
    }
    out.jitter_sd = std::sqrt(tau2);
    out.shrunk = true;
    for (std::size_t i = 0; i < delay.size(); ++i) {
        const double s2 = se[i] * se[i];
        const double weight = std::isfinite(s2) ? (tau2 > 0.0 || s2 > 0.0 ? tau2 / (tau2 + s2) : 1.0) : 0.0;
        out.delay[i] = centre[i] + weight * (delay[i] - centre[i]);
    }
    return out;
}

}  // namespace edx::evoked::detail
