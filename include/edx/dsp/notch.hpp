// Second-order notch filters for mains interference (scipy.signal.iirnotch),
// at the mains frequency and optionally its harmonics, one section each.
#pragma once

#include "edx/dsp/sos.hpp"

namespace edx::dsp {

// scipy.signal.iirnotch(f0_hz, quality, fs=sample_rate_hz) as one section.
// The -3 dB width of the notch is f0_hz / quality. Throws std::invalid_argument
// unless 0 < f0_hz < Nyquist and quality > 0.
SosSection iir_notch(double f0_hz, double quality, double sample_rate_hz);

struct MainsNotchSpec {
    double mains_hz = 50.0;  // 50 or 60
    int harmonics = 0;       // extra sections at 2, 3, ... (harmonics + 1) times mains_hz
    // Same quality for every harmonic, so each notch is f / quality wide:
    // 30 gives 1.7 Hz at 50 Hz (scipy's documented example value).
    double quality = 30.0;
};

// One section per notch frequency, in increasing frequency. Throws
// std::invalid_argument if mains_hz is not 50 or 60, harmonics < 0, or the
// highest harmonic is not below Nyquist.
SosCascade mains_notch(const MainsNotchSpec& spec, double sample_rate_hz);

}  // namespace edx::dsp
