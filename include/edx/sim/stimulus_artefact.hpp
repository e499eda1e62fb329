// The stimulus artefact of an evoked recording: a spike for the duration of the
// pulse, then an exponential tail that can reach into the earliest responses
// (the M-wave, a SNAP). Its size scales with the stimulus intensity.
#pragma once

#include <optional>
#include <span>

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"
#include "edx/sim/random.hpp"

namespace edx::sim {

struct StimulusArtefact {
    double pulse_ms = 0.0;     // spike from the stimulus (t = 0) to the end of the pulse
    double spike_mv = 0.0;     // signed value during the pulse
    double tail_mv = 0.0;      // signed value at the end of the pulse, then decaying
    double tail_tau_ms = 1.0;  // time constant of the tail

    // 0 before the stimulus; spike_mv during the pulse; tail after it.
    double value_mv(double t_ms) const noexcept;
    // Adds the artefact to samples whose first one lies at first_sample_ms from the stimulus.
    void add_to(std::span<float> samples, double sample_rate_hz, double first_sample_ms) const;
    // The same artefact for a stimulus `factor` times as strong.
    StimulusArtefact scaled(double factor) const;
    nlohmann::json to_json() const;
};

// Magnitudes; unset ones are drawn from signals/physiology/evoked_artefact_noise.json
// for the recording's kind, with a random sign for the spike and the tail.
struct ArtefactSettings {
    bool enabled = true;
    std::optional<double> spike_mv;
    std::optional<double> tail_mv;
    std::optional<double> tail_tau_ms;

    static ArtefactSettings none() { return {false, {}, {}, {}}; }
    void validate() const;  // throws std::invalid_argument naming the field
};

// The artefact of the recording's strongest stimulus. Draws the same number of
// values whatever is set, so settings do not shift other draws of `random`.
StimulusArtefact draw_artefact(const ArtefactSettings& settings, RecordingKind kind, double pulse_ms, Random& random);

}  // namespace edx::sim
