// What both FFT engines share: the plan cache and argument checks (private).
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <span>

#include "edx/dsp/fft.hpp"

namespace edx::dsp {

namespace detail {

void check_fft_spans(std::size_t n, std::size_t real_size, std::size_t complex_size);

}  // namespace detail
}  // namespace edx::dsp
