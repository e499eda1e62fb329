#include "edx/dsp/notch.hpp"

#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace edx::dsp {

SosSection iir_notch(double f0_hz, double quality, double sample_rate_hz) {
    if (!(std::isfinite(sample_rate_hz) && sample_rate_hz > 0.0)) {
        throw std::invalid_argument("notch sample_rate_hz must be positive and finite");
    }
    if (!(std::isfinite(f0_hz) && f0_hz > 0.0 && f0_hz < sample_rate_hz / 2.0)) {
        std::ostringstream s;
        s << "notch frequency " << f0_hz << " Hz must be above 0 and below Nyquist (" << sample_rate_hz / 2.0
          << " Hz)";
        throw std::invalid_argument(s.str());
    }
    if (!(std::isfinite(quality) && quality > 0.0)) {
        throw std::invalid_argument("notch quality must be positive and finite");
    }
    // Orfanidis, Introduction to Signal Processing, eqs. 11.3.4-11.3.7, as in scipy.
    const double w0 = 2.0 * f0_hz / sample_rate_hz;
    const double bw = w0 / quality * std::numbers::pi;
    const double gb = 1.0 / std::sqrt(2.0);
    const double beta = (std::sqrt(1.0 - gb * gb) / gb) * std::tan(bw / 2.0);
    const double gain = 1.0 / (1.0 + beta);
    const double c = std::cos(w0 * std::numbers::pi);
    return {gain, gain * (-2.0 * c), gain, -2.0 * gain * c, 2.0 * gain - 1.0};
}

SosCascade mains_notch(const MainsNotchSpec& spec, double sample_rate_hz) {
    if (spec.mains_hz != 50.0 && spec.mains_hz != 60.0) {
        std::ostringstream s;
        s << "mains_hz = " << spec.mains_hz << " must be 50 or 60";
        throw std::invalid_argument(s.str());
    }
    if (spec.harmonics < 0) throw std::invalid_argument("notch harmonics must be 0 or more");
    const double top = spec.mains_hz * (spec.harmonics + 1);
    if (!(top < sample_rate_hz / 2.0)) {
        std::ostringstream s;
        s << "notch harmonic at " << top << " Hz is not below Nyquist (" << sample_rate_hz / 2.0
          << " Hz): use fewer harmonics";
        throw std::invalid_argument(s.str());
    }
    std::vector<SosSection> sections;
    for (int h = 1; h <= spec.harmonics + 1; ++h) {
        sections.push_back(iir_notch(spec.mains_hz * h, spec.quality, sample_rate_hz));
    }
    return SosCascade(std::move(sections));
}

}  // namespace edx::dsp
