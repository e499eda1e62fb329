// Band-limited resampling through the FFT (scipy.signal.resample): the signal
// is treated as one period of a periodic, band-limited signal, so upsampling
// interpolates between samples exactly for such signals. Used for sub-sample
// timing of evoked responses. Offline: allocates.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace edx::dsp {

// scipy.signal.resample(x, num). Throws std::invalid_argument if x is empty or num is 0.
std::vector<double> resample_fft(std::span<const double> x, std::size_t num);

// resample_fft(x, factor * x.size()): sample i of the input is sample
// factor * i of the output. Throws std::invalid_argument if factor is 0.
std::vector<double> upsample_fft(std::span<const double> x, std::size_t factor);

}  // namespace edx::dsp
