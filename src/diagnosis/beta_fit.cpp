#include "edx/diagnosis/beta_fit.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include <boost/math/special_functions/beta.hpp>

namespace edx::diagnosis {

namespace {

constexpr double log_k_min = 0.0;               // k = 1: flatter than uniform is never needed
constexpr double log_k_max = 11.512925464970229;  // k = 1e5: tighter than any reported interval
// The grid spans a factor of e^2.5 (about 12) either side of the normal-theory
// concentration, which lies within a factor of 2 of the optimum for every
// interval of the model; 16 points find the basin at a fraction of the cost of
// a grid over the whole range (the model loads when a command starts).
constexpr double log_k_span = 2.5;
constexpr int grid_points = 16;

struct Objective {
    double mean, lo, hi;

    BetaParameters at(double log_k) const {
        const double k = std::exp(log_k);
        return {mean * k, (1.0 - mean) * k};
    }
    double operator()(double log_k) const {
        const auto b = at(log_k);
        const double q_lo = beta_quantile(b, 0.025) - lo;
        const double q_hi = beta_quantile(b, 0.975) - hi;
        return q_lo * q_lo + q_hi * q_hi;
    }
};

}  // namespace

double beta_quantile(const BetaParameters& beta, double p) {
    if (!(beta.alpha > 0.0) || !(beta.beta > 0.0) || !std::isfinite(beta.alpha) || !std::isfinite(beta.beta)) {
        throw std::invalid_argument("beta_quantile: alpha and beta must be positive and finite");
    }
    if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("beta_quantile: p must lie in (0, 1)");
    return boost::math::ibeta_inv(beta.alpha, beta.beta, p);
}

BetaFit fit_beta_to_interval(double mean, double lo, double hi) {
    const auto describe = [&] {
        return "mean " + std::to_string(mean) + " with 95% interval [" + std::to_string(lo) + ", " +
               std::to_string(hi) + "]";
    };
    if (!(mean > 0.0 && mean < 1.0)) throw std::invalid_argument(describe() + ": the mean must lie in (0, 1)");
    if (!(lo >= 0.0 && hi <= 1.0 && lo < hi)) {
        throw std::invalid_argument(describe() + ": the interval must satisfy 0 <= lo < hi <= 1");
    }
    if (!(lo <= mean && mean <= hi)) throw std::invalid_argument(describe() + ": the interval must hold the mean");

    const Objective f{mean, lo, hi};
    // Normal theory: an interval of width w has SD about w / 3.92, and a Beta
    // with mean m and concentration k has variance m (1 - m) / (k + 1).
    const double sd = (hi - lo) / 3.92;
    const double log_k0 = std::log(std::max(mean * (1.0 - mean) / (sd * sd) - 1.0, 1.0));
    const double grid_lo = std::max(log_k_min, log_k0 - log_k_span);
    const double grid_hi = std::min(log_k_max, log_k0 + log_k_span);
    // The objective can have shallow local minima (the two quantiles move
    // differently with k), so a coarse grid finds the basin first.
    int best = 0;
    double best_value = f(grid_lo);
    const double step = (grid_hi - grid_lo) / (grid_points - 1);
    for (int i = 1; i < grid_points; ++i) {
        const double v = f(grid_lo + i * step);
        if (v < best_value) {
            best_value = v;
            best = i;
        }
    }
    double a = grid_lo + std::max(best - 1, 0) * step;
    double b = grid_lo + std::min(best + 1, grid_points - 1) * step;
    const double inv_phi = (std::sqrt(5.0) - 1.0) / 2.0;
    double c = b - inv_phi * (b - a);
    double d = a + inv_phi * (b - a);
    double fc = f(c), fd = f(d);
    while (b - a > 1e-6) {  // k to a relative 1e-6: far below what the intervals carry
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - inv_phi * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + inv_phi * (b - a);
            fd = f(d);
        }
    }
    double log_k = 0.5 * (a + b);
    if (f(log_k) > best_value) log_k = grid_lo + best * step;

    BetaFit fit;
    fit.beta = f.at(log_k);
    fit.q025 = beta_quantile(fit.beta, 0.025);
    fit.q975 = beta_quantile(fit.beta, 0.975);
    fit.max_deviation = std::max(std::abs(fit.q025 - lo), std::abs(fit.q975 - hi));
    return fit;
}

}  // namespace edx::diagnosis
