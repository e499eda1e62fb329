// Digital Butterworth filters of any order, designed as scipy.signal.butter
// does (analogue prototype, frequency transform, bilinear transform with
// pre-warping, nearest pole-zero pairing into second-order sections), so the
// coefficients match scipy's output='sos' to rounding.
#pragma once

#include "edx/dsp/sos.hpp"

namespace edx::dsp {

enum class BandType { lowpass, highpass, bandpass, bandstop };

struct ButterworthSpec {
    BandType type = BandType::lowpass;
    // Prototype order: the number of poles of a low- or high-pass; band-pass
    // and band-stop filters have twice as many (scipy's N).
    int order = 4;
    double cutoff_hz = 0.0;  // lowpass, highpass
    double low_hz = 0.0;     // bandpass, bandstop: lower edge
    double high_hz = 0.0;    // bandpass, bandstop: upper edge
    double sample_rate_hz = 0.0;
};

// Throws std::invalid_argument naming the field when the order is < 1, the
// sample rate is not positive and finite, or a corner frequency is not strictly
// between 0 and Nyquist (or low_hz >= high_hz).
SosCascade butterworth(const ButterworthSpec& spec);

SosCascade butterworth_lowpass(int order, double cutoff_hz, double sample_rate_hz);
SosCascade butterworth_highpass(int order, double cutoff_hz, double sample_rate_hz);
SosCascade butterworth_bandpass(int order, double low_hz, double high_hz, double sample_rate_hz);
SosCascade butterworth_bandstop(int order, double low_hz, double high_hz, double sample_rate_hz);

}  // namespace edx::dsp
