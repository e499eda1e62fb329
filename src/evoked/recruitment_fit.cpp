#include "edx/evoked/recruitment_fit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <stdexcept>
#include <vector>

#include "eigen.hpp"

#include "edx/signals/table.hpp"

namespace edx::evoked {

namespace {

constexpr std::string_view kTable = "norms/evoked_measurement.json";

using Model = std::function<double(double intensity, const Eigen::VectorXd& p)>;

// Levenberg-Marquardt on sum (y - model(x, p))^2 with a forward-difference
// Jacobian: a handful of parameters and points, so simplicity wins.
Eigen::VectorXd levenberg_marquardt(const Model& model, const std::vector<double>& x, const std::vector<double>& y,
                                    Eigen::VectorXd p, double* rms) {
    const auto n = static_cast<Eigen::Index>(x.size());
    const Eigen::Index k = p.size();
    auto residuals = [&](const Eigen::VectorXd& q) {
        Eigen::VectorXd r(n);
        for (Eigen::Index i = 0; i < n; ++i) r(i) = y[static_cast<std::size_t>(i)] - model(x[static_cast<std::size_t>(i)], q);
        return r;
    };
    Eigen::VectorXd r = residuals(p);
    double cost = r.squaredNorm();
    double lambda = 1e-3;
    for (int it = 0; it < 200; ++it) {
        Eigen::MatrixXd j(n, k);
        for (Eigen::Index c = 0; c < k; ++c) {
            Eigen::VectorXd q = p;
            const double h = 1e-6 * std::max(1.0, std::abs(p(c)));
            q(c) += h;
            j.col(c) = (r - residuals(q)) / h;  // d model / d p
        }
        const Eigen::MatrixXd a = j.transpose() * j;
        const Eigen::VectorXd g = j.transpose() * r;
        bool improved = false;
        for (int tries = 0; tries < 20; ++tries) {
            Eigen::MatrixXd damped = a;
            damped.diagonal() += lambda * (a.diagonal().array() + 1e-12).matrix();
            const Eigen::VectorXd step = damped.ldlt().solve(g);
            const Eigen::VectorXd q = p + step;
            const Eigen::VectorXd rq = residuals(q);
            const double cq = rq.squaredNorm();
            if (std::isfinite(cq) && cq < cost) {
                const double gain = (cost - cq) / std::max(cost, 1e-300);
                p = q;
                r = rq;
                cost = cq;
                lambda = std::max(lambda / 3.0, 1e-12);
                improved = true;
                if (gain < 1e-12) it = 1000;
                break;
            }
            lambda *= 4.0;
        }
        if (!improved) break;
    }
    if (rms) *rms = std::sqrt(cost / static_cast<double>(std::max<Eigen::Index>(n, 1)));
    return p;
}

double boltzmann(double i, double i50, double slope) { return 1.0 / (1.0 + std::exp((i50 - i) / slope)); }

// Lowest x (scanning upwards from lo) at which f reaches `level`, by bisection
// within the first grid cell that does; NaN if it never does in [lo, hi].
double first_crossing(const std::function<double(double)>& f, double level, double lo, double hi) {
    constexpr int grid = 2000;
    double prev = lo;
    if (f(lo) >= level) return lo;
    for (int g = 1; g <= grid; ++g) {
        const double x = lo + (hi - lo) * g / grid;
        if (f(x) >= level) {
            double a = prev, b = x;
            for (int it = 0; it < 60; ++it) {
                const double m = 0.5 * (a + b);
                (f(m) >= level ? b : a) = m;
            }
            return 0.5 * (a + b);
        }
        prev = x;
    }
    return std::nan("");
}

}  // namespace

RecruitmentFitConfig RecruitmentFitConfig::from_signals() {
    // The tables are compiled in: read once (a JSON pointer lookup per
    // constant is a measurable share of a short recording's measurement).
    static const RecruitmentFitConfig cached = [] {
        RecruitmentFitConfig c;
        c.min_intensities = static_cast<std::size_t>(signals::constant(kTable, "/recruitment/min_intensities"));
        c.threshold_fraction = signals::constant(kTable, "/recruitment/threshold_fraction");
        c.plateau_fraction = signals::constant(kTable, "/recruitment/plateau_fraction");
        return c;
    }();
    return cached;
}

void RecruitmentFitConfig::validate() const {
    if (min_intensities < 4) throw std::invalid_argument("RecruitmentFitConfig.min_intensities must be at least 4");
    if (!(threshold_fraction > 0.0 && threshold_fraction < 0.5)) {
        throw std::invalid_argument("RecruitmentFitConfig.threshold_fraction must be in (0, 0.5)");
    }
    if (!(plateau_fraction > 0.5 && plateau_fraction < 1.0)) {
        throw std::invalid_argument("RecruitmentFitConfig.plateau_fraction must be in (0.5, 1)");
    }
    if (!(intensity_resolution_ma >= 0.0)) throw std::invalid_argument("RecruitmentFitConfig.intensity_resolution_ma must be >= 0");
}

RecruitmentFit fit_recruitment(std::span<const double> intensity, std::span<const double> m_amp,
                               std::span<const double> h_amp, const RecruitmentFitConfig& config) {
    config.validate();
    if (intensity.size() != m_amp.size() || intensity.size() != h_amp.size()) {
        throw std::invalid_argument("fit_recruitment: intensities and amplitudes differ in length");
    }
    RecruitmentFit out;
    out.threshold_fraction = config.threshold_fraction;
    out.plateau_fraction = config.plateau_fraction;
    std::vector<double> xi, ym, yh;
    for (std::size_t k = 0; k < intensity.size(); ++k) {
        if (!std::isfinite(intensity[k]) || !std::isfinite(m_amp[k]) || !std::isfinite(h_amp[k])) continue;
        xi.push_back(intensity[k]);
        ym.push_back(m_amp[k]);
        yh.push_back(h_amp[k]);
    }
    std::vector<double> sorted = xi;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t k = 0; k < sorted.size(); ++k) {
        if (k == 0 || sorted[k] - sorted[k - 1] > config.intensity_resolution_ma) ++out.intensities;
    }
    const std::string too_few = std::to_string(out.intensities) + " distinct stimulus intensities; a fit needs at least " +
                                std::to_string(config.min_intensities);
    if (out.intensities < config.min_intensities) {
        out.m.reason = too_few;
        out.h.reason = too_few;
        return out;
    }
    const double lo = sorted.front(), hi = sorted.back();
    const double span = hi - lo;

    // M: Boltzmann, parameters (mmax, i50, log slope).
    const double m_peak = *std::max_element(ym.begin(), ym.end());
    if (!(m_peak > 0.0)) {
        out.m.reason = "no M-wave at any intensity";
    } else {
        double i_half = lo;
        for (std::size_t k = 0; k < xi.size(); ++k) {
            if (ym[k] >= 0.5 * m_peak) {
                i_half = xi[k];
                break;
            }
        }
        // xi is in sweep order; use the lowest intensity reaching half.
        for (std::size_t k = 0; k < xi.size(); ++k) {
            if (ym[k] >= 0.5 * m_peak) i_half = std::min(i_half, xi[k]);
        }
        Eigen::VectorXd p(3);
        p << m_peak, i_half, std::log(std::max(span / 10.0, 1e-3));
        const Model model = [](double i, const Eigen::VectorXd& q) { return q(0) * boltzmann(i, q(1), std::exp(q(2))); };
        double rms = 0.0;
        p = levenberg_marquardt(model, xi, ym, p, &rms);
        const double slope = std::exp(p(2));
        if (p(0) > 0.0 && std::isfinite(p(1)) && std::isfinite(slope) && slope > 0.0) {
            out.m.fitted = true;
            out.m.mmax_mv = p(0);
            out.m.i50_ma = p(1);
            out.m.slope_ma = slope;
            out.m.threshold_ma = p(1) - slope * std::log(1.0 / config.threshold_fraction - 1.0);
            out.m.plateau_reached = boltzmann(hi, p(1), slope) >= config.plateau_fraction;
            out.m.rms_residual_mv = rms;
        } else {
            out.m.reason = "the Boltzmann fit did not converge to a positive plateau";
        }
    }

    // H: occluded reflex drive when M is known, else a Gaussian in log intensity.
    const auto hk = static_cast<std::size_t>(std::max_element(yh.begin(), yh.end()) - yh.begin());
    const double h_peak = yh[hk];
    if (!(h_peak > 0.0)) {
        out.h.reason = "no H-wave at any intensity";
        return out;
    }
    std::function<double(double)> curve;
    double rms = 0.0;
    if (out.m.fitted) {
        const double m50 = out.m.i50_ma, ms = out.m.slope_ma;
        const Model model = [m50, ms](double i, const Eigen::VectorXd& q) {
            return q(0) * boltzmann(i, q(1), std::exp(q(2))) * (1.0 - boltzmann(i, m50, ms));
        };
        double i_rise = xi[hk];
        for (std::size_t k = 0; k < xi.size(); ++k) {
            if (yh[k] >= 0.5 * h_peak) i_rise = std::min(i_rise, xi[k]);
        }
        Eigen::VectorXd best;
        double best_rms = INFINITY;
        // A few starting slopes: the occluded curve's rise and fall compete.
        for (double frac : {0.05, 0.1, 0.2}) {
            Eigen::VectorXd p(3);
            const double s0 = std::max(frac * std::max(i_rise, 1e-3), 1e-3);
            const double occ = boltzmann(xi[hk], i_rise, s0) * (1.0 - boltzmann(xi[hk], m50, ms));
            p << h_peak / std::max(occ, 1e-3), i_rise, std::log(s0);
            double r = 0.0;
            p = levenberg_marquardt(model, xi, yh, p, &r);
            if (p(0) > 0.0 && std::isfinite(r) && r < best_rms) {
                best_rms = r;
                best = p;
            }
        }
        if (best.size() == 3) {
            out.h.model = "collision: hscale * h(I) * (1 - m(I)), h and m Boltzmann, m from the M fit";
            const Eigen::VectorXd p = best;
            curve = [p, model](double i) { return model(i, p); };
            rms = best_rms;
        }
    } else {
        const Model model = [](double i, const Eigen::VectorXd& q) {
            if (i <= 0.0) return 0.0;
            const double z = (std::log(i) - q(1)) / std::exp(q(2));
            return q(0) * std::exp(-0.5 * z * z);
        };
        if (lo > 0.0) {
            Eigen::VectorXd p(3);
            p << h_peak, std::log(xi[hk]), std::log(0.3);
            p = levenberg_marquardt(model, xi, yh, p, &rms);
            if (p(0) > 0.0 && std::isfinite(rms)) {
                out.h.model = "gaussian in log intensity (no M fit to occlude with)";
                curve = [p, model](double i) { return model(i, p); };
            }
        }
    }
    if (!curve) {
        out.h.reason = "the H recruitment fit did not converge";
        return out;
    }
    // The curve's maximum within the intensities given (no extrapolation).
    constexpr int grid = 4000;
    double best_i = lo, best_v = -INFINITY;
    for (int g = 0; g <= grid; ++g) {
        const double i = lo + span * g / grid;
        const double v = curve(i);
        if (v > best_v) {
            best_v = v;
            best_i = i;
        }
    }
    out.h.fitted = true;
    out.h.hmax_mv = best_v;
    out.h.intensity_at_hmax_ma = best_i;
    out.h.rms_residual_mv = rms;
    out.h.threshold_ma = first_crossing(curve, config.threshold_fraction * best_v, lo, best_i);
    out.h.i50_ma = first_crossing(curve, 0.5 * best_v, lo, best_i);
    if (best_i <= lo + 1e-9 * std::max(1.0, span) || best_i >= hi - 1e-9 * std::max(1.0, span)) {
        out.h.reason = "the fitted H maximum lies at the edge of the intensities given: Hmax may lie outside them";
    }
    return out;
}

}  // namespace edx::evoked
