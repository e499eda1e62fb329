// A discharge waveform computed finer than the recording's sample rate, with the
// sample that marks the discharge's time (its largest magnitude), so that every
// discharge is placed at its exact time rather than rounded to a sample, and its
// truth parameters are those of the continuous waveform it stands for.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace edx::sim {

struct PotentialTemplate {
    double sample_rate_hz = 0.0;  // of the recording
    int oversampling = 1;         // samples_uv is at sample_rate_hz * oversampling
    std::vector<double> samples_uv;
    std::size_t reference_index = 0;  // the sample at the discharge time

    double fine_rate_hz() const noexcept { return sample_rate_hz * oversampling; }
    // Times (ms) of the first and last samples relative to the reference.
    double first_ms() const noexcept;
    double last_ms() const noexcept;
    // The time a discharge at time_s is placed at: the nearest point of the fine grid.
    double quantise(double time_s) const noexcept;
    // Adds gain * this, its reference at quantise(time_s), to `signal` sampled at
    // sample_rate_hz from t = 0. Parts outside the signal are dropped.
    void add_to(std::span<float> signal, double time_s, double gain = 1.0) const;
    // As the recording samples it: every oversampling-th sample from `phase`.
    std::vector<double> decimated(int phase = 0) const;
    double peak_to_peak_uv() const noexcept;
    double peak_uv() const noexcept { return samples_uv.empty() ? 0.0 : samples_uv[reference_index]; }
};

// A template from a waveform at sample_rate_hz * oversampling: the reference is
// its largest magnitude; leading and trailing samples below 1e-4 uV are dropped.
// Throws std::invalid_argument if the waveform is empty or all zero.
PotentialTemplate make_template(std::vector<double> fine_samples_uv, double sample_rate_hz, int oversampling);

}  // namespace edx::sim
