// Decomposition of a needle-EMG segment at minimal effort into motor units:
// every potential is detected, potentials are sorted into units by waveform,
// each unit's waveform is averaged, and the signal is explained discharge by
// discharge by subtracting the best-fitting unit (peel-off, aligned to a
// fraction of a sample), over several rounds. Superimpositions are resolved:
// where one unit leaves a spike, the best pair replaces it, and each complex
// of overlapping discharges is refitted as the combination of up to three
// units that explains it best. Each unit's firing rhythm (from the previous
// round) guides the choice: a unit whose rhythm predicts a discharge is
// preferred to one that fits only a little better and is accepted on less of
// the energy, a unit keeps one of two discharges within its refractory time,
// discharges far out of a unit's rhythm are taken from it, and gaps in a
// regular train are searched for its missed discharges. Between rounds, units
// sorted apart are joined and units sorted together are split. For each
// unit: its discharge times and its averaged waveform, from windows in which
// the other units' discharges have been subtracted, aligned to a quarter of a
// sample. Criteria: signals/norms/muap_analysis_criteria.json.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "edx/emg/signal_conditioning.hpp"

namespace edx::emg {

struct DecompositionCriteria {
    ConditioningSettings conditioning;
    double threshold_sd = 5.0;        // detection threshold, robust noise SDs of the detection signal
    double dead_time_ms = 1.0;
    int min_discharges = 10;          // a unit with fewer is not kept
    double short_isi_ms = 20.0;       // no unit fires twice within this at minimal effort
    double fit_min_scale = 0.7;       // a discharge's least-squares size relative to its unit's waveform
    double fit_max_scale = 1.4;
    double fit_min_explained = 0.5;   // share of the energy around the peak a fit must remove
    double window_pre_ms = 25.0;      // averaged waveform, before the main peak
    double window_post_ms = 35.0;     // and after it
    int upsampling = 4;               // averaged waveforms and discharge times to 1/upsampling sample

    static DecompositionCriteria from_table();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct DecomposedUnit {
    std::vector<double> times_s;       // main peak of each discharge, from the start of the recording
    std::vector<double> waveform_uv;   // averaged, measurement signal, baseline removed
    double waveform_rate_hz = 0.0;     // sample rate x upsampling
    std::size_t waveform_reference = 0;  // the main peak
    double waveform_noise_sd_uv = 0.0;   // noise left in the average
};

struct Decomposition {
    double start_s = 0.0;
    double duration_s = 0.0;
    double noise_sd_uv = 0.0;          // detection signal
    double threshold_uv = 0.0;
    std::size_t detections = 0;        // peaks above threshold in the original detection signal
    std::size_t explained = 0;         // discharges assigned to kept units
    std::size_t unexplained = 0;       // residual peaks above threshold no unit fits
    std::vector<DecomposedUnit> units; // by decreasing amplitude
};

// samples_uv: one segment (finite, uV) starting at start_s of the recording.
// Throws std::invalid_argument for a segment shorter than 0.5 s or a bad rate.
Decomposition decompose_muaps(std::span<const float> samples_uv, double sample_rate_hz, double start_s,
                              const DecompositionCriteria& criteria);

}  // namespace edx::emg
