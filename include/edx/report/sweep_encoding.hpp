// The sweeps of a recording for a page: 16-bit counts with one scale per
// recording (units per count), base64-encoded little-endian. A third of the size
// of JSON numbers; the quantisation step (max |sample| / 32767) is stated with the plot.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"

namespace edx::report {

// Marks a sample that was not finite (NaN, inf) in the recording: drawn as a gap.
inline constexpr std::int16_t kNonFiniteCount = -32768;

struct QuantisedSweeps {
    std::size_t sweep_count = 0;
    std::size_t frames = 0;        // samples per sweep
    double scale = 1.0;            // recording units per count
    std::vector<std::int16_t> counts;  // sweep after sweep
};

// Each finite sample becomes round(sample / scale), scale = max |sample| / 32767
// (1 when every sample is 0), so |sample - count * scale| <= scale / 2.
// Throws std::invalid_argument when the recording is not in sweep form.
QuantisedSweeps quantise_sweeps(const Recording& recording);

std::string base64(std::span<const std::uint8_t> bytes);

// {"sweep_count", "frames", "sample_rate_hz", "pre_trigger_ms", "units",
//  "scale", "counts_base64"}: what report_plots.js decodes.
nlohmann::ordered_json sweeps_json(const Recording& recording);

}  // namespace edx::report
