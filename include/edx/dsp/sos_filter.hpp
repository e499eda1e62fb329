// Streaming multi-channel SOS filtering for the real-time path. Samples and
// state are channel-interleaved so the inner loop runs across channels (and
// vectorises); state carries across blocks, so filtering a stream block by
// block gives exactly the output of filtering it whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edx/dsp/sos.hpp"

namespace edx::dsp {

// Arithmetic is double (coefficients and state), samples are float. Float
// state is not used because the low corners the signal path needs (a 5 Hz
// high-pass at 48 kHz puts poles within 1e-3 of z = 1) lose most of their
// significant digits in float: see tests/dsp/sos_filter_test.cpp.
//
// Real-time contract: after construction, process(), reset() and start_at()
// allocate nothing, lock nothing, throw nothing and do work proportional to
// frames x channels x sections. One object serves one stream (one thread at a
// time); the coefficients are shared read-only.
class StreamingSosFilter {
public:
    // Throws std::invalid_argument if channels is 0.
    StreamingSosFilter(SosCascade cascade, std::size_t channels);

    std::size_t channels() const noexcept { return channels_; }
    const SosCascade& cascade() const noexcept { return cascade_; }

    // Filters in.size() / channels() frames of channel-interleaved samples
    // ([frame][channel]). `out` may be the same memory as `in` (in place), but
    // must not partly overlap it. Returns false and does nothing when the spans
    // differ in size or are not a whole number of frames.
    //
    // A non-finite input sample makes that channel's output non-finite until
    // the end of the block; the channel then restarts from zero state (counted
    // by restarts()) instead of staying poisoned for ever.
    bool process(std::span<const float> in, std::span<float> out) noexcept;

    // Zero state, as scipy.signal.sosfilt without zi.
    void reset() noexcept;
    // Each channel's state set to the steady state of a constant input equal
    // to frame[channel] (scipy: sosfilt_zi(sos) * x[0]), so a recording that
    // starts with an offset does not start with a step response. Returns false
    // if frame.size() != channels().
    bool start_at(std::span<const float> frame) noexcept;

    // Channel restarts after non-finite input, since construction.
    std::uint64_t restarts() const noexcept { return restarts_; }
    // Bytes of per-stream state and scratch (constant for the object's life).
    std::size_t state_bytes() const noexcept;

private:
    SosCascade cascade_;
    std::vector<SosSection> run_;    // as run: numerators / b0 when every b0 != 0
    double gain_ = 1.0;              // product of the b0s, applied to the output
    bool unit_b0_ = false;
    std::size_t channels_ = 0;
    std::size_t vecs_ = 1;           // vector registers of channels filtered together
    std::size_t padded_ = 0;         // channels rounded up to the kernel's group width
    std::vector<double> state_;      // [section][z1|z2][padded channel]
    std::vector<double> scratch_;    // one sub-block of one channel group
    std::vector<double> step_state_; // scipy sosfilt_zi, [section][z1|z2]
    std::uint64_t restarts_ = 0;
};

// The plain per-channel, per-sample, per-section loop with the same arithmetic
// in the same order: the reference the vectorised filter is checked against
// (bit for bit), and the form to read to see what the filter computes.
class ScalarSosFilter {
public:
    ScalarSosFilter(SosCascade cascade, std::size_t channels);
    std::size_t channels() const noexcept { return channels_; }
    bool process(std::span<const float> in, std::span<float> out) noexcept;
    void reset() noexcept;
    bool start_at(std::span<const float> frame) noexcept;
    std::uint64_t restarts() const noexcept { return restarts_; }

private:
    SosCascade cascade_;
    std::vector<SosSection> run_;
    double gain_ = 1.0;
    bool unit_b0_ = false;
    std::size_t channels_ = 0;
    std::vector<double> state_;  // [channel][section][z1|z2]
    std::vector<double> step_state_;
    std::uint64_t restarts_ = 0;
};

// Filters one whole signal in double precision from the given initial state
// (2 values per section, scipy's zi; empty means zero), updating it in place:
// scipy.signal.sosfilt(sos, x, zi=zi). Offline use; allocates only when
// `state` is empty. Throws std::invalid_argument if state has the wrong size.
void sosfilt(const SosCascade& cascade, std::span<double> x, std::span<double> state);

}  // namespace edx::dsp
