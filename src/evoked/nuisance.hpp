// Stimulus-locked interference that is not a response, as a regression basis:
// Legendre polynomials (slow tails, wander) and sines and cosines of the mains
// frequency and its odd harmonics (hum locked to the stimulus rate).
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "eigen.hpp"

namespace edx::evoked::detail {

// Columns orthonormal over the samples at sample indices t_k = first + k * step,
// k < count, for sample rate fs: Legendre polynomials of degree 0..degree over
// the span (none if degree < 0), then sin and cos at mains_hz * (2h + 1) for
// h < harmonics, those below 0.45 fs (none if mains_hz <= 0), then the
// natural modes p^(t - first) of the given filter poles (real and imaginary
// parts of one of each conjugate pair). With step > 1 each row stands for the
// average of `step` samples centred on t_k, and the columns are averaged alike.
Eigen::MatrixXd nuisance_basis(std::size_t count, double first, double step, double fs, int degree, double mains_hz,
                               int harmonics, std::span<const std::complex<double>> poles = {});

struct LockedMains {
    double mains_hz = 0.0;       // 50 or 60; 0 when no locked hum stands out
    std::vector<double> waveform;  // the fitted hum over the whole trace (zeros if none)
};

// Mains hum locked to the stimulus in a mean sweep: 50 and 60 Hz (with
// `harmonics` odd harmonics) are fitted, with a constant and a slope, to the
// difference of two moving averages 1 ms apart of the trace (a local
// band-pass that removes slow components, such as a high-pass tail, without a
// model of them; the sinusoids pass through it too), box-averaged down to
// about 2.5 kHz, outside [skip_begin, skip_end)
// (the blanking). Robust: boxes far out of the trace's own spread (3.5 robust
// SDs) are left out first, then boxes whose residual exceeds 3.5 robust SDs
// are dropped and the fit repeated (up to 20 times), so responses do not pull it. The frequency kept is the
// one that explains more, if an F-test against constant and slope alone clears 4.
// A trace shorter than three periods of 50 Hz gets no estimate.
LockedMains locked_mains(std::span<const double> trace, double fs, std::size_t skip_begin, std::size_t skip_end,
                         int harmonics);

}  // namespace edx::evoked::detail
