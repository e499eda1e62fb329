// Multi-phasic evoked potentials (M-, H- and F-waves, CMAPs, SNAPs) with compact
// support: exactly zero before the onset and after the end, taking off with a
// non-zero slope, so the onset latency, the peaks and the areas written to the
// truth are exact properties of the waveform, not estimates.
//
// Polarity: samples are active-minus-reference voltage, so a "negative" phase
// has negative sample values (EMG displays draw it upwards). Amplitudes in
// measures are magnitudes (>= 0).
#pragma once

#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/sim/interval.hpp"
#include "edx/sim/random.hpp"

namespace edx::sim {

enum class Polarity { negative, positive };

struct PotentialPhase {
    Polarity polarity = Polarity::negative;
    double relative_amplitude = 1.0;  // peak magnitude relative to the main negative phase
    double relative_duration = 1.0;   // share of the whole duration; the phases sum to 1
    double peak_position = 0.4;       // where the peak lies within the phase, in (0, 1)
};

// A potential normalised to unit duration and a main negative peak of -1.
struct WaveformShape {
    // Alternating polarity. Exactly one negative phase has relative_amplitude 1
    // (the main one); every other phase is smaller than 1.
    std::vector<PotentialPhase> phases;
    // Take-off slope as a multiple of the straight line from the onset to the
    // first peak, in (0, 3]: 3 is the largest that keeps the rise monotone.
    double onset_slope_factor = 1.0;

    // Throws std::invalid_argument naming the first broken rule.
    void validate() const;
    Polarity initial_polarity() const { return phases.front().polarity; }
    std::size_t main_phase() const;  // index of the main negative phase
    nlohmann::json to_json() const;
};

// What a family of potentials may look like; each recording (or each F-wave)
// draws its own shape from these so that detectors cannot fit one template.
// The simulators fill it from signals/physiology (see each simulator's header).
struct ShapeRanges {
    double initial_positive_probability = 0.0;
    int min_phases = 2;  // 2..4; an initially positive shape has at least 3
    int max_phases = 2;
    Interval lead_positive_amplitude;      // initial positivity before the main negative phase
    Interval trailing_positive_amplitude;  // the positive phase after the main negative one
    Interval tail_amplitude;               // any later phase
    // Durations relative to the main negative phase (weight 1).
    Interval lead_positive_weight;
    Interval trailing_positive_weight;
    Interval tail_weight;
    Interval peak_position;
    Interval onset_slope_factor;

    void validate() const;
};

// Draws a shape: initial polarity, then the number of phases within the range
// allowed for that polarity, then every phase's amplitude, duration and peak.
WaveformShape draw_shape(const ShapeRanges& ranges, Random& random);
// Draws a shape with a given initial polarity and number of phases.
WaveformShape draw_shape(const ShapeRanges& ranges, Polarity initial, int phases, Random& random);

// The exact properties of a placed potential. Times in ms from the stimulus.
struct PotentialMeasures {
    double onset_ms = 0.0;
    double end_ms = 0.0;
    double duration_ms = 0.0;
    double negative_peak_ms = 0.0;
    double amplitude_mv = 0.0;      // baseline to main negative peak
    double positive_peak_ms = 0.0;  // largest positive peak (the onset if there is none)
    double positive_peak_mv = 0.0;  // its magnitude, 0 if there is none
    double peak_to_peak_mv = 0.0;
    double negative_phase_onset_ms = 0.0;  // bounds of the main negative phase
    double negative_phase_end_ms = 0.0;
    double negative_phase_duration_ms = 0.0;
    double negative_phase_area_mv_ms = 0.0;  // magnitude of its integral
    double signed_area_mv_ms = 0.0;          // integral of the whole potential
    double rectified_area_mv_ms = 0.0;       // integral of its magnitude

    nlohmann::json to_json() const;
};

// A shape placed in time and scaled: a C1 piecewise cubic through the onset,
// each peak and each zero crossing, monotone between them, so every phase has
// exactly one extremum (its peak) and the waveform crosses zero only between phases.
class EvokedPotential {
public:
    EvokedPotential() = default;
    // Throws std::invalid_argument if the shape is invalid, duration_ms <= 0 or amplitude_mv < 0.
    EvokedPotential(const WaveformShape& shape, double onset_ms, double duration_ms, double amplitude_mv);

    double onset_ms() const noexcept { return knots_.empty() ? 0.0 : knots_.front().t_ms; }
    double end_ms() const noexcept { return knots_.empty() ? 0.0 : knots_.back().t_ms; }
    double duration_ms() const noexcept { return end_ms() - onset_ms(); }
    double amplitude_mv() const noexcept { return amplitude_mv_; }
    const WaveformShape& shape() const noexcept { return shape_; }
    bool empty() const noexcept { return knots_.empty() || amplitude_mv_ == 0.0; }

    // Value at t_ms: 0 outside (onset, end).
    double value_mv(double t_ms) const noexcept;
    // Adds the potential to samples whose first one lies at first_sample_ms.
    void add_to(std::span<float> samples, double sample_rate_hz, double first_sample_ms) const;

    // The same potential moved, rescaled or stretched (stretch keeps the onset).
    EvokedPotential shifted(double by_ms) const;
    EvokedPotential scaled(double factor) const;
    EvokedPotential stretched(double factor) const;

    PotentialMeasures measures() const;
    nlohmann::json to_json() const;  // measures plus the shape

private:
    struct Knot {
        double t_ms;
        double v_mv;
        double slope_mv_per_ms;
    };
    WaveformShape shape_;
    double amplitude_mv_ = 0.0;
    std::vector<Knot> knots_;  // onset, then peak and zero crossing of each phase, then end
};

}  // namespace edx::sim
