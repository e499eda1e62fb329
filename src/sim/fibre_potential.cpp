#include "edx/sim/fibre_potential.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "needle_emg_table.hpp"

namespace edx::sim {

namespace {

namespace nt = needle_table;

// The line-source integral of Rosenfalck's profile, tabulated once on a grid of
// distances (log-spaced) and front positions, so that a fibre potential costs a
// few interpolations per sample instead of an integral.
class Bank {
public:
    Bank() {
        const auto P = nt::physiology;
        const double a_mv_per_mm3 = nt::value(P, "/fibre_potential/rosenfalck_a_mv_per_mm3");
        const double extent_mm = nt::value(P, "/fibre_potential/profile_extent_mm");
        const double sigma_i = nt::value(P, "/fibre_potential/intracellular_conductivity_s_per_m");
        const double sigma_r = nt::value(P, "/fibre_potential/radial_conductivity_s_per_m");
        const double sigma_z = nt::value(P, "/fibre_potential/axial_conductivity_s_per_m");
        const double lead_mm = nt::value(P, "/fibre_potential/front_lead_mm");
        const double trail_mm = nt::value(P, "/fibre_potential/front_trail_mm");
        const double taper_mm = nt::value(P, "/fibre_potential/taper_mm");
        const double potential_scale = nt::value(P, "/fibre_potential/potential_scale");

        // uV per (mV/mm^2 of the integral) per um^2 of diameter: sigma_i a^2 / (4 sigma_r), a in mm.
        scale_uv_per_um2_ = potential_scale * 1000.0 * sigma_i / (4.0 * sigma_r) * 0.25e-6;
        const double sqrt_k = std::sqrt(sigma_z / sigma_r);

        // The front grid and the profile grid share the step h so that every
        // profile-node-to-electrode offset is a multiple of h: the asinh and sqrt
        // of the exact integral are then tabulated once per distance.
        const long lead_steps = std::lround(lead_mm / h_);
        const long trail_steps = std::lround(trail_mm / h_);
        const long profile_steps = std::lround(extent_mm / h_);
        nu_ = static_cast<std::size_t>(lead_steps + trail_steps + 1);
        u0_mm_ = -static_cast<double>(lead_steps) * h_;

        // Second derivative of A z^3 exp(-z) (z in mm behind the front): outward
        // membrane current ahead of the depolarisation, inward under it, outward
        // again during repolarisation.
        std::vector<double> f(static_cast<std::size_t>(profile_steps + 1));
        for (std::size_t j = 0; j < f.size(); ++j) {
            const double z = static_cast<double>(j) * h_;
            f[j] = a_mv_per_mm3 * (6.0 * z - 6.0 * z * z + z * z * z) * std::exp(-z);
        }

        log_r0_ = std::log(r_min_mm_);
        dlog_r_ = (std::log(r_max_mm_) - log_r0_) / static_cast<double>(nr_ - 1);
        rows_.assign(nr_ * nu_, 0.0);

        // Offsets s = z_j - u_i = (j - i + lead_steps) h span q in [q_lo, q_hi].
        const long q_lo = lead_steps - static_cast<long>(nu_) + 1;
        const long q_hi = lead_steps + profile_steps;
        std::vector<double> as(static_cast<std::size_t>(q_hi - q_lo + 1));
        std::vector<double> sq(as.size());
        for (std::size_t k = 0; k < nr_; ++k) {
            const double c = sqrt_k * std::exp(log_r0_ + dlog_r_ * static_cast<double>(k));
            for (long q = q_lo; q <= q_hi; ++q) {
                const double s = static_cast<double>(q) * h_;
                as[static_cast<std::size_t>(q - q_lo)] = std::asinh(s / c);
                sq[static_cast<std::size_t>(q - q_lo)] = std::sqrt(c * c + s * s);
            }
            double* row = rows_.data() + k * nu_;
            for (std::size_t i = 0; i < nu_; ++i) {
                // Exact integral of the piecewise-linear profile against
                // 1/sqrt(c^2 + s^2): on each segment f = f_j + b (s - s_j), so the
                // segment gives (f_j - b s_j) dAsinh + b dSqrt.
                double acc = 0.0;
                for (std::size_t j = 0; j + 1 < f.size(); ++j) {
                    const long q = static_cast<long>(j) - static_cast<long>(i) + lead_steps;
                    const std::size_t m = static_cast<std::size_t>(q - q_lo);
                    const double s_j = static_cast<double>(q) * h_;
                    const double b = (f[j + 1] - f[j]) / h_;
                    acc += (f[j] - b * s_j) * (as[m + 1] - as[m]) + b * (sq[m + 1] - sq[m]);
                }
                row[i] = acc;
            }
            // Taper both ends of the front span to zero (see front_lead_mm in the table).
            for (std::size_t i = 0; i < nu_; ++i) {
                const double u = u0_mm_ + static_cast<double>(i) * h_;
                const double from_start = u - u0_mm_;
                const double to_end = (u0_mm_ + static_cast<double>(nu_ - 1) * h_) - u;
                const double d = std::min(from_start, to_end);
                if (d < taper_mm) row[i] *= 0.5 * (1.0 - std::cos(std::numbers::pi * d / taper_mm));
            }
        }
    }

    double u_first_mm() const noexcept { return u0_mm_; }
    double u_last_mm() const noexcept { return u0_mm_ + static_cast<double>(nu_ - 1) * h_; }
    double scale_uv(double diameter_um) const noexcept { return scale_uv_per_um2_ * diameter_um * diameter_um; }

    // Row position of distance r: index of the lower row and the weight of the upper.
    std::pair<std::size_t, double> row_of(double r_mm) const noexcept {
        double x = (std::log(std::max(r_mm, r_min_mm_)) - log_r0_) / dlog_r_;
        x = std::clamp(x, 0.0, static_cast<double>(nr_ - 1));
        std::size_t k = static_cast<std::size_t>(x);
        if (k >= nr_ - 1) k = nr_ - 2;
        return {k, x - static_cast<double>(k)};
    }
    const double* row(std::size_t k) const noexcept { return rows_.data() + k * nu_; }
    std::size_t nu() const noexcept { return nu_; }
    double h() const noexcept { return h_; }
    double r_max_mm() const noexcept { return r_max_mm_; }

    // Unit-scale potential: bilinear in log distance and front position.
    double at(double r_mm, double u_mm) const noexcept {
        if (r_mm > r_max_mm_) return 0.0;
        const double x = (u_mm - u0_mm_) / h_;
        if (!(x >= 0.0) || x >= static_cast<double>(nu_ - 1)) return 0.0;
        const auto i = static_cast<std::size_t>(x);
        const double g = x - static_cast<double>(i);
        const auto [k, w] = row_of(r_mm);
        const double* lo = row(k);
        const double* hi = row(k + 1);
        const double v_lo = lo[i] + g * (lo[i + 1] - lo[i]);
        const double v_hi = hi[i] + g * (hi[i + 1] - hi[i]);
        return v_lo + w * (v_hi - v_lo);
    }

private:
    static constexpr double h_ = 0.025;  // mm: front and profile step
    static constexpr std::size_t nr_ = 48;
    static constexpr double r_min_mm_ = 0.05;
    static constexpr double r_max_mm_ = 12.0;
    double u0_mm_ = 0.0;
    std::size_t nu_ = 0;
    double log_r0_ = 0.0;
    double dlog_r_ = 0.0;
    double scale_uv_per_um2_ = 0.0;
    std::vector<double> rows_;
};

const Bank& bank() {
    static const Bank instance;
    return instance;
}

}  // namespace

ConcentricNeedle ConcentricNeedle::from_table() {
    const auto P = nt::physiology;
    ConcentricNeedle needle;
    needle.core_radius_mm = nt::value(P, "/needle/core_radius_mm");
    needle.cannula_radius_mm = nt::value(P, "/needle/cannula_radius_mm");
    needle.cannula_start_mm = nt::value(P, "/needle/cannula_start_mm");
    needle.cannula_length_mm = nt::value(P, "/needle/cannula_length_mm");
    needle.cannula_points = static_cast<int>(std::lround(nt::value(P, "/needle/cannula_points")));
    return needle;
}

void ConcentricNeedle::validate() const {
    auto check = [](bool ok, const char* what) {
        if (!ok) throw std::invalid_argument(std::string("ConcentricNeedle: ") + what);
    };
    check(std::isfinite(core_radius_mm) && core_radius_mm >= 0.0, "core_radius_mm must be >= 0 and finite");
    check(std::isfinite(cannula_radius_mm) && cannula_radius_mm >= 0.0, "cannula_radius_mm must be >= 0 and finite");
    check(std::isfinite(cannula_start_mm) && cannula_start_mm >= 0.0, "cannula_start_mm must be >= 0 and finite");
    check(std::isfinite(cannula_length_mm) && cannula_length_mm >= 0.0, "cannula_length_mm must be >= 0 and finite");
    check(cannula_points >= 0 && cannula_points <= 64, "cannula_points must be in [0, 64]");
    check(std::isfinite(shaft_angle_rad), "shaft_angle_rad must be finite");
}

double fibre_velocity_m_per_s(double diameter_um) {
    static const double intercept =
        nt::value(nt::physiology, "/fibre_potential/velocity_intercept_m_per_s");
    static const double slope =
        nt::value(nt::physiology, "/fibre_potential/velocity_per_diameter_m_per_s_per_um");
    return intercept + slope * diameter_um;
}

std::pair<double, double> fibre_potential_support_ms(double velocity_m_per_s) {
    const Bank& b = bank();
    return {b.u_first_mm() / velocity_m_per_s, b.u_last_mm() / velocity_m_per_s};
}

double line_source_potential_uv(double r_mm, double u_mm, double diameter_um) {
    const Bank& b = bank();
    return b.scale_uv(diameter_um) * b.at(r_mm, u_mm);
}

void add_fibre_potential(std::span<double> out, double sample_rate_hz, double t0_ms, const MuscleFibre& fibre,
                         const ConcentricNeedle& needle) {
    if (!(fibre.velocity_m_per_s > 0.0) || !(sample_rate_hz > 0.0)) {
        throw std::invalid_argument("add_fibre_potential: velocity and sample rate must be > 0");
    }
    const Bank& b = bank();

    // The core with weight 1 and each cannula point with weight -1/n, each as
    // two weighted rows of the bank (interpolation in distance).
    struct Tap {
        const double* row;
        double weight;
    };
    std::array<Tap, 2 * 65> taps{};
    std::size_t n_taps = 0;
    const double scale = b.scale_uv(fibre.diameter_um);
    auto add_point = [&](double r_mm, double weight) {
        if (r_mm > b.r_max_mm()) return;
        const auto [k, w] = b.row_of(r_mm);
        taps[n_taps++] = {b.row(k), weight * scale * (1.0 - w)};
        taps[n_taps++] = {b.row(k + 1), weight * scale * w};
    };
    add_point(std::sqrt(fibre.x_mm * fibre.x_mm + fibre.y_mm * fibre.y_mm +
                        needle.core_radius_mm * needle.core_radius_mm),
              1.0);
    if (needle.cannula_points > 0) {
        const double cx = std::cos(needle.shaft_angle_rad), cy = std::sin(needle.shaft_angle_rad);
        const double w = -1.0 / needle.cannula_points;
        for (int k = 0; k < needle.cannula_points; ++k) {
            const double s = needle.cannula_start_mm + needle.cannula_length_mm * (k + 0.5) / needle.cannula_points;
            const double dx = fibre.x_mm - s * cx, dy = fibre.y_mm - s * cy;
            add_point(std::sqrt(dx * dx + dy * dy + needle.cannula_radius_mm * needle.cannula_radius_mm), w);
        }
    }
    if (n_taps == 0) return;

    const double v = fibre.velocity_m_per_s;
    const double dt_ms = 1000.0 / sample_rate_hz;
    const double t_first = fibre.arrival_ms + b.u_first_mm() / v;
    const double t_last = fibre.arrival_ms + b.u_last_mm() / v;
    const double i_first = std::ceil((t_first - t0_ms) / dt_ms);
    const double i_last = std::floor((t_last - t0_ms) / dt_ms);
    if (i_last < 0.0 || i_first >= static_cast<double>(out.size())) return;
    const std::size_t begin = i_first < 0.0 ? 0 : static_cast<std::size_t>(i_first);
    const std::size_t end = std::min(out.size(), static_cast<std::size_t>(i_last) + 1);
    const double inv_h = 1.0 / b.h();
    const std::size_t last_node = b.nu() - 1;
    for (std::size_t i = begin; i < end; ++i) {
        const double u = v * (t0_ms + static_cast<double>(i) * dt_ms - fibre.arrival_ms);
        const double x = (u - b.u_first_mm()) * inv_h;
        if (!(x >= 0.0)) continue;
        std::size_t node = static_cast<std::size_t>(x);
        if (node >= last_node) continue;
        const double g = x - static_cast<double>(node);
        double acc = 0.0;
        for (std::size_t t = 0; t < n_taps; ++t) {
            const double* r = taps[t].row;
            acc += taps[t].weight * (r[node] + g * (r[node + 1] - r[node]));
        }
        out[i] += acc;
    }
}

}  // namespace edx::sim
