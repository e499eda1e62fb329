// Woody's method: the sweeps of a recording aligned on one response by
// iterated cross-correlation against their amplitude-weighted mean, giving a
// template with the response's shape (noise averaged down, latency jitter
// removed) and each sweep's shift against it to a fraction of a sample.
// Each sweep is compared with the template built without it, so its own noise
// does not pull its shift; the correlation peak is refined by a parabola
// through the three best lags (the responses are sampled 10 or more times
// above their bandwidth, where the peak is parabolic to well under 0.01 sample).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "edx/evoked/evoked_pipeline.hpp"

namespace edx::evoked {

struct AlignmentConfig {
    double max_shift_ms = 5.0;     // largest shift searched, either way
    int iterations = 5;            // at most; stops when no shift moves by more than 0.01 sample
    // Wide searches start on the sweeps' envelopes (rectified, averaged down
    // to about this rate), which a multiphasic wave cannot match one phase
    // off, then refine at the full rate around the coarse lag.
    double coarse_rate_hz = 1000.0;
    // Each sweep is correlated with the template low-passed to this -3 dB
    // frequency (0: not), the response's band: the template's noise above
    // it, whose slope the correlation would otherwise follow, leaves the
    // shifts (the template itself is not smoothed).
    double template_lowpass_hz = 0.0;

    // The H-wave's (/alignment/max_shift_ms, /alignment/template_lowpass_hz)
    // or the M-wave's (/alignment/m_max_shift_ms, no low-pass: its template's
    // noise is negligible) settings from signals/norms/evoked_measurement.json.
    static AlignmentConfig for_h_wave();
    static AlignmentConfig for_m_wave();
    // CMAPs and SNAPs: no search (/alignment/ncs_max_shift_ms = 0), a plain average.
    static AlignmentConfig for_ncs();
    void validate() const;  // throws std::invalid_argument naming the field
};

struct Alignment {
    std::size_t begin = 0, end = 0;     // the template's window [begin, end), in sweep samples
    std::vector<double> waveform;       // the template over the window
    // Per row given: the row holds amplitude x template delayed by shift.
    std::vector<double> shift_samples;
    std::vector<double> amplitude;      // least-squares scale against the template without that row
    std::vector<double> residual_rms;   // RMS of row - amplitude x shifted template over the window
    // Per row: amplitude / its standard error (white-noise approximation from
    // the row's residual): the evidence that the row holds the response.
    std::vector<double> z;
    double max_shift_samples = 0.0;     // the range actually searched (limited by the sweep's edges)
    int iterations = 0;
    bool converged = false;
    // SD of the template's noise per sample: the residual noise of the rows
    // divided by the root of the sum of their squared weights.
    double noise_sd = 0.0;
};

// Aligns `rows` of `sweeps` on the window [begin, end). The correlations
// (shifts and amplitudes) use only [focus_begin, focus_end) within it, where
// the response is (0, 0: the whole window): the rest of the window, kept for
// the template's baseline, would only add noise to them. Throws
// std::invalid_argument if rows is empty, the window is empty or outside the
// sweep, or the focus is not within the window.
Alignment align_rows(const PreparedSweeps& sweeps, std::span<const std::size_t> rows, std::size_t begin,
                     std::size_t end, const AlignmentConfig& config, std::size_t focus_begin = 0,
                     std::size_t focus_end = 0);

// Row `row` shifted back by `shift_samples` (band-limited by cubic
// interpolation) over [begin, end): what the row looks like aligned on the template.
std::vector<double> shifted_row(std::span<const float> row, double shift_samples, std::size_t begin, std::size_t end);

}  // namespace edx::evoked
