// How the needle-EMG analysis measures one potential (an averaged MUAP, a
// fibrillation or positive-sharp-wave template): amplitude, duration, phases,
// turns, area and rise time, by the criteria of signals/norms/muap_norms.json,
// the same table and definitions the simulator's truth is measured with.
#pragma once

#include <span>

namespace edx::emg {

// Onset and offset are the first departure from and the final return to the
// +/- level_uv baseline band; a phase is a part on one side of the baseline
// that leaves the band; a turn is a reversal of at least turn_uv.
struct MuapCriteria {
    double level_uv = 10.0;
    double turn_uv = 25.0;
    int max_normal_phases = 4;  // more phases: polyphasic

    static MuapCriteria from_table();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct MuapParameters {
    double amplitude_uv = 0.0;  // peak to peak: largest minus smallest sample
    double peak_uv = 0.0;       // signed value at the main peak (largest magnitude)
    double duration_ms = 0.0;   // onset to offset
    double onset_ms = 0.0;      // relative to the main peak (<= 0), interpolated at the level
    double offset_ms = 0.0;     // relative to the main peak (>= 0)
    int phases = 0;
    int turns = 0;
    double area_uv_ms = 0.0;    // rectified, over the duration
    double rise_time_ms = 0.0;  // preceding opposite extremum (or onset) to the main peak
    bool first_phase_positive = false;

    bool polyphasic(const MuapCriteria& criteria) const noexcept { return phases > criteria.max_normal_phases; }
};

// Measures a waveform sampled at sample_rate_hz whose baseline is 0. A waveform
// that never leaves the baseline band has duration, phases and turns 0.
// Throws std::invalid_argument for invalid criteria or a rate <= 0.
MuapParameters measure_muap(std::span<const double> samples_uv, double sample_rate_hz, const MuapCriteria& criteria);

}  // namespace edx::emg
