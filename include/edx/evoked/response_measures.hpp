// Latencies, amplitudes, duration and area of one response on one trace, by
// the conventions of nerve conduction reports [TeleEMG], [Kim22]: amplitude
// from the baseline (the level before the onset) to the main negative peak,
// peak-to-peak from the largest positive to the largest negative excursion,
// and the main negative phase's duration (between the baseline crossings that
// bracket the negative peak, or the onset when the response starts with it)
// and area (the integral of its magnitude). The exact AANEM wording of the
// duration and area definitions is a GAP (edx-domain.md 3.1): these follow
// the simulator's truth, so they are checked against it.
//
// Polarity: samples are active minus reference, so the negative phase has
// negative values (drawn upwards on EMG displays). Amplitudes are magnitudes.
#pragma once

#include <cstddef>
#include <span>

namespace edx::evoked {

struct ResponseMeasures {
    double onset_ms = 0.0;
    double negative_peak_ms = 0.0;
    double amplitude_mv = 0.0;         // baseline to main negative peak, >= 0
    double positive_peak_ms = 0.0;     // largest positive excursion (the onset if there is none)
    double positive_peak_mv = 0.0;     // its height above baseline, >= 0
    double peak_to_peak_mv = 0.0;
    double negative_phase_onset_ms = 0.0;
    double negative_phase_end_ms = 0.0;
    double negative_duration_ms = 0.0;
    double negative_area_mv_ms = 0.0;
};

// `trace` sampled at sample_rate_hz, its sample i at time
// first_sample_ms + i / rate (ms from the stimulus). The response starts at the
// fractional sample `onset_index` with the level `baseline` before it, and ends
// before sample `end_index`. Peaks are refined by a parabola through their
// neighbours; crossings are interpolated linearly.
ResponseMeasures measure_response(std::span<const double> trace, double sample_rate_hz, double first_sample_ms,
                                  double onset_index, double baseline, std::size_t end_index);

}  // namespace edx::evoked
