// Power spectral density by Welch's method (averaged periodograms of
// overlapping Hann-windowed segments), equal to scipy.signal.welch for the
// options below. Offline: allocates.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace edx::dsp {

enum class Detrend { none, constant, linear };
enum class SpectrumScaling {
    density,  // power per Hz (V^2/Hz): scipy scaling='density'
    spectrum  // power per bin (V^2): scipy scaling='spectrum'
};

struct WelchConfig {
    std::size_t segment_length = 256;   // scipy nperseg (also the FFT length)
    std::optional<std::size_t> overlap; // scipy noverlap; default segment_length / 2
    Detrend detrend = Detrend::constant;
    SpectrumScaling scaling = SpectrumScaling::density;
};

struct PowerSpectrum {
    std::vector<double> frequencies_hz;  // segment_length / 2 + 1 bins, 0 to Nyquist
    std::vector<double> power;           // one-sided
    std::size_t segments = 0;            // periodograms averaged
};

// Throws std::invalid_argument naming the field if segment_length < 2, the
// overlap is not below segment_length, the signal is shorter than one segment,
// the sample rate is not positive, or x holds a non-finite sample.
PowerSpectrum welch(std::span<const double> x, double sample_rate_hz, const WelchConfig& config = {});
PowerSpectrum welch(std::span<const float> x, double sample_rate_hz, const WelchConfig& config = {});

}  // namespace edx::dsp
