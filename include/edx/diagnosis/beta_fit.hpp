// A reported proportion (a sensitivity, a specificity, a share of cases) with
// its 95% interval, turned into a Beta distribution for the Monte Carlo of the
// diagnosis: the mean is the reported value, so the point computation uses the
// published number itself, and the concentration is the one whose 2.5% and
// 97.5% quantiles come closest to the reported interval.
#pragma once

namespace edx::diagnosis {

struct BetaParameters {
    double alpha = 1.0;
    double beta = 1.0;

    double mean() const noexcept { return alpha / (alpha + beta); }
};

// The p-quantile (0 < p < 1) of Beta(alpha, beta).
double beta_quantile(const BetaParameters& beta, double p);

struct BetaFit {
    BetaParameters beta;
    double q025 = 0.0;  // quantiles of the fitted distribution, to compare with the interval
    double q975 = 0.0;
    // max(|q025 - lo|, |q975 - hi|): how far the fit misses the reported interval.
    double max_deviation = 0.0;
};

// Matching method: alpha = mean * k, beta = (1 - mean) * k, with the
// concentration k in [1, 1e5] minimising (q025 - lo)^2 + (q975 - hi)^2 (a grid
// on log k around the normal-theory concentration m (1 - m) / ((hi - lo) / 3.92)^2 - 1,
// then golden-section refinement). A Beta with a fixed mean cannot
// match every asymmetric interval (published intervals are usually exact or
// Wilson intervals around the sample proportion), so the fit reports how far it
// misses. Requires 0 < mean < 1 and 0 <= lo <= mean <= hi <= 1 with lo < hi;
// throws std::invalid_argument otherwise.
BetaFit fit_beta_to_interval(double mean, double lo, double hi);

}  // namespace edx::diagnosis
