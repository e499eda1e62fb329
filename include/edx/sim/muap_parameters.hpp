// How a needle potential (a MUAP, a fibrillation, a positive sharp wave) is
// measured: amplitude, duration, phases, turns, area and rise time, with the
// criteria of signals/norms/muap_norms.json. The simulator's truth uses it, so
// the analysis, measuring by the same table, is compared with like.
#pragma once

#include <span>

#include <nlohmann/json.hpp>

namespace edx::sim {

struct MuapCriteria {
    double level_uv = 10.0;     // baseline band: duration and phases
    double turn_uv = 25.0;      // minimal reversal for a turn
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
    double rise_time_ms = 0.0;  // preceding opposite extremum (or onset) to main peak
    bool first_phase_positive = false;

    bool polyphasic(const MuapCriteria& criteria) const noexcept { return phases > criteria.max_normal_phases; }
    nlohmann::json to_json() const;
};

// Measures a waveform sampled at sample_rate_hz whose baseline is 0. A waveform
// that never leaves the baseline band has duration, phases and turns 0.
MuapParameters measure_muap(std::span<const double> samples_uv, double sample_rate_hz, const MuapCriteria& criteria);

}  // namespace edx::sim
