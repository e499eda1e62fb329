// A simulated FAIR validation cohort on disk: one layout-v1 file per subject
// and session holding the symptomatic leg's soleus H-reflex series under the
// FAIR protocol (edx/sim/h_reflex_sim.hpp), and the manifest `edx fair-study`
// reads. Subjects with a sciatic entrapment (reference positive) get a FAIR
// delay from the affected-leg distribution of signals/physiology/clinical_findings.json
// (2.66 +/- 0.68 ms [Fish92, Fish02]); the others the control delay of
// signals/physiology/h_reflex.json (0.36 +/- 0.5 ms [Fish92]). A retest
// session repeats the subject's true delay, anthropometrics and side with new
// physiology draws and noise, so test-retest statistics measure the
// measurement, not a new subject. For benchmarks, tests and trying the tool.
// A separate library (edx::study_cohort): the study module never depends on the simulator.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace edx::study {

struct FairCohortSpec {
    int subjects = 100;
    double prevalence = 0.5;        // share of reference-positive subjects (spread evenly through the manifest)
    double retest_fraction = 0.2;   // chance that a subject has a second session
    // Chance that a reference-negative subject nevertheless shows an
    // affected-size delay. 0 by default (negatives without a lesion); the
    // literature's 1 - specificity is 0.168 (clinical_findings.json /provisional_edx/fair_false_positive_rate).
    double false_positive_rate = 0.0;
    std::uint64_t seed = 1;
    int threads = 0;  // subjects simulated in parallel; 0: one per core
    // Time constant of the delay's build-up in FAIR; unset: drawn per
    // recording (2-10 s, signals/physiology/h_reflex.json). A slow build-up
    // leaves the measured delay below the plateau (fair_estimate.hpp).
    std::optional<double> fair_onset_tau_s;
    int fair_sweeps_per_position = 10;
    double sample_rate_hz = 10000.0;
    std::string manifest_name = "manifest.csv";
    void validate() const;  // throws std::invalid_argument naming the field
};

struct FairCohortSubject {
    std::string subject;
    bool reference_positive = false;
    std::string reference;  // manifest label
    bool false_positive = false;  // a negative given an affected-size delay
    std::string side;
    std::string recording;
    double true_delay_ms = 0.0;  // the FAIR delay the simulator approaches in FAIR
    double symptom_duration_months = 0.0;
    int sessions = 1;
};

struct FairCohort {
    std::filesystem::path manifest;
    std::filesystem::path truth;  // cohort_truth.json beside the manifest
    std::vector<FairCohortSubject> subjects;
    std::size_t files = 0;
};

// Writes dir/recordings/<subject>_s<session>.h5, dir/<manifest_name> and
// dir/cohort_truth.json (creating dir). The same spec gives the same files
// whatever the thread count.
FairCohort write_fair_cohort(const std::filesystem::path& dir, const FairCohortSpec& spec);

}  // namespace edx::study
