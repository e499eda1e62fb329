#include "edx/sim/stimulus_recruitment.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edx::sim {

namespace {
double boltzmann(double x, double x50, double slope) { return 1.0 / (1.0 + std::exp(-(x - x50) / slope)); }
}  // namespace

StimulusRecruitment::StimulusRecruitment(double h50_ma, double h_slope_ma, double m50_ma, double m_slope_ma)
    : h50_(h50_ma), h_slope_(h_slope_ma), m50_(m50_ma), m_slope_(m_slope_ma) {
    auto check = [](double v, const char* name) {
        if (!(v > 0.0) || !std::isfinite(v))
            throw std::invalid_argument(std::string("recruitment.") + name + " must be > 0");
    };
    check(h50_, "h50_ma");
    check(h_slope_, "h_slope_ma");
    check(m50_, "m50_ma");
    check(m_slope_, "m_slope_ma");
    // The occluded H is a product of two log-concave sigmoids, hence unimodal:
    // golden-section search finds its peak.
    double lo = 0.0, hi = std::max(h50_ + 20.0 * h_slope_, m50_ + 20.0 * m_slope_);
    const double g = (std::sqrt(5.0) - 1.0) / 2.0;
    double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    double fa = occluded(a), fb = occluded(b);
    while (hi - lo > 1e-9 * (1.0 + hi)) {
        if (fa < fb) {
            lo = a;
            a = b;
            fa = fb;
            b = lo + g * (hi - lo);
            fb = occluded(b);
        } else {
            hi = b;
            b = a;
            fb = fa;
            a = hi - g * (hi - lo);
            fa = occluded(a);
        }
    }
    h_max_intensity_ma_ = (lo + hi) / 2.0;
    h_peak_ = occluded(h_max_intensity_ma_);
}

double StimulusRecruitment::m_fraction(double intensity_ma) const noexcept {
    return boltzmann(intensity_ma, m50_, m_slope_);
}

double StimulusRecruitment::h_drive(double intensity_ma) const noexcept {
    return boltzmann(intensity_ma, h50_, h_slope_);
}

double StimulusRecruitment::occluded(double intensity_ma) const noexcept {
    // 1 - m(I) written as the complementary sigmoid, exact where m is near 1.
    return h_drive(intensity_ma) / (1.0 + std::exp((intensity_ma - m50_) / m_slope_));
}

double StimulusRecruitment::h_fraction(double intensity_ma) const noexcept {
    return std::min(1.0, occluded(intensity_ma) / h_peak_);
}

double StimulusRecruitment::m_intensity_for(double fraction) const {
    if (!(fraction > 0.0 && fraction < 1.0))
        throw std::invalid_argument("StimulusRecruitment::m_intensity_for: fraction in (0, 1)");
    return m50_ + m_slope_ * std::log(fraction / (1.0 - fraction));
}

double StimulusRecruitment::h_intensity_for(double fraction) const {
    if (!(fraction > 0.0 && fraction <= 1.0))
        throw std::invalid_argument("StimulusRecruitment::h_intensity_for: fraction in (0, 1]");
    // Bisection on the rising side, where h_fraction increases.
    double lo = 0.0, hi = h_max_intensity_ma_;
    for (int i = 0; i < 200; ++i) {
        const double mid = (lo + hi) / 2.0;
        (h_fraction(mid) < fraction ? lo : hi) = mid;
    }
    return hi;
}

nlohmann::json StimulusRecruitment::to_json() const {
    return {{"model", "Boltzmann: m(I) = 1/(1+exp(-(I-m50)/m_slope)); H(I) = Hmax * h(I)*(1-m(I)) / max over I"},
            {"h50_ma", h50_},
            {"h_slope_ma", h_slope_},
            {"m50_ma", m50_},
            {"m_slope_ma", m_slope_},
            {"h_max_intensity_ma", h_max_intensity_ma_},
            {"h_threshold_ma", h_intensity_for(0.05)},
            {"m_threshold_ma", m_intensity_for(0.05)},
            {"m_half_ma", m50_},
            {"m_95_percent_ma", m_intensity_for(0.95)}};
}

}  // namespace edx::sim
