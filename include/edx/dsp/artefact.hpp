// Stimulus artefact suppression for evoked responses, one sweep (one channel)
// at a time: baseline correction from the pre-stimulus window, subtraction of
// an exponential tail fitted between the artefact and the response, and
// blanking of the artefact itself with interpolation across it.
#pragma once

#include <cstddef>
#include <span>

namespace edx::dsp {

enum class Interpolation { linear, cubic };

// Times are ms relative to the stimulus (negative = before it).
struct ArtefactConfig {
    double sample_rate_hz = 0.0;
    bool correct_baseline = true;
    double baseline_start_ms = -5.0;  // mean over [start, end) is subtracted from the sweep
    double baseline_end_ms = -0.2;
    double blank_start_ms = -0.1;     // [start, end) replaced by interpolation
    double blank_end_ms = 1.0;
    Interpolation interpolation = Interpolation::cubic;
    bool fit_tail = true;
    // A exp(-(t - fit_start) / tau) (+ C) fitted on [fit_start, fit_end), which
    // must end before the response starts; the exponential (not C) is then
    // subtracted from blank_end to the end of the sweep.
    double fit_start_ms = 1.0;
    double fit_end_ms = 4.0;
    double tau_min_ms = 0.05;
    double tau_max_ms = 50.0;
    bool fit_offset = false;
};

enum class ArtefactStatus {
    ok,
    windows_outside_sweep,  // a window does not fit in the sweep: sweep left unchanged
    non_finite_input        // a non-finite sample in a window used: sweep left unchanged
};

struct ArtefactResult {
    ArtefactStatus status = ArtefactStatus::ok;
    double baseline = 0.0;        // subtracted, in the sweep's unit
    double tail_amplitude = 0.0;  // A at fit_start, after baseline correction
    double tail_tau_ms = 0.0;
    double tail_offset = 0.0;     // C (0 unless fit_offset)
    double tail_fit_rms = 0.0;    // RMS residual of the fit over its window
};

class StimulusArtefactSuppressor {
public:
    // Throws std::invalid_argument naming the field: non-positive sample rate,
    // a window with start >= end, a baseline window not before the stimulus,
    // a fit window starting before the blanking ends, tau bounds not 0 < min < max.
    explicit StimulusArtefactSuppressor(const ArtefactConfig& config);

    // Cleans `sweep` in place; the stimulus is at sample `stimulus_index`.
    // Allocates nothing and throws nothing (real-time safe), work bounded by
    // the sweep length.
    ArtefactResult process(std::span<float> sweep, std::size_t stimulus_index) const noexcept;

    const ArtefactConfig& config() const noexcept { return config_; }

private:
    ArtefactConfig config_;
    long baseline_begin_ = 0, baseline_end_ = 0;  // sample offsets from the stimulus
    long blank_begin_ = 0, blank_end_ = 0;
    long fit_begin_ = 0, fit_end_ = 0;
};

}  // namespace edx::dsp
