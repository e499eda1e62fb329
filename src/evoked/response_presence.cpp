#include "edx/evoked/response_presence.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "eigen.hpp"
#include <boost/math/distributions/fisher_f.hpp>

#include "edx/signals/table.hpp"
#include "nuisance.hpp"

namespace edx::evoked {

namespace {
constexpr std::string_view kTable = "norms/evoked_measurement.json";
}

PresenceConfig PresenceConfig::from_signals() {
    // The tables are compiled in: read once (a JSON pointer lookup per
    // constant is a measurable share of a short recording's measurement).
    static const PresenceConfig cached = [] {
        PresenceConfig c;
        c.alpha = signals::constant(kTable, "/presence/alpha");
        c.polynomial_degree = static_cast<int>(signals::constant(kTable, "/presence/polynomial_degree"));
        c.mains_harmonics = static_cast<int>(signals::constant(kTable, "/presence/mains_harmonics"));
        c.min_sweeps = static_cast<std::size_t>(signals::constant(kTable, "/presence/min_sweeps"));
        return c;
    }();
    return cached;
}

void PresenceConfig::validate() const {
    if (!(alpha > 0.0 && alpha < 1.0)) throw std::invalid_argument("PresenceConfig.alpha must be in (0, 1)");
    if (polynomial_degree < -1 || polynomial_degree > 20) {
        throw std::invalid_argument("PresenceConfig.polynomial_degree must be in -1..20");
    }
    if (mains_harmonics < 0) throw std::invalid_argument("PresenceConfig.mains_harmonics must be >= 0");
    if (min_sweeps < 3) throw std::invalid_argument("PresenceConfig.min_sweeps must be at least 3");
    if (!(test_rate_hz > 0.0)) throw std::invalid_argument("PresenceConfig.test_rate_hz must be > 0");
}

PresenceTest test_presence(const PreparedSweeps& sweeps, std::span<const std::size_t> rows, std::size_t begin,
                           std::size_t end, double mains_hz, const PresenceConfig& config) {
    config.validate();
    PresenceTest out;
    out.alpha = config.alpha;
    out.method =
        "F-test of the mean sweep against the sweep-to-sweep spread, after removing Legendre polynomials up to degree " +
        std::to_string(config.polynomial_degree) + ", the high-pass filter's natural modes" +
        (mains_hz > 0.0 ? " and locked mains at " + std::to_string(static_cast<int>(mains_hz)) + " Hz" : std::string()) +
        "; effective degrees of freedom from the spread";
    const double fs = sweeps.sample_rate_hz;
    end = std::min(end, sweeps.frames);
    out.region_start_ms = sweeps.ms_at(static_cast<double>(begin));
    out.region_end_ms = sweeps.ms_at(static_cast<double>(end));
    const std::size_t n = rows.size();
    if (n < config.min_sweeps || begin >= end) return out;

    const auto q = static_cast<std::size_t>(std::max(1.0, std::floor(fs / config.test_rate_hz)));
    const std::size_t len = (end - begin) / q;
    const Eigen::MatrixXd basis = detail::nuisance_basis(len, static_cast<double>(begin) + 0.5 * static_cast<double>(q - 1),
                                                         static_cast<double>(q), fs, config.polynomial_degree, mains_hz,
                                                         config.mains_harmonics, sweeps.highpass_poles);
    const auto p = static_cast<std::size_t>(basis.cols());
    if (len < p + 8) return out;

    // Rows box-averaged, cleared of the nuisance: y = (I - Q Q^T) x.
    Eigen::MatrixXd y(static_cast<Eigen::Index>(len), static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = sweeps.row(rows[i]);
        for (std::size_t k = 0; k < len; ++k) {
            double s = 0.0;
            const std::size_t t0 = begin + k * q;
            for (std::size_t j = 0; j < q; ++j) s += x[t0 + j];
            y(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(i)) = s / static_cast<double>(q);
        }
    }
    if (p > 0) y -= basis * (basis.transpose() * y);
    const Eigen::VectorXd mean = y.rowwise().mean();
    const Eigen::MatrixXd centred = y.colwise() - mean;
    const double nn = static_cast<double>(n);
    const double numerator = nn * mean.squaredNorm();
    // tr(W) and tr(W^2) from the smaller Gram matrix: C^T C (n x n) and C C^T
    // (len x len) have the same traces of themselves and of their squares,
    // and a long series (n >> len) would otherwise cost O(n^2 len) time and
    // n^2 memory (800 MB at 10,000 sweeps).
    const Eigen::MatrixXd gram = n <= len ? Eigen::MatrixXd(centred.transpose() * centred)
                                          : Eigen::MatrixXd(centred * centred.transpose());
    const double m = nn - 1.0;                                    // Wishart degrees of freedom
    const double tr_w = gram.trace() / m;
    const double tr_w2 = gram.squaredNorm() / (m * m);
    if (!(tr_w > 0.0)) return out;
    // Unbiased tr(S^2) (Bai & Saranadasa); needs m >= 2.
    double tr_s2 = m * m / ((m - 1.0) * (m + 2.0)) * (tr_w2 - tr_w * tr_w / m);
    const double max_dof = static_cast<double>(len - p);
    double dof = tr_s2 > 0.0 ? tr_w * tr_w / tr_s2 : max_dof;
    dof = std::clamp(dof, 1.0, max_dof);
    out.numerator_dof = dof;
    out.statistic = numerator / tr_w;
    // In double throughout: boost's default promotes to long double (x87),
    // several times slower, for digits a p-value against alpha does not need.
    using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
    const boost::math::fisher_f_distribution<double, DoublePolicy> f(dof, dof * m);
    out.p_value = boost::math::cdf(boost::math::complement(f, out.statistic));
    out.critical_value = boost::math::quantile(boost::math::complement(f, config.alpha));
    out.present = out.p_value < config.alpha;
    out.tested = true;
    return out;
}

}  // namespace edx::evoked
