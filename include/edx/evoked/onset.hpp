// The onset latency of an evoked response on one trace (a template or a
// single sweep): the first departure from baseline by a criterion relative to
// the noise, refined to a fraction of a sample.
//
// Criterion (constants in signals/norms/evoked_measurement.json, /onset):
// 1. the trace is smoothed for detection by a Gaussian kernel whose -3 dB
//    frequency is detection_lowpass_hz (non-negative: no ringing before a
//    steep take-off, as a Butterworth low-pass run zero-phase would put there);
// 2. the reference level is a line fitted to the detection trace over a
//    stretch known to precede the response; walking back from the response's
//    main peak, the departure is the first sample beyond k_noise_sd x the
//    detection trace's noise SD from that line after the last stretch of
//    quiet_ms that stays within the band;
// 3. a two-phase regression on the unsmoothed trace, from baseline_fit_ms
//    before the departure to where the rise reaches rise_fraction of the first
//    phase's peak: y = c before t0, y = c + a (t - t0) + b (t - t0)^2 after it,
//    with the take-off slope a of the departure's sign (or zero). The break
//    point t0, a continuous time, is the onset.
//
// For a response with compact support that takes off with a non-zero slope or
// quadratically (zero slope, non-zero curvature), t0 is where it leaves the
// baseline; for a response with a smoother take-off, t0 is where the local
// linear-plus-quadratic description of its rise meets the baseline.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace edx::evoked {

struct OnsetCriterion {
    double k_noise_sd = 3.0;
    double detection_lowpass_hz = 1000.0;  // at or above 0.45 x the sample rate: no smoothing
    double quiet_ms = 1.0;
    double baseline_fit_ms = 1.5;
    double rise_fraction = 0.5;
    double min_rise_ms = 0.3;

    static OnsetCriterion from_signals();  // /onset of signals/norms/evoked_measurement.json
    void validate() const;                 // throws std::invalid_argument naming the field
};

struct OnsetEstimate {
    bool found = false;
    std::string reason;              // why not, when not found
    double onset_index = 0.0;        // fractional sample index in the trace
    std::size_t departure_index = 0;  // first sample beyond the threshold
    double baseline = 0.0;           // c: the level before the onset
    double takeoff_slope = 0.0;      // a, per sample
    double curvature = 0.0;          // b, per sample squared
    int polarity = 0;                // +1: the response leaves upwards (positive values), -1 downwards
    std::size_t fit_begin = 0, fit_end = 0;  // the regression's samples [fit_begin, fit_end)
};

// The detection trace: `trace` smoothed as the criterion says.
std::vector<double> detection_trace(std::span<const double> trace, double sample_rate_hz,
                                    const OnsetCriterion& criterion);

// The noise SD of a detection trace, from noise-only rows (`rows` x `frames`
// samples): each is smoothed like a trace and the SD pooled over all.
double detection_noise_sd(std::span<const double> noise_rows, std::size_t rows, std::size_t frames,
                          double sample_rate_hz, const OnsetCriterion& criterion);

// `detection_noise_sd`: the noise SD of detection_trace(trace); `peak_index`:
// the response's main peak; `earliest_index`: nothing before it belongs to the
// baseline of this response (the end of the blanking or of a preceding
// response); [earliest_index, baseline_end_index): a stretch known to precede
// the response, whose level and slope (a fitted line) are the reference the
// departure is measured from.
OnsetEstimate estimate_onset(std::span<const double> trace, double sample_rate_hz, double detection_noise_sd,
                             std::size_t peak_index, std::size_t earliest_index, std::size_t baseline_end_index,
                             const OnsetCriterion& criterion);

}  // namespace edx::evoked
