// Simulated F-wave series (tibial nerve to abductor hallucis, peroneal nerve to
// extensor digitorum brevis, supramaximal stimulation at the ankle): a stable
// M-wave, then in a fraction of sweeps (persistence < 100%) an F-wave whose
// latency, shape and amplitude vary from stimulus to stimulus, as the backfiring
// motoneurons change. Ranges from signals/physiology/f_wave.json and, for the
// M-wave (the distal CMAP), signals/physiology/ncs.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "edx/sim/evoked_background.hpp"
#include "edx/sim/interval.hpp"
#include "edx/sim/simulated_recording.hpp"
#include "edx/sim/stimulus_artefact.hpp"

namespace edx::sim {

struct FWaveConfig {
    std::string name = "tibial_f_wave";  // recording name; also names its random streams
    std::string nerve = "tibial";        // tibial (abductor hallucis) or peroneal (extensor digitorum brevis)
    std::string side = "left";
    double sample_rate_hz = 10000.0;
    double sweep_s = 0.1;
    double pre_trigger_s = 0.01;
    std::optional<double> age_years;  // chooses the CMAP amplitude norms; unset: drawn

    // Protocol; unset: 20 stimuli at 1 Hz, 0.2 ms (KNF-F), intensity drawn supramaximal.
    std::optional<int> stimuli;
    std::optional<double> inter_stimulus_s;
    std::optional<double> pulse_width_ms;
    std::optional<double> intensity_ma;

    // M-wave (distal CMAP); unset: drawn from the motor NCS norms.
    std::optional<double> m_latency_ms;
    std::optional<double> m_amplitude_mv;
    std::optional<double> m_duration_ms;

    // F-waves; unset: drawn. Latencies of the motoneuron pool are uniform in
    // [f_min_latency_ms, f_min_latency_ms + f_latency_span_ms].
    std::optional<double> f_min_latency_ms;
    std::optional<double> f_latency_span_ms;
    std::optional<double> persistence;       // probability of an F-wave per stimulus
    std::optional<Interval> f_amplitude_mv;  // baseline-to-negative-peak, drawn per F-wave
    std::optional<Interval> f_duration_ms;   // drawn per F-wave

    // Lesion knobs.
    bool f_present = true;            // false: no F-waves
    double proximal_delay_ms = 0.0;   // added to every F latency (slowing on the proximal path)
    double persistence_factor = 1.0;  // on the persistence
    double m_amplitude_factor = 1.0;  // axon loss: on the M-wave and on the F amplitudes

    // snr_db refers to the median baseline-to-negative-peak amplitude of the
    // F-waves; with none, give noise_rms_mv.
    EvokedBackground background;
    ArtefactSettings artefact;

    void validate() const;  // throws std::invalid_argument naming the field
};

// One F-wave recording in sweep form (kind f_wave, stim_site ankle) with the truth:
// per sweep whether an F-wave is present, its onset, peak and amplitude; per
// recording the realised persistence, minimal/mean/maximal latency and chronodispersion.
SimulatedRecording simulate_f_wave(const FWaveConfig& config, std::uint64_t seed);

}  // namespace edx::sim
