// Motor and sensory nerve conduction studies: per recording (one stimulation
// site) the response's onset and peak latency, amplitudes, negative-phase
// duration and area, on the sweeps' aligned template, by the conventions of
// response_measures.hpp and the onset criterion of onset.hpp; and conduction
// velocities: between two stimulation sites of one motor nerve,
// (distance difference) / (onset latency difference), so the same fibres'
// take-off is compared [TeleEMG]; for a sensory nerve (no synapse), distance /
// onset latency at one site.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edx/dsp/filter_settings.hpp"
#include "edx/evoked/response_presence.hpp"
#include "edx/evoked/sweep_screen.hpp"
#include "edx/io/recording.hpp"

namespace edx::evoked {

struct NcsOptions {
    // Unset: the machine defaults of the recording's kind (high-pass causal, rest zero-phase).
    std::optional<dsp::FilterSettings> filter;
    std::optional<double> presence_alpha;  // unset: /presence/alpha of signals/norms/evoked_measurement.json

    void validate() const;  // throws std::invalid_argument naming the field
};

struct NcsMeasure {
    std::string recording;
    std::string kind;  // "motor_ncs" or "sensory_ncs"
    std::string nerve;
    std::string muscle;
    std::string side;
    std::string stim_site;
    std::optional<double> distance_mm;
    std::string filter;

    std::size_t sweeps_total = 0;
    std::size_t sweeps_used = 0;
    std::size_t sweeps_excluded = 0;
    ExclusionCounts excluded_by_reason;

    bool present = false;  // a response stands out of the noise (presence test)
    PresenceTest presence;
    // Of the aligned template, amplitudes scaled to the median sweep. Unset
    // when absent or not measurable (see notes).
    std::optional<double> onset_latency_ms;
    std::optional<double> peak_latency_ms;       // main negative peak
    std::optional<double> amplitude_mv;          // baseline to negative peak
    std::optional<double> peak_to_peak_mv;
    std::optional<double> negative_duration_ms;  // main negative phase
    std::optional<double> negative_area_mv_ms;
    std::vector<std::string> notes;
};

// `recording`: kind motor_ncs or sensory_ncs. Throws std::invalid_argument
// for another kind or unusable sweeps (see prepare_sweeps).
NcsMeasure measure_ncs(const Recording& recording, const NcsOptions& options = {});

struct ConductionVelocity {
    std::string kind;  // "motor_ncs" or "sensory_ncs"
    std::string nerve;
    std::string side;
    std::string from_site;  // the distal site (motor); empty for sensory (from the stimulus)
    std::string to_site;
    double distance_mm = 0.0;  // motor: proximal minus distal distance
    double latency_ms = 0.0;   // motor: proximal minus distal onset latency; sensory: onset latency
    double cv_m_per_s = 0.0;   // mm / ms = m/s
};

// Motor: from a distal and a proximal site of the same nerve and muscle.
// Unset when a distance or an onset is missing, or the proximal site is not
// both farther and later (said nowhere else: the caller reports it).
std::optional<ConductionVelocity> motor_conduction_velocity(const NcsMeasure& distal, const NcsMeasure& proximal);
// Sensory: distance / onset latency at one site.
std::optional<ConductionVelocity> sensory_conduction_velocity(const NcsMeasure& site);
// Every velocity the measures support: motor sites grouped by nerve, muscle
// and side, ordered by distance, each consecutive pair; every sensory site.
std::vector<ConductionVelocity> conduction_velocities(std::span<const NcsMeasure> measures);

}  // namespace edx::evoked
