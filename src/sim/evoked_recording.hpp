// Building blocks shared by the evoked-response simulators (H-reflex, F-wave,
// NCS): an empty sweep-form recording, the sample grid, and truth helpers.
// Private to the sim module.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"

namespace edx::sim::detail {

// Zero samples for one sweep per stimulus. The pre-trigger is rounded to whole
// samples so that the stimulus falls on a sample.
Recording empty_sweep_recording(RecordingInfo info, double sweep_s, double pre_trigger_s,
                                std::vector<Stimulus> stimuli);

// Sample times relative to the stimulus. A first sample that lies a whole
// number of samples before the stimulus (as in every simulated sweep) is
// snapped to it, so the stimulus sample is at exactly 0 ms rather than at a
// rounding error either side of it.
class SampleGrid {
public:
    SampleGrid(double sample_rate_hz, double first_sample_ms) : per_ms_(sample_rate_hz / 1000.0) {
        n0_ = first_sample_ms * per_ms_;
        if (std::abs(n0_ - std::round(n0_)) < 1e-6) n0_ = std::round(n0_);
    }
    double t_ms(std::size_t i) const { return (n0_ + static_cast<double>(i)) / per_ms_; }
    // Index of the first sample at or after t_ms (may be negative or beyond the sweep).
    double first_index_at(double t_ms) const { return std::ceil(t_ms * per_ms_ - n0_ - 1e-9); }

private:
    double per_ms_;
    double n0_;
};

// Time of a sweep's first sample relative to its stimulus, in ms.
inline double first_sample_ms(const Recording& r) { return -r.pre_trigger_s * 1000.0; }

// A normal deviate limited to +/- k, so a rare draw cannot push a response out of its sweep.
inline double bounded(double z, double k) { return z < -k ? -k : (z > k ? k : z); }

// The value, or JSON null when the quantity does not exist.
inline nlohmann::json or_null(bool present, double value) {
    return present ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// The keys every evoked truth starts with: simulator, version, seed, recording
// name, kind, side, sampling, sweep geometry and the polarity convention.
nlohmann::json truth_header(std::string_view simulator, const Recording& recording, std::uint64_t seed);

// Checks shared by every simulator's config, naming the field.
void check_acquisition(double sample_rate_hz, double sweep_s, double pre_trigger_s, const std::string& side);
void check_optional(const std::optional<double>& v, const char* field, double lo, double hi);

}  // namespace edx::sim::detail
