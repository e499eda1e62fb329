#include "edx/dsp/sos.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace edx::dsp {

namespace {

bool finite(const SosSection& s) noexcept {
    return std::isfinite(s.b0) && std::isfinite(s.b1) && std::isfinite(s.b2) && std::isfinite(s.a1) &&
           std::isfinite(s.a2);
}

}  // namespace

SosCascade::SosCascade(std::vector<SosSection> sections) : sections_(std::move(sections)) {
    for (std::size_t i = 0; i < sections_.size(); ++i) {
        if (!finite(sections_[i])) {
            throw std::invalid_argument("SOS section " + std::to_string(i) + " has a coefficient that is not finite");
        }
    }
}

SosCascade SosCascade::from_rows(std::span<const double> rows) {
    if (rows.size() % 6 != 0) {
        throw std::invalid_argument("SOS rows must hold 6 values each, got " + std::to_string(rows.size()) +
                                    " values");
    }
    std::vector<SosSection> sections;
    for (std::size_t i = 0; i < rows.size() / 6; ++i) {
        const double* r = rows.data() + 6 * i;
        if (!(std::isfinite(r[3]) && r[3] != 0.0)) {
            throw std::invalid_argument("SOS row " + std::to_string(i) + " has a0 = 0 or not finite");
        }
        sections.push_back({r[0] / r[3], r[1] / r[3], r[2] / r[3], r[4] / r[3], r[5] / r[3]});
    }
    return SosCascade(std::move(sections));
}

SosCascade SosCascade::then(const SosCascade& next) const {
    std::vector<SosSection> all = sections_;
    all.insert(all.end(), next.sections_.begin(), next.sections_.end());
    return SosCascade(std::move(all));
}

std::complex<double> SosCascade::response(double frequency_hz, double sample_rate_hz) const {
    const double w = 2.0 * std::numbers::pi * frequency_hz / sample_rate_hz;
    const std::complex<double> z1 = std::polar(1.0, -w);
    const std::complex<double> z2 = z1 * z1;
    std::complex<double> h = 1.0;
    for (const auto& s : sections_) {
        h *= (s.b0 + s.b1 * z1 + s.b2 * z2) / (1.0 + s.a1 * z1 + s.a2 * z2);
    }
    return h;
}

std::vector<double> SosCascade::step_initial_state() const {
    // Per section, lfilter_zi solves zi = A zi + B for the companion matrix of
    // the section; the input of each section is the DC gain of those before it.
    std::vector<double> zi(2 * sections_.size());
    double scale = 1.0;
    for (std::size_t i = 0; i < sections_.size(); ++i) {
        const auto& s = sections_[i];
        const double B0 = s.b1 - s.a1 * s.b0;
        const double B1 = s.b2 - s.a2 * s.b0;
        const double z0 = (B0 + B1) / (1.0 + s.a1 + s.a2);
        zi[2 * i] = scale * z0;
        zi[2 * i + 1] = scale * (B1 - s.a2 * z0);
        scale *= (s.b0 + s.b1 + s.b2) / (1.0 + s.a1 + s.a2);
    }
    return zi;
}

bool SosCascade::is_stable() const noexcept {
    // Jury conditions for 1 + a1 z^-1 + a2 z^-2.
    for (const auto& s : sections_) {
        if (!(std::abs(s.a2) < 1.0 && std::abs(s.a1) < 1.0 + s.a2)) return false;
    }
    return true;
}

}  // namespace edx::dsp
