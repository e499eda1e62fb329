// Cross-correlation through the FFT (scipy.signal.correlate, mode 'full'), and
// the delay between two signals to a fraction of a sample, from the peak of
// the cross-correlation of their band-limited upsampled versions. Offline: allocates.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace edx::dsp {

// c[i] = sum_n a[n + lag] b[n] with lag = i - (b.size() - 1), for
// i = 0 .. a.size() + b.size() - 2: scipy.signal.correlate(a, b, 'full').
// Throws std::invalid_argument if a or b is empty.
std::vector<double> cross_correlate(std::span<const double> a, std::span<const double> b);

struct DelayEstimate {
    double delay_samples = 0.0;  // how much later `delayed` is than `reference`, in input samples
    double peak = 0.0;           // cross-correlation at the peak (of the upsampled signals)
};

// Both signals (same length) are upsampled by `upsample_factor` with
// upsample_fft, cross-correlated, and the peak within +-max_lag_samples is
// refined by a parabola through its neighbours. Throws std::invalid_argument
// if the lengths differ, are zero, or upsample_factor is 0.
DelayEstimate estimate_delay(std::span<const double> reference, std::span<const double> delayed,
                             std::size_t upsample_factor, std::size_t max_lag_samples);

}  // namespace edx::dsp
