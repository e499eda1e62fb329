// Zeros, poles and gain of a filter, and the steps of scipy's IIR design
// that work on them (private to the dsp module).
#pragma once

#include <complex>
#include <vector>

#include "edx/dsp/sos.hpp"

namespace edx::dsp::detail {

using Complex = std::complex<double>;

struct Zpk {
    std::vector<Complex> z;
    std::vector<Complex> p;
    double k = 1.0;
};

Zpk butterworth_prototype(int order);
Zpk lowpass_to_lowpass(const Zpk& in, double wo);
Zpk lowpass_to_highpass(const Zpk& in, double wo);
Zpk lowpass_to_bandpass(const Zpk& in, double wo, double bw);
Zpk lowpass_to_bandstop(const Zpk& in, double wo, double bw);
Zpk bilinear(const Zpk& in, double fs);
// scipy.signal.zpk2sos(z, p, k) with pairing='nearest' (digital).
SosCascade zpk_to_sos(const Zpk& in);

}  // namespace edx::dsp::detail
