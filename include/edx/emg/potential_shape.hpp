// What kind of waveform a potential is, whatever its size and polarity: a
// fibrillation (a brief spike, 1-5 ms at the spike level), a positive sharp wave (a sharp first
// phase, then one long, smaller opposite phase) or a complex potential (a MUAP,
// a fasciculation, a complex repetitive discharge). Phases and duration are
// read at a level relative to the potential's largest magnitude, so the shape
// does not depend on amplitude. Criteria: signals/norms/spontaneous_activity_criteria.json.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edx::emg {

enum class ShapeClass { fibrillation_like, positive_sharp_wave_like, complex };

std::string_view to_string(ShapeClass shape) noexcept;

struct ShapeCriteria {
    double level_fraction = 0.1;            // of the largest magnitude: phases
    double duration_level_uv = 10.0;        // signals/norms/muap_norms.json: duration
    double fibrillation_max_duration_ms = 5.0;
    double psw_min_slow_phase_ms = 5.0;
    double psw_max_slow_phase_ratio = 0.8;  // slow phase peak / sharp phase peak
    double max_gap_ms = 1.5;                // a potential ends after this long inside the band

    static ShapeCriteria from_table();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct ShapePhase {
    int sign = 0;             // +1 or -1
    double start_ms = 0.0;    // relative to the main peak
    double end_ms = 0.0;
    double peak_uv = 0.0;     // largest magnitude in the phase (signed)
};

struct PotentialShape {
    ShapeClass shape = ShapeClass::complex;
    double level_uv = 0.0;    // the relative level the phases are read at
    double duration_ms = 0.0; // first to last sample outside the duration band around the main peak
    double main_peak_uv = 0.0;
    std::size_t main_index = 0;
    std::vector<ShapePhase> phases;
    std::size_t main_phase = 0;  // index into phases
    std::string reason;          // why this class, in words
};

// `v` is a waveform with baseline 0 sampled at sample_rate_hz; the main peak
// is the largest magnitude within +/- 2 ms of `reference`; noise_sd_uv is the
// noise left in `v` (the level is at least 3 of it). Throws
// std::invalid_argument if v is empty or reference is outside it.
PotentialShape classify_shape(std::span<const double> v, double sample_rate_hz, std::size_t reference,
                              double noise_sd_uv, const ShapeCriteria& criteria);

}  // namespace edx::emg
