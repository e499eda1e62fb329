// Which sweeps of an evoked recording can be measured. A sweep holding a
// non-finite sample, a clipped stretch (amplifier or converter at its rail) or
// a stimulus artefact the suppressor cannot remove is excluded and counted by
// reason, never measured. The limits are in signals/norms/evoked_measurement.json.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace edx::evoked {

enum class ExclusionReason { none, non_finite, clipping, artefact_overload };

// "none", "non_finite", "clipping", "artefact_overload".
std::string_view to_string(ExclusionReason reason) noexcept;

struct ExclusionCounts {
    std::size_t non_finite = 0;
    std::size_t clipping = 0;
    std::size_t artefact_overload = 0;

    std::size_t total() const noexcept { return non_finite + clipping + artefact_overload; }
    void add(ExclusionReason reason) noexcept;
};

// Clipping: a run of at least min_run samples (and at least min_run_ms) holding
// exactly the same value, that value being the sweep's largest or smallest,
// outside the stimulus pulse window [pulse_start_ms, pulse_end_ms) where the
// artefact is expected to saturate and is blanked anyway. Converters and
// amplifiers at their rail repeat one code; noise on a live signal does not
// repeat its extreme value for that long.
struct ClipCriterion {
    std::size_t min_run_samples = 4;
    double min_run_ms = 0.2;
    double pulse_start_ms = -0.1;
    double pulse_end_ms = 1.5;

    // From signals/norms/evoked_measurement.json (/exclusion/...).
    static ClipCriterion from_signals();
    void validate() const;  // throws std::invalid_argument naming the field
};

struct ScreenResult {
    ExclusionReason reason = ExclusionReason::none;
    std::string detail;  // e.g. "12 samples at 5.0000 mV from 31.20 ms"; empty when none
};

// Screens one raw sweep (before any processing) for non-finite samples and
// clipping. `stimulus_index` is the sample of the stimulus.
ScreenResult screen_sweep(std::span<const float> sweep, std::size_t stimulus_index, double sample_rate_hz,
                          const ClipCriterion& criterion);

}  // namespace edx::evoked
