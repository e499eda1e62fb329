// The one conversion of streamed samples: raw little-endian int16/int32/float32
// to float in the canonical unit of each channel's kind (mV evoked, uV EMG),
// by physical = raw * scale + offset in the channel's units. The arithmetic is
// the HDF5 reader's (src/io/layout_reader.cpp), so a recording streamed and the
// same recording read from its file give bit-identical samples.
//
// Real-time rules: convert() allocates, locks and throws nothing; work is
// proportional to frames x channels.
#pragma once

#include <cstddef>
#include <vector>

#include "edx/stream/session_header.hpp"

namespace edx::stream {

class SampleConverter {
public:
    explicit SampleConverter(const SessionHeader& header);

    std::size_t channels() const noexcept { return gain_.size(); }
    SampleType type() const noexcept { return type_; }
    // Converts `frames` interleaved frames of raw bytes into `out` (frames x
    // channels floats). Non-finite results become NaN. Returns how many
    // samples were not finite.
    std::size_t convert(const std::byte* raw, std::size_t frames, float* out) const noexcept;

private:
    SampleType type_;
    std::vector<double> gain_;  // scale x (units -> canonical)
    std::vector<double> bias_;  // offset x (units -> canonical)
    bool identity_ = false;     // every gain 1 and bias 0: float32 passes bit-exact
};

}  // namespace edx::stream
