#include "edx/dsp/butterworth.hpp"

#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>

#include "zpk.hpp"

namespace edx::dsp {

namespace {

std::string hz(double v) {
    std::ostringstream s;
    s << v << " Hz";
    return s.str();
}

void check_corner(const char* field, double f, double fs) {
    if (!(std::isfinite(f) && f > 0.0 && f < fs / 2.0)) {
        throw std::invalid_argument(std::string("Butterworth ") + field + " = " + hz(f) +
                                    " must be above 0 and below Nyquist (" + hz(fs / 2.0) + ")");
    }
}

// scipy pre-warps normalised frequencies with fs = 2: 4 tan(pi Wn / 2).
double prewarp(double f, double fs) {
    const double wn = 2.0 * f / fs;
    return 2.0 * 2.0 * std::tan(std::numbers::pi * wn / 2.0);
}

}  // namespace

SosCascade butterworth(const ButterworthSpec& spec) {
    using namespace detail;
    if (spec.order < 1) {
        throw std::invalid_argument("Butterworth order = " + std::to_string(spec.order) + " must be at least 1");
    }
    if (!(std::isfinite(spec.sample_rate_hz) && spec.sample_rate_hz > 0.0)) {
        throw std::invalid_argument("Butterworth sample_rate_hz = " + hz(spec.sample_rate_hz) +
                                    " must be positive and finite");
    }
    const double fs = spec.sample_rate_hz;
    const Zpk prototype = butterworth_prototype(spec.order);
    Zpk analogue;
    switch (spec.type) {
        case BandType::lowpass:
        case BandType::highpass: {
            check_corner("cutoff_hz", spec.cutoff_hz, fs);
            const double wo = prewarp(spec.cutoff_hz, fs);
            analogue = spec.type == BandType::lowpass ? lowpass_to_lowpass(prototype, wo)
                                                      : lowpass_to_highpass(prototype, wo);
            break;
        }
        case BandType::bandpass:
        case BandType::bandstop: {
            check_corner("low_hz", spec.low_hz, fs);
            check_corner("high_hz", spec.high_hz, fs);
            if (!(spec.low_hz < spec.high_hz)) {
                throw std::invalid_argument("Butterworth low_hz = " + hz(spec.low_hz) + " must be below high_hz = " +
                                            hz(spec.high_hz));
            }
            const double w0 = prewarp(spec.low_hz, fs);
            const double w1 = prewarp(spec.high_hz, fs);
            const double bw = w1 - w0;
            const double wo = std::sqrt(w0 * w1);
            analogue = spec.type == BandType::bandpass ? lowpass_to_bandpass(prototype, wo, bw)
                                                       : lowpass_to_bandstop(prototype, wo, bw);
            break;
        }
    }
    return zpk_to_sos(bilinear(analogue, 2.0));
}

SosCascade butterworth_lowpass(int order, double cutoff_hz, double sample_rate_hz) {
    return butterworth({BandType::lowpass, order, cutoff_hz, 0.0, 0.0, sample_rate_hz});
}

SosCascade butterworth_highpass(int order, double cutoff_hz, double sample_rate_hz) {
    return butterworth({BandType::highpass, order, cutoff_hz, 0.0, 0.0, sample_rate_hz});
}

SosCascade butterworth_bandpass(int order, double low_hz, double high_hz, double sample_rate_hz) {
    return butterworth({BandType::bandpass, order, 0.0, low_hz, high_hz, sample_rate_hz});
}

SosCascade butterworth_bandstop(int order, double low_hz, double high_hz, double sample_rate_hz) {
    return butterworth({BandType::bandstop, order, 0.0, low_hz, high_hz, sample_rate_hz});
}

}  // namespace edx::dsp
