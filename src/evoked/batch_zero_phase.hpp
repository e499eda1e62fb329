// Filtering many sweeps at once: the rows are interleaved as the channels of
// one streaming filter, whose kernel runs across channels in vector
// registers. Zero-phase: each row extended and started as
// scipy.signal.sosfiltfilt does (odd extension, steady-state start), giving
// dsp::zero_phase_filter's result to float rounding; causal: each row started
// from its first sample's steady state (tests/evoked/batch_zero_phase_test.cpp).
#pragma once

#include <cstddef>
#include <span>

#include "edx/dsp/sos.hpp"

namespace edx::evoked::detail {

// Filters `rows` rows of `frames` samples each, stored one after another in
// `samples`, in place. Pad length: dsp::default_pad_length, at most frames - 1.
// Throws std::invalid_argument if samples.size() != rows * frames or frames < 2.
void zero_phase_rows(const dsp::SosCascade& cascade, std::span<float> samples, std::size_t rows, std::size_t frames);

// Filters each row forward only (causal), each started from the steady state
// of its first sample, in place; same layout and errors as zero_phase_rows.
void causal_rows(const dsp::SosCascade& cascade, std::span<float> samples, std::size_t rows, std::size_t frames);

// causal_rows with `causal` then zero_phase_rows with `zero_phase` (either may
// be empty), the rows interleaved once for both: the same result as the two
// calls one after the other, to float rounding.
void causal_then_zero_phase_rows(const dsp::SosCascade& causal, const dsp::SosCascade& zero_phase,
                                 std::span<float> samples, std::size_t rows, std::size_t frames);

}  // namespace edx::evoked::detail
