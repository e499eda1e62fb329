// The signal path every evoked measurement starts from: sweeps taken from the
// recording (cut around the stimuli when it is continuous), screened
// (sweep_screen.hpp), the stimulus artefact suppressed (baseline from the
// pre-stimulus window, blanking with cubic interpolation, and the exponential
// tail where a stretch before the first response allows a fit), and filtered
// with the machine defaults of the recording's kind: the high-pass causally
// (as the amplifier does: a causal filter cannot move anything earlier, and a
// high-pass barely touches a fast take-off, while run zero-phase it would
// spread a large M-wave backwards into the baseline before it), the low-pass
// (and any notch) forward-backward (zero-phase: no group delay).
// tests/evoked/evoked_pipeline_test.cpp measures what the whole path does to
// the onset of a noiseless response.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "edx/dsp/filter_settings.hpp"
#include "edx/evoked/sweep_screen.hpp"
#include "edx/io/recording.hpp"

namespace edx::evoked {

struct PipelineConfig {
    dsp::FilterSettings filter;  // zero_phase is ignored: high-pass causal, the rest forward-backward
    double blank_start_ms = -0.1;
    double blank_end_ms = 1.5;
    ClipCriterion clip;
    double overload_residual_to_noise = 5.0;
    double overload_window_ms = 1.0;
    double tail_fit_min_ms = 0.5;
    double tail_fit_margin_ms = 0.3;
    double tail_search_ms = 15.0;
    double tail_model_tolerance = 0.02;
    // Continuous recordings only: the sweep cut around each stimulus.
    double pre_trigger_ms = 10.0;
    double post_trigger_ms = 90.0;

    // The machine filter defaults of the kind (a low-pass at or above 0.95 x
    // Nyquist is left out: the recording is already limited by its sampling)
    // and the blanking, clipping and overload limits of
    // signals/norms/evoked_measurement.json. Throws std::invalid_argument for
    // a kind without evoked defaults (needle_emg, surface_emg).
    static PipelineConfig defaults_for(RecordingKind kind, double sample_rate_hz);
    void validate() const;  // throws std::invalid_argument naming the field
};

// The sweeps that passed the screen, processed, one row each.
struct PreparedSweeps {
    double sample_rate_hz = 0.0;
    std::size_t frames = 0;             // samples per sweep
    std::size_t stimulus_index = 0;     // sample of the stimulus in each sweep
    std::size_t noise_end_index = 0;    // the pre-stimulus noise window is [0, noise_end_index)
    std::size_t blank_end_index = 0;    // first sample after the blanking
    std::vector<std::size_t> source;    // the recording's sweep index of each row
    std::vector<float> samples;         // rows x frames, canonical unit (mV)
    std::vector<double> noise_sd;       // each row's SD over the pre-stimulus window, after processing
    std::size_t sweeps_total = 0;
    std::vector<ScreenResult> screen;   // one per recording sweep (reason none for the rows kept)
    ExclusionCounts excluded;
    std::string filter;                 // what was run, e.g. "high-pass 5 Hz, ..., causal; low-pass ..., zero-phase"
    // The causal high-pass's poles (z-plane): after a wave ends, what the
    // high-pass left of it decays as a sum of these natural modes, which the
    // regressions of the presence test and the F-wave search then remove exactly.
    std::vector<std::complex<double>> highpass_poles;
    bool tail_fitted = false;           // the artefact tail was fitted and removed
    double tail_fit_start_ms = 0.0, tail_fit_end_ms = 0.0;
    double tail_tau_ms = 0.0;

    std::size_t rows() const noexcept { return source.size(); }
    std::span<const float> row(std::size_t r) const noexcept {
        return std::span<const float>(samples).subspan(r * frames, frames);
    }
    std::span<float> row(std::size_t r) noexcept { return std::span<float>(samples).subspan(r * frames, frames); }
    // Time (ms from the stimulus) of a (fractional) sample index, and back.
    double ms_at(double index) const noexcept {
        return (index - static_cast<double>(stimulus_index)) * 1000.0 / sample_rate_hz;
    }
    double index_at(double ms) const noexcept {
        return static_cast<double>(stimulus_index) + ms * sample_rate_hz / 1000.0;
    }
    // The mean of the given rows (all rows when `which` is empty), sample by sample.
    std::vector<double> mean_of(std::span<const std::size_t> which = {}) const;
    // The median of the rows' pre-stimulus noise SDs (0 without rows).
    double median_noise_sd() const;
    // Noise SD of one sample of the mean of the rows: the median over the
    // samples after the blanking of the sweep-to-sweep variance, over the
    // number of rows. Responses occupy a minority of the sweep, and
    // interference locked to the stimulus does not enter the spread. One row:
    // its pre-stimulus SD.
    double mean_noise_sd() const;
    // Drops row r, recording `reason` for its sweep.
    void exclude_row(std::size_t r, ExclusionReason reason, std::string detail);
};

// Screens, blanks and filters. Throws std::invalid_argument if the recording
// has no stimuli / sweeps or its pre-stimulus window is shorter than the
// blanking needs, naming the recording.
PreparedSweeps prepare_sweeps(const Recording& recording, const PipelineConfig& config);
// The same into `out`, whose memory is reused: a caller measuring recording
// after recording keeps one (each fresh sweep buffer of a few hundred kB
// costs its page faults again, as much as the rest of a short recording's
// measurement). On a throw `out` is left unspecified.
void prepare_sweeps(const Recording& recording, const PipelineConfig& config, PreparedSweeps& out);

// The stimulus artefact's exponential tail, fitted and removed where it runs
// into the first response. The tail's shape is A g_tau(t): the exponential
// e^(-t / tau) from the end of the blanking, taken through the same blanking
// and filters as the sweeps (the high-pass adds an undershoot that outlasts
// the tail and would otherwise stay under the response as a drifting
// baseline). The stretch it is fitted on is found from the mean sweep: the
// longest [end of blanking, e) (e up to tail_search_ms later) over which
// A g_tau + C fits the mean to within 2.5 times its noise plus
// tail_model_tolerance x the tail's size, less tail_fit_margin_ms; none if
// shorter than tail_fit_min_ms, if the tail does not stand out of the mean's
// noise or does not decay within the stretch. Each sweep then gets its own A
// and C with the mean's tau (the time constant belongs to the electrodes and
// amplifier, the size to the stimulus); A g_tau is removed, and a sweep whose
// fit leaves a residual RMS beyond overload_residual_to_noise x its baseline
// noise SD is excluded as artefact_overload. Returns whether a tail was removed.
bool suppress_artefact_tail(PreparedSweeps& sweeps, const PipelineConfig& config);

// Artefact overload whether or not a tail can be fitted: over the
// overload_window_ms after the blanking, each sweep is compared with the
// median of all sweeps there, scaled to it by least squares (an artefact
// grows with the stimulus) less a constant; a sweep that differs by more
// than overload_residual_to_noise x its baseline noise SD is excluded
// (amplifier saturation and recovery, ringing, a second spike). Needs 3
// sweeps. Returns how many were excluded.
std::size_t exclude_artefact_overload(PreparedSweeps& sweeps, const PipelineConfig& config);

}  // namespace edx::evoked
