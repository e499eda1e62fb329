// The low-pass the alignment correlates against and the shift's standard
// error is measured with: a triangular kernel (two centred moving averages of
// the same odd width, zero-phase, non-negative, two operations a sample
// whatever the width) whose -3 dB frequency is the one asked for.
#pragma once

#include <cstddef>

namespace edx::evoked::detail {

// Width (odd, samples) of each moving average for a -3 dB frequency of
// lowpass_hz: the triangle's response is sinc^2(pi f w / fs), -3 dB at
// f w / fs = 0.32. 1 (no smoothing) when lowpass_hz is 0 or the width would be under 3.
std::size_t band_limit_width(double lowpass_hz, double sample_rate_hz);

// x smoothed by the triangle of moving averages of `width` at t in [from, to),
// written to out[t - from]; x is read within [0, n) (its end values held beyond).
void band_limit(const float* x, std::size_t n, std::size_t width, std::size_t from, std::size_t to, float* out);
void band_limit(const double* x, std::size_t n, std::size_t width, std::size_t from, std::size_t to, double* out);

}  // namespace edx::evoked::detail
