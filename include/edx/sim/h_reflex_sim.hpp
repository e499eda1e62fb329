// Simulated soleus H-reflex series (tibial nerve stimulated in the popliteal
// fossa): M- and H-waves with recruitment, sweep jitter and amplitude
// variability, position phases with markers (anatomic / FAIR / ...), the FAIR
// delay building up after the marker, lesion knobs (S1: prolonged, reduced or
// absent H), stimulus artefact, noise and interference. Ranges come from
// signals/physiology/h_reflex.json, the expected latency from
// signals/norms/h_reflex_latency.json; the truth records every value used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edx/sim/evoked_background.hpp"
#include "edx/sim/fair_dynamics.hpp"
#include "edx/sim/stimulus_recruitment.hpp"
#include "edx/sim/simulated_recording.hpp"
#include "edx/sim/stimulus_artefact.hpp"

namespace edx::sim {

// Recording montage, which sets the H-wave's shape family [Nish99]: Hugon or
// Braddom-Johnson give an initially positive triphasic H, half-and-half an
// initially negative biphasic one. `any` picks one per recording.
enum class HMontage { any, hugon_braddom_johnson, half_and_half };
std::string_view to_string(HMontage montage) noexcept;

// A run of sweeps in one limb position, starting with a position=<position> marker.
struct HReflexPhase {
    std::string position = "anatomic";
    int sweeps = 10;
    std::optional<double> intensity_ma;        // unset: the intensity of Hmax
    std::optional<double> final_intensity_ma;  // set: a linear ramp from intensity_ma to this (recruitment series)
    double settle_s = 5.0;                     // from the marker to the phase's first stimulus
};

// Knobs for lesions on the H path (S1 radiculopathy, sciatic lesions).
struct HReflexLesion {
    bool h_present = true;            // false: no H-wave at any intensity
    double h_latency_shift_ms = 0.0;  // added to every H latency (S1: prolonged)
    double h_amplitude_factor = 1.0;  // on Hmax (reduced H/M)
    double h_threshold_factor = 1.0;  // on the H recruitment intensities (raised threshold)
};

struct HReflexConfig {
    std::string name = "soleus_h_reflex";  // recording name; also names its random streams
    std::string side = "left";
    double sample_rate_hz = 10000.0;
    double sweep_s = 0.1;         // sweep length (KNF-H displays 10 ms/div)
    double pre_trigger_s = 0.01;  // rounded to whole samples

    // Subject. Leg length is popliteal fossa to medial malleolus; unset, it
    // comes from the height (given or drawn); age unset is drawn.
    std::optional<double> leg_length_cm;
    std::optional<double> height_cm;
    std::optional<double> age_years;

    // Physiology; every unset value is drawn from signals/physiology/h_reflex.json.
    std::optional<double> h_latency_ms;  // this leg's H onset latency at rest, in anatomic position, before lesion
                                         // shift and jitter; unset: the regression plus a leg residual
    std::optional<double> m_latency_ms;  // unset: electrode distance / tibial motor CV + terminal latency
    std::optional<double> mmax_mv;
    std::optional<double> hmax_mmax_ratio;
    std::optional<double> h_jitter_sd_ms;
    std::optional<double> m_jitter_sd_ms;
    std::optional<double> h_amplitude_cv;
    std::optional<double> m_amplitude_cv;
    std::optional<double> m_duration_ms;
    std::optional<double> h_duration_ms;
    std::optional<StimulusRecruitment> recruitment;  // unset: drawn; lesion.h_threshold_factor applies on top
    HMontage montage = HMontage::any;

    // Protocol.
    std::vector<HReflexPhase> phases = {
        {"anatomic", 10, {}, {}, 5.0}, {"fair", 10, {}, {}, 5.0}, {"anatomic", 10, {}, {}, 5.0}};
    std::optional<double> inter_stimulus_s;  // unset: 1 / 0.5 Hz (KNF-H)
    std::optional<double> pulse_width_ms;    // unset: drawn in 0.5-1 ms (KNF-H)

    FairResponse fair;  // this leg's FAIR response (delay 0: none)
    HReflexLesion lesion;
    // snr_db refers to the mean baseline-to-negative-peak H amplitude over the
    // sweeps with an H-wave; with no H-wave give noise_rms_mv.
    EvokedBackground background;
    ArtefactSettings artefact;

    void validate() const;  // throws std::invalid_argument naming the field
};

// Expected H onset latency (ms) from signals/norms/h_reflex_latency.json:
// intercept + slope * leg length + slope * age. The coefficients (Braddom &
// Johnson 1974) are unverified recollection; see that table.
double expected_h_latency_ms(double leg_length_cm, double age_years);

// The FAIR protocol: `sweeps` at the Hmax intensity in anatomic, FAIR and anatomic position.
std::vector<HReflexPhase> fair_protocol(int sweeps_per_position = 10, double settle_s = 5.0);
// A recruitment series: `sweeps` stimuli ramping linearly from `from_ma` to `to_ma`.
std::vector<HReflexPhase> recruitment_protocol(double from_ma, double to_ma, int sweeps,
                                               std::string position = "anatomic");

// One H-reflex recording in sweep form (kind h_reflex, muscle soleus, nerve
// tibial, stim_site popliteal_fossa, distance_mm = stimulation to active
// electrode), with stimuli (time, intensity), position markers and the truth.
// The same config and seed give the same recording; physiology, artefact and
// noise use separate random streams named after config.name, so changing the
// noise leaves every latency and amplitude unchanged.
SimulatedRecording simulate_h_reflex(const HReflexConfig& config, std::uint64_t seed);

}  // namespace edx::sim
