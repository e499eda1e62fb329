// How one needle-EMG channel is prepared for analysis: a measurement signal
// (the needle-EMG high-pass EMG machines use, run forward and backward so
// potentials keep their shape and timing), a detection signal (a band-pass
// keeping the fast phases potentials are found by), a robust estimate of the
// noise between potentials, and the peaks of the detection signal.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace edx::emg {

// Each analysis reads its detection band from its own criteria table.
struct ConditioningSettings {
    double measurement_highpass_hz = 2.0;  // signals/filters/machine_defaults.json, needle_emg
    double detection_low_hz = 100.0;
    double detection_high_hz = 1000.0;     // capped at 0.45 x the sample rate
    int order = 2;                         // Butterworth prototype order of each filter

    // The machine's needle-EMG high-pass and filter order with the given detection band.
    static ConditioningSettings with_band(double detection_low_hz, double detection_high_hz);
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct ConditionedSignal {
    double sample_rate_hz = 0.0;
    std::vector<float> measurement_uv;
    std::vector<float> detection_uv;
};

// Filters one channel (finite samples, uV). Signals too short for the
// filters' edge padding (under about 0.2 s) throw std::invalid_argument.
ConditionedSignal condition(std::span<const float> samples_uv, double sample_rate_hz, const ConditioningSettings& settings);

// The SD of the noise between potentials: the median absolute deviation
// (MAD / 0.6745) of the samples, re-estimated with +/- 1.5 ms around every
// excursion beyond 4 SDs left out (four passes), so a busy contraction's
// discharges do not inflate it; at least a tenth of the samples stay in.
// Returns 0 for fewer than 4 samples.
double robust_noise_sd(std::span<const float> x, double sample_rate_hz);

struct Peak {
    std::size_t index = 0;     // sample of the extremum
    double offset = 0.0;       // sub-sample position of the extremum (parabola through |x|), in [-0.5, 0.5]
    double value_uv = 0.0;     // signed value at index
};

// Extrema of |x| at or above threshold_uv that are the largest within
// +/- dead_samples, in time order.
std::vector<Peak> detect_peaks(std::span<const float> x, double threshold_uv, std::size_t dead_samples);

}  // namespace edx::emg
