// Zero-phase (forward-backward) SOS filtering for offline use, with the edge
// handling of scipy.signal.sosfiltfilt: odd extension at both ends, and each
// pass started from the steady state of its first sample. The magnitude
// response is squared and the phase is zero, so latencies are not shifted.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "edx/dsp/sos.hpp"

namespace edx::dsp {

// scipy's default pad length: 3 * (2 * sections + 1 - min(sections with b2 = 0,
// sections with a2 = 0)).
std::size_t default_pad_length(const SosCascade& cascade);

// scipy.signal.sosfiltfilt(sos, x, padtype='odd', padlen=pad_length) on one
// channel, in double precision. `out` may be `in`. Throws std::invalid_argument
// if the spans differ in size or the signal is not longer than the pad length
// (scipy's rule).
void zero_phase_filter(const SosCascade& cascade, std::span<const float> in, std::span<float> out,
                       std::optional<std::size_t> pad_length = std::nullopt);
void zero_phase_filter(const SosCascade& cascade, std::span<const double> in, std::span<double> out,
                       std::optional<std::size_t> pad_length = std::nullopt);

}  // namespace edx::dsp
