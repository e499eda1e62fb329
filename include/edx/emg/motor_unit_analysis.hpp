// The motor units of a minimal-effort segment, measured and taken together:
// each unit's averaged waveform measured by the MUAP criteria
// (signals/norms/muap_norms.json), its firing rate and regularity, units that
// are spontaneous activity firing on through the contraction (regular,
// fibrillation-shaped) set aside, and the recruitment at the site: the
// fastest unit's rate, the recruitment ratio (that rate over the number of
// units) and, when the segment shows it, the recruitment frequency (the first
// unit's rate when the second starts). Criteria: signals/norms/muap_analysis_criteria.json.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "edx/emg/muap_decomposition.hpp"
#include "edx/emg/muap_measurement.hpp"
#include "edx/emg/potential_shape.hpp"

namespace edx::emg {

struct UnitAnalysisCriteria {
    MuapCriteria measurement;
    ShapeCriteria shape;
    double regular_max_cv2 = 0.08;       // signals/norms/spontaneous_activity_criteria.json
    double duration_lowpass_hz = 1000.0;
    double baseline_gap_ms = 3.0;
    double local_baseline_ms = 5.0;      // baseline read next to the potential, beyond the quiet gap (0: window ends only)
    double steady_fraction = 0.5;
    double max_short_fraction = 0.1;  // more intervals under 0.4 x the median: two units not separated

    static UnitAnalysisCriteria from_tables();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct MotorUnitResult {
    std::vector<double> times_s;
    double first_discharge_s = 0.0;
    double rate_hz = 0.0;   // 1 / median interval over the steady part
    double cv2 = 0.0;       // regularity of its intervals
    MuapParameters parameters;
    double measurement_level_uv = 0.0;  // the band duration and phases were read at
    bool polyphasic = false;
    std::vector<double> waveform_uv;  // averaged (unfiltered), baseline removed
    double waveform_rate_hz = 0.0;
    std::size_t waveform_reference = 0;
    bool voluntary = true;  // false: spontaneous activity firing through the contraction
    bool single = true;     // false: too many impossibly short intervals for one unit; left out of the summary
    std::string note;
};

struct Recruitment {
    int units = 0;                                   // voluntary units measured at the site
    std::optional<double> fastest_rate_hz;
    std::optional<double> recruitment_ratio;         // fastest rate / units
    std::optional<double> recruitment_frequency_hz;  // first unit's rate when the second starts
};

struct MotorUnitSummary {
    int n_units = 0;  // voluntary units firing like one unit each
    std::optional<double> mean_amplitude_uv;
    std::optional<double> mean_duration_ms;
    std::optional<double> mean_phases;
    std::optional<double> mean_turns;
    std::optional<double> mean_area_uv_ms;
    std::optional<double> percent_polyphasic;
    Recruitment recruitment;
};

// The averaged waveform measured as the analysis reads it: amplitude, peak,
// turns and rise time on the waveform as it is; onset, offset, duration,
// phases and area on a copy low-passed at duration_lowpass_hz; both after the
// potential's extent is found (outward from the main peak until the waveform
// stays within the band for baseline_gap_ms) and the rest set to 0. The band
// is +/- level_uv, widened to 3 noise SDs of the average when its noise
// (noise_sd_uv) is too high for level_uv (a dense contraction): excursions
// the average cannot tell from noise are not the potential. `level_used_uv`,
// if given, receives the band.
MuapParameters measure_averaged_waveform(const std::vector<double>& waveform_uv, double rate_hz, std::size_t reference,
                                         const UnitAnalysisCriteria& criteria, double noise_sd_uv = 0.0,
                                         double* level_used_uv = nullptr);

std::vector<MotorUnitResult> analyse_units(const Decomposition& decomposition, const UnitAnalysisCriteria& criteria);

// Averages over the voluntary units that fire like one unit; recruitment of one site (segment).
MotorUnitSummary summarise_units(const std::vector<MotorUnitResult>& units, const Decomposition& decomposition);

}  // namespace edx::emg
