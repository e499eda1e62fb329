// A simulated electrodiagnostic work-up of one patient: every recording a real
// study of sciatica-like pain would hold (H-reflex with the FAIR protocol on
// both legs, peroneal and tibial motor NCS with F-waves, sural and superficial
// peroneal SNAPs on both legs, needle EMG of the muscles localisation needs),
// with a lesion that reaches each muscle and nerve through the anatomy table
// (signals/anatomy/lower_limb_muscles.json) and signals/physiology/lesion_effects.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/io/study.hpp"

namespace edx::sim {

enum class LesionSite { none, L5_root, S1_root, lumbosacral_plexus, sciatic_deep_gluteal, peroneal_fibular_head };

std::string_view to_string(LesionSite site) noexcept;
std::optional<LesionSite> parse_lesion_site(std::string_view text) noexcept;

struct StudySpec {
    std::string subject_id = "SIM-0001";
    LesionSite lesion = LesionSite::none;
    std::string side = "left";        // side of the lesion and of the unilateral recordings
    double axon_loss = 0.6;           // in the most affected territory, 0..1
    double lesion_age_months = 6.0;   // decides whether denervation and reinnervation show yet
    // FAIR H delay of the lesioned leg (sciatic lesions); unset: the table's affected-leg mean.
    // The other leg (and every leg without a sciatic lesion) draws a control delay.
    std::optional<double> fair_delay_ms;
    std::optional<double> fair_onset_tau_s;  // unset: drawn

    std::optional<double> age_years;
    std::optional<double> height_cm;
    std::optional<double> leg_length_cm;

    double evoked_sample_rate_hz = 10000.0;
    double needle_sample_rate_hz = 10000.0;
    int fair_sweeps_per_position = 10;
    double needle_rest_s = 5.0;
    double needle_minimal_s = 5.0;
    // Default: tibialis anterior, peroneus longus, short head of biceps femoris,
    // tibialis posterior, medial gastrocnemius, gluteus medius, gluteus maximus,
    // lumbar paraspinals at L5 and S1.
    std::vector<std::string> needle_muscles;

    bool h_reflex = true;
    bool nerve_conduction = true;  // motor NCS, F-waves, SNAPs
    bool needle_emg = true;

    std::optional<std::string> clinical_findings_json;  // stored verbatim in /clinical

    void validate() const;  // throws std::invalid_argument naming the field
};

struct SimulatedStudy {
    Study study;
    // {"generator", "seed", "spec", "subject", "lesion": {"muscles": {...}, "nerves": {...}},
    //  "recordings": {name: truth of that recording}}
    nlohmann::json truth;
};

SimulatedStudy simulate_study(const StudySpec& spec, std::uint64_t seed);

// How much of each muscle's motor axons (and each sensory nerve's) a lesion
// takes: the anatomy and the lesion table applied, before any random draw but
// the plexus's patchiness. Exposed so the truth and the tests can state it.
struct Involvement {
    std::string name;           // muscle or sensory nerve
    double fraction = 0.0;      // of axons lost
    std::string why;            // e.g. "L5 is its main root"
};
std::vector<Involvement> muscle_involvement(const StudySpec& spec, std::uint64_t seed);
std::vector<Involvement> sensory_involvement(const StudySpec& spec);

}  // namespace edx::sim
