// Simulated nerve conduction studies of the lower limb: motor (CMAP recorded at
// one muscle, the nerve stimulated at two or more sites) and antidromic sensory
// (SNAP, sural 14 cm, superficial peroneal 12 cm), one recording per
// stimulation site with its stim_site and distance_mm, a few sweeps each, with
// lesion knobs (axon loss, demyelinating slowing, focal slowing or block on a
// segment, absent response). Ranges from signals/physiology/ncs.json.
//
// Motor onset latency at a site = distal onset latency + sum over the segments
// up to it of segment length / segment CV, so the CV measured between two sites
// from their onset latencies is the configured CV. Sensory onset latency =
// distance / CV (no synapse). Proximal responses are broader (temporal
// dispersion); CMAP area is kept, SNAP amplitude falls with distance^-exponent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edx/sim/evoked_background.hpp"
#include "edx/sim/simulated_recording.hpp"
#include "edx/sim/stimulus_artefact.hpp"

namespace edx::sim {

struct NcsSite {
    std::string stim_site;              // ankle, fibular_head, popliteal_fossa, calf, ...
    std::optional<double> distance_mm;  // stimulation to active electrode; unset: the table's
    // The segment from the previous (more distal) site to this one: its CV
    // relative to the nerve's and the fraction of the response that passes it
    // (conduction block). At the first site the velocity factor applies to a
    // sensory nerve's whole conduction to the electrode and is ignored for a
    // motor nerve (its distal latency is given); the amplitude factor is ignored.
    double segment_velocity_factor = 1.0;
    double segment_amplitude_factor = 1.0;
};

// Whole-nerve lesion knobs.
struct NcsLesion {
    bool absent = false;             // no response at any site
    double amplitude_factor = 1.0;   // axon loss
    double velocity_factor = 1.0;    // demyelination: divides every conduction time (and the distal latency)
    double dispersion_factor = 1.0;  // on the temporal dispersion per 100 mm
};

struct MotorNcsConfig {
    std::string name = "peroneal_motor";  // each site's recording is <name>_<stim_site>
    std::string nerve = "peroneal";       // peroneal (extensor digitorum brevis) or tibial (abductor hallucis)
    std::string side = "left";
    std::vector<NcsSite> sites;  // distal first; empty: the table's distal and proximal sites
    double sample_rate_hz = 10000.0;
    double sweep_s = 0.05;
    double pre_trigger_s = 0.005;
    int sweeps_per_site = 3;
    double inter_stimulus_s = 1.0;

    // Subject: age chooses the amplitude norms, leg length the proximal distance.
    std::optional<double> leg_length_cm;
    std::optional<double> height_cm;
    std::optional<double> age_years;

    // Physiology; unset: drawn from signals/physiology/ncs.json.
    std::optional<double> distal_latency_ms;  // onset at the first site
    std::optional<double> cv_m_per_s;
    std::optional<double> amplitude_mv;  // baseline to negative peak at the first site
    std::optional<double> duration_ms;   // at the first site
    std::optional<double> dispersion_per_100mm;
    std::optional<double> amplitude_cv;
    std::optional<double> intensity_ma;
    std::optional<double> pulse_width_ms;

    NcsLesion lesion;
    // snr_db refers to the first site's mean baseline-to-negative-peak CMAP
    // amplitude; the same noise level applies at every site (same electrodes).
    EvokedBackground background;
    ArtefactSettings artefact;

    void validate() const;  // throws std::invalid_argument naming the field
};

struct SensoryNcsConfig {
    std::string name = "sural_sensory";  // each site's recording is <name>_<stim_site>
    std::string nerve = "sural";         // sural or superficial_peroneal, antidromic
    std::string side = "left";
    std::vector<NcsSite> sites;  // distal first; empty: the table's one site at its norm distance
    double sample_rate_hz = 20000.0;
    double sweep_s = 0.02;
    double pre_trigger_s = 0.002;
    int sweeps_per_site = 10;  // SNAPs are averaged
    double inter_stimulus_s = 0.5;

    std::optional<double> age_years;  // chooses the CV norms

    std::optional<double> cv_m_per_s;
    std::optional<double> amplitude_mv;  // baseline to negative peak at the first site
    std::optional<double> duration_ms;
    std::optional<double> dispersion_per_100mm;
    std::optional<double> amplitude_distance_exponent;
    std::optional<double> amplitude_cv;
    std::optional<double> intensity_ma;
    std::optional<double> pulse_width_ms;

    NcsLesion lesion;
    // snr_db refers to the first site's mean SNAP amplitude per sweep.
    EvokedBackground background;
    ArtefactSettings artefact;

    void validate() const;
};

// One recording per site, distal first (kind motor_ncs / sensory_ncs). Each
// truth holds its site's onset and peak latency, amplitudes, negative-phase
// duration and area, the segment CV from the previous site, and per sweep amplitudes.
std::vector<SimulatedRecording> simulate_motor_ncs(const MotorNcsConfig& config, std::uint64_t seed);
std::vector<SimulatedRecording> simulate_sensory_ncs(const SensoryNcsConfig& config, std::uint64_t seed);

}  // namespace edx::sim
